@testable import LVSHost
import LVSModel
import Testing

@Suite("ip -j output")
struct IPJSONTests {
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
        #expect(throws: HostError.self) { try IPJSON.guePorts("Usage: ip fou …") }
        #expect { try IPJSON.defaultGateway("{") } throws: { ($0 as? HostError)?.action == "ip -j route show default" }
    }
}
