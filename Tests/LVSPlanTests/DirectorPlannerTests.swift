import LVSConfig
import LVSModel
import LVSPlan
import Testing

private let webFarm = """
    version: 1
    director: { address: 203.0.113.1 }
    services:
      - { vip: 198.51.100.10, port: 80, forward: nat, servers: ["203.0.113.11:8080"] }
      - { vip: 198.51.100.20, port: 80, forward: fullnat, servers: ["203.0.113.12:8080"] }
      - { fwmark: 10, match: { vip: 198.51.100.30, ports: [80, 443] }, servers: [203.0.113.13] }
    """

@Suite("director and firewall planning")
struct DirectorPlannerTests {
    @Test("a bare host gets the device, every VIP, forwarding, conntrack and both chains")
    func bareHost() throws {
        let changes = DirectorPlanner.changes(try config(webFarm), host: HostSnapshot())
        let actions = changes.flatMap(\.hostActions)
        #expect(actions.first == .createDevice(name: "lvs0", kind: "dummy"))
        for vip in ["198.51.100.10", "198.51.100.20", "198.51.100.30"] {
            #expect(actions.contains(.addAddress(IPAddress(vip)!, prefixLength: 32, device: "lvs0")))
        }
        #expect(actions.contains(.setSysctl(key: "net.ipv4.ip_forward", value: "1")))
        #expect(!actions.contains(.setSysctl(key: "net.ipv6.conf.all.forwarding", value: "1")))
        #expect(actions.contains(.setSysctl(key: "net.ipv4.vs.conntrack", value: "1")))
        #expect(actions.contains(.writeChain(.marks(.ipv4), rules: [
            "-d 198.51.100.30/32 -p tcp -m multiport --dports 80,443 -j MARK --set-xmark 0xa/0xffffffff",
        ])))
        #expect(actions.contains(.writeChain(.fullNAT(.ipv4), rules: [
            "-d 203.0.113.12/32 -m ipvs --vaddr 198.51.100.20 --vport 80 -j SNAT --to-source 203.0.113.1",
        ])))
        #expect(changes.allSatisfy { $0.stage == .beforeTable })
    }

    @Test("a host that already matches needs nothing")
    func converged() throws {
        let desired = try config(webFarm)
        var host = HostSnapshot(devices: ["lvs0": .init(kind: "dummy", alias: HostSnapshot.ownedAlias, isUp: true)])
        host.addresses["lvs0"] = ["198.51.100.10", "198.51.100.20", "198.51.100.30"].map { InterfaceAddress(IPAddress($0)!, prefixLength: 32) }
        host.sysctls = ["net.ipv4.ip_forward": "1", "net.ipv4.vs.conntrack": "1"]
        for (chain, rules) in FirewallPlanner.rules(for: desired) { host.chains[chain] = .init(rules: rules, jumpExists: true) }
        #expect(DirectorPlanner.changes(desired, host: host).isEmpty)
    }

    @Test("stale VIPs leave lvsctl's own device after the table, and only there, and only in scope")
    func staleAddresses() throws {
        let desired = try config("version: 1\nscope: { vips: [198.51.100.0/24] }\nservices:\n  - { vip: 198.51.100.10, port: 80 }\n")
        var host = HostSnapshot(devices: ["lvs0": .init(kind: "dummy", alias: HostSnapshot.ownedAlias, isUp: true)])
        host.addresses["lvs0"] = [InterfaceAddress(IPAddress("198.51.100.10")!, prefixLength: 32),
                                  InterfaceAddress(IPAddress("198.51.100.99")!, prefixLength: 32),
                                  InterfaceAddress(IPAddress("203.0.113.99")!, prefixLength: 32)]
        let changes = DirectorPlanner.changes(desired, host: host)
        #expect(changes.map(\.hostActions) == [[.removeAddress(IPAddress("198.51.100.99")!, prefixLength: 32, device: "lvs0")]])
        #expect(changes.first?.stage == .afterTable)

        host.devices["lvs0"]?.alias = nil
        #expect(DirectorPlanner.changes(desired, host: host).isEmpty, "a device lvsctl did not create keeps its addresses")
    }

    @Test("a dropped mark rule goes after the table; a new one comes before it")
    func markOrdering() throws {
        let desired = try config("version: 1\nservices:\n  - { fwmark: 2, match: { vip: 198.51.100.5, protocol: udp } }\n")
        var host = HostSnapshot(devices: ["lvs0": .init(kind: "dummy", alias: HostSnapshot.ownedAlias, isUp: true)],
                                addresses: ["lvs0": [InterfaceAddress(IPAddress("198.51.100.5")!, prefixLength: 32)]])
        let old = "-d 198.51.100.4/32 -p tcp -j MARK --set-xmark 0x1/0xffffffff"
        let new = "-d 198.51.100.5/32 -p udp -j MARK --set-xmark 0x2/0xffffffff"
        host.chains[.marks(.ipv4)] = .init(rules: [old], jumpExists: true)
        let plan = Planner.plan(desired: desired, live: IPVSTable(), host: host)
        #expect(plan.changes.first?.hostActions == [.writeChain(.marks(.ipv4), rules: [new, old])])
        #expect(plan.changes.last?.hostActions == [.writeChain(.marks(.ipv4), rules: [new])])
        #expect(plan.changes.map(\.object) == [.firewall, .service, .firewall])
    }

    @Test("FULLNAT needs director.address of the service's family")
    func fullNATValidation() {
        let missing = ConfigLoader.load(bytes: Array("version: 1\nservices:\n  - { vip: 198.51.100.1, port: 80, forward: fullnat, servers: [203.0.113.1] }\n".utf8), file: "t.yaml")
        #expect(missing.errors.first?.message.contains("set director.address") == true)
        let family = ConfigLoader.load(bytes: Array("version: 1\ndirector: { address: 203.0.113.1 }\nservices:\n  - { vip: \"2001:db8::1\", port: 80, forward: fullnat, servers: [\"2001:db8:1::1\"] }\n".utf8), file: "t.yaml")
        #expect(family.errors.first?.message.contains("which is ipv4, but this service is ipv6") == true)
    }

    @Test("FULLNAT servers are masquerading in the table and round-trip through the writer")
    func fullNATRoundTrip() throws {
        let desired = try config(webFarm)
        let key = ServiceKey.address(.tcp, IPAddress("198.51.100.20")!, port: 80)
        #expect(desired.table.service(key)?.servers.first?.forwarding == .nat)
        #expect(desired.fullNATServers[key] == [ServerKey(address: IPAddress("203.0.113.12")!, port: 8080)])
        let reread = try config(ConfigWriter.yaml(desired))
        #expect(reread.table == desired.table)
        #expect(reread.fullNATServers == desired.fullNATServers)
        #expect(reread.firewallMatches == desired.firewallMatches)
        #expect(reread.director == desired.director)
    }

    @Test("with vips: external no VIP is bound or removed, and the rest is still planned")
    func externalVIPs() throws {
        let desired = try config(webFarm.split(separator: "\n").map {
            $0 == "director: { address: 203.0.113.1 }" ? "director: { vips: external, address: 203.0.113.1 }" : $0
        }.joined(separator: "\n"))
        var host = HostSnapshot(devices: ["lvs0": .init(kind: "dummy", alias: HostSnapshot.ownedAlias, isUp: false)])
        host.addresses["lvs0"] = [InterfaceAddress(IPAddress("198.51.100.99")!, prefixLength: 32)]
        let actions = DirectorPlanner.changes(desired, host: host).flatMap(\.hostActions)
        #expect(!actions.contains { action in
            switch action {
            case .createDevice, .addAddress, .removeAddress, .setLinkUp: true
            default: false
            }
        })
        #expect(actions.contains(.setSysctl(key: "net.ipv4.ip_forward", value: "1")))
    }

    @Test("the sync sysctls are written where they differ, read back as the kernel shows them, and round-trip")
    func syncSysctls() throws {
        let desired = try config("""
            version: 1
            sync: [ { state: master, interface: eth1, syncid: 7 }, { state: backup, interface: eth1, syncid: 7 } ]
            director:
              vips: external
              sync_threshold: [3, 50]
              sync_refresh_period: 10
              sync_retries: 2
              sync_persist_mode: 1
              sync_version: 1
              sloppy_tcp: true
              sloppy_sctp: false
              conn_reuse_mode: 2
            services: []
            """)
        let wanted = ["sync_threshold": "3 50", "sync_refresh_period": "10", "sync_retries": "2", "sync_persist_mode": "1",
                      "sync_version": "1", "sloppy_tcp": "1", "sloppy_sctp": "0", "conn_reuse_mode": "2"]
        let actions = DirectorPlanner.changes(desired, host: HostSnapshot()).flatMap(\.hostActions)
        #expect(Set(actions) == Set(wanted.map { HostAction.setSysctl(key: "net.ipv4.vs." + $0.key, value: $0.value) }))
        for action in actions { try action.check() }
        #expect(Set(wanted.keys).isSubset(of: DirectorPlanner.sysctls.map { String($0.dropFirst("net.ipv4.vs.".count)) }))

        var host = HostSnapshot()
        host.sysctls = Dictionary(uniqueKeysWithValues: wanted.map { ("net.ipv4.vs." + $0.key, $0.value) })
        #expect(DirectorPlanner.changes(desired, host: host).isEmpty)
        host.sysctls["net.ipv4.vs.sync_threshold"] = "3 0"
        #expect(DirectorPlanner.changes(desired, host: host).flatMap(\.hostActions)
            == [.setSysctl(key: "net.ipv4.vs.sync_threshold", value: "3 50")])

        let reread = try config(ConfigWriter.yaml(desired))
        #expect(reread.director == desired.director)
        #expect(reread.table.syncDaemons == desired.table.syncDaemons)
    }

    @Test("get describes the VIPs where they are: on lvs0 the default, anywhere else external")
    func observedDirector() throws {
        let table = try config("""
            version: 1
            services:
              - { vip: 198.51.100.10, port: 80, forward: nat, servers: ["203.0.113.11:8080"] }
              - { vip: "2001:db8::10", port: 80, servers: ["2001:db8::11"] }
            """).table
        let vips = ["198.51.100.10", "2001:db8::10"].map { InterfaceAddress(IPAddress($0)!, prefixLength: IPAddress($0)!.family.bitWidth) }
        var host = HostSnapshot(devices: ["lvs0": .init(kind: "dummy", alias: HostSnapshot.ownedAlias, isUp: true)])
        host.addresses["lvs0"] = vips
        host.sysctls = ["net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "0"]
        #expect(DirectorPlanner.observed(table, host: host) == nil)

        host.addresses["lvs0"] = vips + [InterfaceAddress(IPAddress("198.51.100.99")!, prefixLength: 32)]
        #expect(DirectorPlanner.observed(table, host: host) == Director(vips: .external), "lvsctl would remove .99")

        host.addresses = ["eth0": vips]
        #expect(DirectorPlanner.observed(table, host: host) == Director(vips: .external))
        host.sysctls["net.ipv4.ip_forward"] = "0"
        #expect(DirectorPlanner.observed(table, host: host) == Director(vips: .external, ipForward: false))

        let described = DesiredState(table: table, director: DirectorPlanner.observed(table, host: host))
        #expect(DirectorPlanner.changes(described, host: host).isEmpty)
    }
}
