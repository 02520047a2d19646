import LVSConfig
import LVSModel
import Testing

private func ip(_ text: String) -> IPAddress { IPAddress(text)! }

/// The services of the listings below, as ipvsadm 1.31 printed them in the test VM (the
/// server lines of the IPv4 web service added in the same layout).
private let services = (
    marked: "FWM  -1 IPv6 mh (mh-port) persistent 100 mask 64 pe sip",
    web: "TCP  198.51.100.10:80 wlc persistent 360 mask 255.255.255.0",
    empty: "TCP  198.51.100.12:443 wrr",
    sctp: "SCTP 198.51.100.11:0 lc persistent 50",
    dns: "UDP  [2001:db8::53]:53 sh (sh-fallback,sh-port) ops",
    mark3: "FWM  3 rr persistent 360"
)

private let plainListing = """
    IP Virtual Server version 1.2.1 (size=4096)
    Prot LocalAddress:Port Scheduler Flags
      -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
    \(services.marked)
      -> [2001:db8::5]:443            Route   1      0          0         
    \(services.web)
      -> 203.0.113.11:80              Route   3      12         40        
      -> 203.0.113.12:8080            Masq    0      0          0         
      -> 203.0.113.13:80              Tunnel  1      0          0         
      -> 203.0.113.14:80              Local   1      0          0         
    \(services.empty)
    \(services.sctp)
    \(services.dns)
      -> [2001:db8:0:1234:5678:9abc:def0:1234]:5353 Masq    1      0          0         
    \(services.mark3)

    """

private let tunnelInfoListing = """
    IP Virtual Server version 1.2.1 (size=4096)
    Prot LocalAddress:Port Scheduler Flags
      -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn
    \(services.web)
      -> 203.0.113.11:80              Route   n/a           3      0          0         
      -> 203.0.113.13:80              Tunnel  gue:6080:+c   1      0          0         
      -> 203.0.113.15:80              Tunnel  ipip          2      0          0         
      -> 203.0.113.16:80              Tunnel  gre:-c        1      0          0         

    """

private let thresholdsListing = """
    IP Virtual Server version 1.2.1 (size=4096)
    Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn 
      -> RemoteAddress:Port
    \(services.web)
      -> 203.0.113.11:80              100        50         0          0         
      -> 203.0.113.12:8080            0          0          0          0         

    """

private let persistentConnListing = """
    IP Virtual Server version 1.2.1 (size=4096)
    Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn 
      -> RemoteAddress:Port
    \(services.web)
      -> 203.0.113.11:80              3         7           0          0         
      -> 203.0.113.12:8080            0         0           0          0         

    """

private func read(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> IPVSAdmParseResult {
    let result = IPVSAdmFormat.parse(text, file: "ticket.txt")
    #expect(result.errors.isEmpty, "\(result.errors)", sourceLocation: sourceLocation)
    return result
}

@Suite("ipvsadm -Ln listings")
struct IPVSAdmListingTests {
    @Test func readsThePlainListing() throws {
        let result = try read(plainListing)
        let table = try #require(result.table)
        #expect(table.services.map(\.key) == [
            .address(.tcp, ip("198.51.100.10"), port: 80),
            .address(.tcp, ip("198.51.100.12"), port: 443),
            .address(.sctp, ip("198.51.100.11"), port: 0),
            .address(.udp, ip("2001:db8::53"), port: 53),
            .fwmark(3, .ipv4),
            .fwmark(4_294_967_295, .ipv6),
        ])
        let web = table.services[0]
        #expect(web.scheduler == .wlc && web.persistence == Persistence(timeout: 360, netmaskLength: 24))
        #expect(web.servers == [
            RealServer(address: ip("203.0.113.11"), port: 80, forwarding: .dr, weight: 3),
            RealServer(address: ip("203.0.113.12"), port: 8080, forwarding: .nat, weight: 0),
            RealServer(address: ip("203.0.113.13"), port: 80, forwarding: .tunnel(.ipip), weight: 1),
            RealServer(address: ip("203.0.113.14"), port: 80, forwarding: .local, weight: 1),
        ])
        #expect(table.services[2].persistence == Persistence(timeout: 50, netmaskLength: 32))
        let dns = table.services[3]
        #expect(dns.scheduler == .sh && dns.schedulerFlags == [.flag1, .flag2] && dns.onePacket)
        #expect(dns.servers == [RealServer(address: ip("2001:db8:0:1234:5678:9abc:def0:1234"), port: 5353, forwarding: .nat)])
        let marked = table.services[5]
        #expect(marked.scheduler == .mh && marked.schedulerFlags == [.flag2])
        #expect(marked.persistence == Persistence(timeout: 100, netmaskLength: 64, engine: "sip"))
        #expect(marked.servers == [RealServer(address: ip("2001:db8::5"), port: 443, forwarding: .dr)])

        #expect(result.diagnostics.count == 1)
        let warning = try #require(result.diagnostics.first)
        #expect(warning.severity == .warning && "\(warning.line):\(warning.column)" == "3:3")
        #expect(warning.message.contains("shows no thresholds (-x/-y) and no tunnel types"))
        #expect(warning.message.contains("connection counters are ignored"))
    }

    @Test func readsTunnelInfo() throws {
        let result = try read(tunnelInfoListing)
        let servers = try #require(result.table?.services.first?.servers)
        #expect(servers.map(\.forwarding) == [.dr, .tunnel(.gue(port: 6080, checksum: .csum)), .tunnel(.ipip),
                                              .tunnel(.gre(checksum: .none))])
        #expect(servers.map(\.weight) == [3, 1, 2, 1])
        #expect(result.diagnostics.map(\.message) == [
            "an 'ipvsadm -Ln --tun-info' listing shows no thresholds (-x/-y): servers are read without them; connection counters are ignored",
        ])
    }

    @Test func readsThresholdsAssumingForwardingFromPorts() throws {
        let result = try read(thresholdsListing)
        let servers = try #require(result.table?.services.first?.servers)
        #expect(servers == [
            RealServer(address: ip("203.0.113.11"), port: 80, forwarding: .dr, upperThreshold: 100, lowerThreshold: 50),
            RealServer(address: ip("203.0.113.12"), port: 8080, forwarding: .nat),
        ])
        #expect(result.diagnostics.first?.message.contains("shows no forwarding methods or weights") == true)
    }

    @Test func readsPersistentConnWeights() throws {
        let result = try read(persistentConnListing)
        let servers = try #require(result.table?.services.first?.servers)
        #expect(servers.map(\.weight) == [3, 0])
        #expect(servers.map(\.forwarding) == [.dr, .nat])
        #expect(result.diagnostics.first?.message.contains("shows no forwarding methods or thresholds") == true)
    }

    @Test func readsAPasteWithoutHeadersPortNamesAndTimeouts() throws {
        let result = try read("""
            TCP  198.51.100.10:http wlc
              -> 203.0.113.11:http            Route   1      0          0
            UDP  [2001:db8::53]:domain sh
              -> [2001:db8::5]:mdns           Masq    1      0          0
            Timeout (tcp tcpfin udp): 900 120 300
            """)
        let table = try #require(result.table)
        #expect(table.services.map(\.key) == [.address(.tcp, ip("198.51.100.10"), port: 80),
                                              .address(.udp, ip("2001:db8::53"), port: 53)])
        #expect(table.services[1].servers.map(\.port) == [5353])
        #expect(table.timeouts == Timeouts(tcp: 900, tcpFin: 120, udp: 300))
        #expect(result.diagnostics.map { "\($0.line):\($0.column)" } == ["2:3"])
    }

    @Test(arguments: [
        ("stats", "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\nTCP  198.51.100.10:80  0 0 0 0 0\n",
         "1:38", "a --stats or --rate listing shows counters"),
        ("host name", "TCP  lb.example.com:http wlc\n", "1:6", "host names are not resolved"),
        ("server first", "  -> 203.0.113.11:80 Route 1 0 0\n", "1:3", "a server line must follow its service's line"),
        ("unknown forwarding", "TCP  198.51.100.10:80 wlc\n  -> 203.0.113.11:80 Bridge 1 0 0\n", "2:22",
         "unknown forwarding 'Bridge'"),
        ("numbers without a header", "TCP  198.51.100.10:80 wlc\n  -> 203.0.113.11:80 1 0 0 0\n", "2:3",
         "which columns this listing has is unknown without its header"),
        ("short server line", "TCP  198.51.100.10:80 wlc\n  -> 203.0.113.11:80 Route 1 0\n", "2:3", "columns after '->'"),
        ("dr port mapping", "TCP  198.51.100.10:80 wlc\n  -> 203.0.113.11:8080 Route 1 0 0\n", "2:6",
         "dr server 203.0.113.11:8080 has another port than its service's 80"),
        ("weight too large", "TCP  198.51.100.10:80 wlc\n  -> 203.0.113.11:80 Route 70000 0 0\n", "2:28", "weight '70000'"),
        ("trailing word", "TCP  198.51.100.10:80 wlc ops extra\n", "1:31", "unexpected 'extra' in a service line"),
        ("bad tunnel info", "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward TunnelInfo Weight ActiveConn InActConn\nTCP  198.51.100.10:80 wlc\n  -> 203.0.113.11:80 Tunnel gue:x:+c 1 0 0\n",
         "4:33", "tunnel port 'x' is not valid"),
        ("unknown tunnel type", "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward TunnelInfo Weight ActiveConn InActConn\nTCP  198.51.100.10:80 wlc\n  -> 203.0.113.11:80 Tunnel vxlan 1 0 0\n",
         "4:29", "tunnel information 'vxlan' is not valid"),
        ("escape in a listing", "TCP  198.51.100.10:80 wlc\u{1B}]0;owned\u{7}\n", "1:26", "U+001B (a control character)"),
        ("duplicate server", "TCP  198.51.100.10:80 wlc\n  -> 203.0.113.11:80 Route 1 0 0\n  -> 203.0.113.11:80 Masq 1 0 0\n",
         "3:6", "already listed for this service at line 2"),
        ("lower threshold above upper", "Prot LocalAddress:Port Uthreshold Lthreshold ActiveConn InActConn\nTCP  198.51.100.10:80 wlc\n  -> 203.0.113.11:80 5 10 0 0\n",
         "3:24", "lower threshold 10 is above the upper threshold 5"),
        ("duplicate service", "TCP  198.51.100.10:80 wlc\nTCP  198.51.100.10:80 rr\n", "2:1", "already listed at line 1"),
        ("prompt pasted along", "[root@lb ~]$ ipvsadm -Ln\nTCP  198.51.100.10:80 wlc\n", "1:1",
         "'[root@lb' does not start a line of an 'ipvsadm -Ln' listing"),
    ])
    func refusesWhereTheListingIsWrong(rule: String, text: String, at: String, message: String) {
        let result = IPVSAdmFormat.parse(text, file: "ticket.txt")
        #expect(result.table == nil, "\(rule)")
        let error = result.errors.first
        #expect(error.map { "\($0.line):\($0.column)" } == at, "\(rule): \(result.errors)")
        #expect(error?.message.contains(message) == true, "\(rule): \(result.errors)")
    }
}
