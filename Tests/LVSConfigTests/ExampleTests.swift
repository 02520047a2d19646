import Foundation
import LVSConfig
import LVSModel
import Testing

@Suite("examples/")
struct ExampleTests {
    @Test("there are at least six examples")
    func enoughExamples() {
        #expect(exampleFiles.count >= 6)
    }

    @Test("every example validates", arguments: exampleFiles)
    func validates(_ file: URL) {
        let result = ConfigLoader.load(path: file.path)
        #expect(result.diagnostics == [], "\(result.diagnostics.map(\.description))")
        #expect(result.state?.table.services.isEmpty == false)
    }

    @Test("every example round-trips through the writer", arguments: exampleFiles)
    func roundTrips(_ file: URL) throws {
        let state = try #require(ConfigLoader.load(path: file.path).state)
        let written = ConfigWriter.yaml(state)
        let reread = load(written, file: "written.yaml")
        #expect(reread.diagnostics == [], "\(written)")
        #expect(reread.state == state, "\(written)")
    }

    @Test("the NAT farm maps ports and inherits forwarding from defaults")
    func natFarm() throws {
        let state = try #require(ConfigLoader.load(path: repositoryRoot.appendingPathComponent("examples/nat-web-farm.yaml").path).state)
        let key = ServiceKey.address(.tcp, IPAddress("198.51.100.10")!, port: 80)
        let web = try #require(state.table.service(key))
        #expect(web.servers.map(\.port) == [8080, 8080, 8080])
        #expect(web.servers.allSatisfy { $0.forwarding == .nat })
        #expect(web.servers.map(\.weight) == [1, 1, 2])
        #expect(state.names[key] == "web")
        #expect(state.director?.address == IPAddress("203.0.113.1"))
    }

    @Test("the DNS example merges its anchor into IPv4 and IPv6 services")
    func dns() throws {
        let state = try #require(ConfigLoader.load(path: repositoryRoot.appendingPathComponent("examples/ipv6-udp-dns.yaml").path).state)
        let v6 = try #require(state.table.service(.address(.udp, IPAddress("2001:db8::53")!, port: 53)))
        #expect(v6.scheduler == .sh)
        #expect(v6.schedulerFlags == [.flag1, .flag2])
        #expect(v6.onePacket)
        #expect(v6.servers.map(\.key.description) == ["[2001:db8:1::53]:5353", "[2001:db8:1::54]:5353"])
        let tcp = try #require(state.table.service(.address(.tcp, IPAddress("198.51.100.53")!, port: 53)))
        #expect(tcp.scheduler == .mh && tcp.schedulerFlags == [.flag1] && !tcp.onePacket)
    }

    @Test("the fwmark bundle carries its match and persistence")
    func fwmark() throws {
        let state = try #require(ConfigLoader.load(path: repositoryRoot.appendingPathComponent("examples/fwmark-bundle.yaml").path).state)
        let key = ServiceKey.fwmark(10, .ipv4)
        #expect(state.firewallMatches[key] == FirewallMatch(vip: IPAddress("198.51.100.50")!, protocol: .tcp,
                                                            ports: [PortRange(80), PortRange(443)]))
        #expect(state.table.service(key)?.persistence == Persistence(timeout: 3600, netmaskLength: 32))
        #expect(state.table.service(key)?.servers.allSatisfy { $0.port == 0 } == true)
    }

    @Test("the tunnel example keeps each server's encapsulation")
    func tunnels() throws {
        let state = try #require(ConfigLoader.load(path: repositoryRoot.appendingPathComponent("examples/tun-cache-cluster.yaml").path).state)
        let servers = try #require(state.table.services.first?.servers)
        #expect(servers.map(\.forwarding) == [.tunnel(.ipip), .tunnel(.ipip), .tunnel(.gue(port: 6080, checksum: .csum)),
                                              .tunnel(.gre(checksum: .none)), .tunnel(.ipip)])
    }

    @Test("sync, timeouts, director and scope are read")
    func settings() throws {
        let state = try #require(ConfigLoader.load(path: repositoryRoot.appendingPathComponent("examples/sync-and-timeouts.yaml").path).state)
        #expect(state.table.timeouts == Timeouts(tcp: 900, tcpFin: 60, udp: 120))
        #expect(state.table.syncDaemons == [SyncDaemon(state: .master, interface: "eth1", syncID: 10)])
        #expect(state.director?.expireNodestConn == true)
        #expect(state.scope == .limited(vips: [IPPrefix("198.51.100.0/24")!, IPPrefix("2001:db8::/64")!], fwmarks: [1...99]))
    }
}
