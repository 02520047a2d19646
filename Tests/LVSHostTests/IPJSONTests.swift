@testable import LVSHost
import LVSModel
import Testing

@Suite("ip -j output")
struct IPJSONTests {
    @Test("devices: kind from linkinfo, alias, and up from the UP flag whatever operstate says")
    func devices() throws {
        let json = """
            [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"operstate":"UNKNOWN","link_type":"loopback"},
             {"ifindex":2,"ifname":"eth1","flags":["BROADCAST","NOARP"],"operstate":"DOWN","linkinfo":{"info_kind":"dummy"}},
             {"ifindex":3,"ifname":"tunl0","flags":["NOARP","UP","LOWER_UP"],"operstate":"UNKNOWN","ifalias":"managed by lvsctl",
              "linkinfo":{"info_kind":"ipip","info_data":{"proto":"ip4ip4","remote":"any","local":"any","ttl":0,"pmtudisc":true}}}]
            """
        let devices = try IPJSON.devices(json)
        #expect(devices["lo"] == HostSnapshot.Device(kind: "", isUp: true))
        #expect(devices["eth1"] == HostSnapshot.Device(kind: "dummy", isUp: false))
        #expect(devices["tunl0"] == HostSnapshot.Device(kind: "ipip", alias: HostSnapshot.ownedAlias, isUp: true))
    }

    @Test("addresses per device, IPv4 and IPv6, devices without any")
    func addresses() throws {
        let json = """
            [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"addr_info":[
                {"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo"},
                {"family":"inet","local":"198.51.100.10","prefixlen":32,"scope":"global","label":"lo"},
                {"family":"inet6","local":"2001:db8::10","prefixlen":128,"scope":"global","flags":["nodad"]}]},
             {"ifindex":2,"ifname":"eth1","flags":["BROADCAST"],"addr_info":[]}]
            """
        let addresses = try IPJSON.addresses(json)
        #expect(addresses["lo"] == [InterfaceAddress(IPAddress("127.0.0.1")!, prefixLength: 8),
                                    InterfaceAddress(IPAddress("198.51.100.10")!, prefixLength: 32),
                                    InterfaceAddress(IPAddress("2001:db8::10")!, prefixLength: 128)])
        #expect(addresses["eth1"] == [])
    }

    @Test("the default gateway: the first route's, none for a device-only route or no route")
    func defaultGateway() throws {
        #expect(try IPJSON.defaultGateway(#"[{"dst":"default","gateway":"192.0.2.1","dev":"eth1","flags":[]}]"#)
            == IPAddress("192.0.2.1"))
        #expect(try IPJSON.defaultGateway(#"[{"dst":"default","gateway":"2001:db8::1","dev":"eth1","metric":1024,"flags":[],"pref":"medium"}]"#)
            == IPAddress("2001:db8::1"))
        #expect(try IPJSON.defaultGateway(#"[{"dst":"default","dev":"eth1","scope":"link","flags":[]}]"#) == nil)
        #expect(try IPJSON.defaultGateway("[]") == nil)
        #expect(try IPJSON.defaultGateway("\n") == nil, "iproute2 prints nothing for an empty list")
    }

    @Test("GUE ports: only IPv4 ports in GUE mode, not plain FOU ports")
    func guePorts() throws {
        let json = """
            [{"port":6080,"gue":null,"family":"inet"},{"port":5555,"ipproto":4,"family":"inet"},
             {"port":7000,"gue":null,"family":"inet6"},{"port":5000,"gue":null}]
            """
        #expect(try IPJSON.guePorts(json) == [5000, 6080])
    }

    @Test("output that is not ip -j JSON is an error naming the command")
    func garbage() {
        #expect(throws: HostError.self) { try IPJSON.devices("Usage: ip link …") }
        #expect { try IPJSON.addresses("{") } throws: { ($0 as? HostError)?.action == "ip -j addr show" }
    }
}
