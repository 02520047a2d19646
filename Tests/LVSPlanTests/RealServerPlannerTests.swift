import LVSConfig
import LVSModel
import LVSPlan
import Testing

private let cluster = """
    version: 1
    director: { address: 203.0.113.1 }
    services:
      - { name: web, vip: 198.51.100.10, port: 80, servers: [203.0.113.11, 203.0.113.12] }
      - { name: tls, vip: 198.51.100.10, port: 443, servers: [203.0.113.11] }
      - { name: web6, vip: "2001:db8::10", port: 80, servers: ["2001:db8::11"] }
      - { name: cache, vip: 198.51.100.40, port: 80, forward: tun, servers: [
            203.0.113.41,
            { address: 203.0.113.43, tunnel: { type: gue, port: 6080 } },
            { address: 203.0.113.44, tunnel: { type: gre } },
            "2001:db8:40::44" ] }
      - { name: api, vip: 198.51.100.20, port: 80, forward: nat, servers: ["203.0.113.21:8080"] }
      - { name: edge, vip: 198.51.100.30, port: 80, forward: fullnat, servers: ["203.0.113.31:8080"] }
      - { fwmark: 10, match: { vip: 198.51.100.50, ports: [80, 443] }, servers: [203.0.113.51] }
      - { fwmark: 11, servers: [203.0.113.51] }
    """

private let ipv4 = ["arp_ignore": "1", "arp_announce": "2"]
private let loUp = HostSnapshot(devices: ["lo": .init(kind: "", isUp: true)])

private func node(_ text: String) -> IPAddress { IPAddress(text)! }

private func actions(_ plan: Plan) -> [HostAction] { plan.changes.flatMap(\.hostActions) }

private func sysctls(_ plan: Plan) -> [String: String] {
    var values: [String: String] = [:]
    for case .setSysctl(let key, let value) in actions(plan) { values[key] = value }
    return values
}

@Suite("real-server setup planning")
struct RealServerPlannerTests {
    @Test("DR: each VIP once on lo, ARP settings on all and lo, all as host changes before the table")
    func directRouting() throws {
        let plan = try RealServerPlanner.plan(desired: config(cluster), node: node("203.0.113.11"), host: loUp)
        #expect(actions(plan).filter { if case .addAddress = $0 { true } else { false } }
            == [.addAddress(node("198.51.100.10"), prefixLength: 32, device: "lo")])
        #expect(sysctls(plan) == ["net.ipv4.conf.all.arp_ignore": "1", "net.ipv4.conf.lo.arp_ignore": "1",
                                  "net.ipv4.conf.all.arp_announce": "2", "net.ipv4.conf.lo.arp_announce": "2"])
        #expect(plan.changes.allSatisfy { $0.object == .host && $0.action == .create })
        #expect(plan.changes.first?.name == "web")
        #expect(plan.operations.isEmpty)
    }

    @Test("a host that already matches needs nothing, and addresses it has besides are left alone")
    func idempotent() throws {
        let desired = try config(cluster)
        let setup = try RealServerPlanner.setup(desired: desired, node: node("203.0.113.11"))
        var host = loUp
        host.addresses["lo"] = [InterfaceAddress(node("127.0.0.1"), prefixLength: 8),
                                InterfaceAddress(node("198.51.100.10"), prefixLength: 32),
                                InterfaceAddress(node("192.0.2.99"), prefixLength: 32)]
        for key in setup.sysctlKeys { host.sysctls[key] = key.hasSuffix("arp_ignore") ? "1" : "2" }
        #expect(setup.plan(against: host).isEmpty)
        host.sysctls["net.ipv4.conf.lo.arp_announce"] = "0"
        let plan = setup.plan(against: host)
        #expect(plan.changes.map(\.action) == [.update])
        #expect(plan.changes.first?.before == [Attribute("value", "0")])
    }

    @Test("DR with an IPv6 VIP: the /128 on lo and no ARP settings; a down lo is brought up")
    func directRoutingIPv6() throws {
        let host = HostSnapshot(devices: ["lo": .init(kind: "", isUp: false)])
        let plan = try RealServerPlanner.plan(desired: config(cluster), node: node("2001:db8::11"), host: host)
        #expect(actions(plan) == [.setLinkUp("lo"), .addAddress(node("2001:db8::10"), prefixLength: 128, device: "lo")])
    }

    @Test("TUN over ipip: tunl0 first, the VIP on it, ARP settings and reverse-path filtering off")
    func ipip() throws {
        let plan = try RealServerPlanner.plan(desired: config(cluster), node: node("203.0.113.41"), host: loUp)
        #expect(actions(plan).prefix(2) == [.createDevice(name: "tunl0", kind: "ipip"),
                                            .addAddress(node("198.51.100.40"), prefixLength: 32, device: "tunl0")])
        #expect(sysctls(plan) == ["net.ipv4.conf.all.arp_ignore": "1", "net.ipv4.conf.tunl0.arp_ignore": "1",
                                  "net.ipv4.conf.all.arp_announce": "2", "net.ipv4.conf.tunl0.arp_announce": "2",
                                  "net.ipv4.conf.all.rp_filter": "0", "net.ipv4.conf.tunl0.rp_filter": "0"])
    }

    @Test("TUN over GUE adds the receive port unless the host has it; GRE uses gre0")
    func gueAndGRE() throws {
        let desired = try config(cluster)
        let gue = try RealServerPlanner.setup(desired: desired, node: node("203.0.113.43"))
        #expect(actions(gue.plan(against: loUp)).contains(.addGUEPort(6080)))
        #expect(actions(gue.plan(against: loUp)).first == .createDevice(name: "tunl0", kind: "ipip"))
        var host = loUp
        host.guePorts = [6080]
        #expect(!actions(gue.plan(against: host)).contains(.addGUEPort(6080)))

        let gre = try RealServerPlanner.plan(desired: desired, node: node("203.0.113.44"), host: loUp)
        #expect(actions(gre).prefix(2) == [.createDevice(name: "gre0", kind: "gre"),
                                           .addAddress(node("198.51.100.40"), prefixLength: 32, device: "gre0")])
        #expect(sysctls(gre)["net.ipv4.conf.gre0.rp_filter"] == "0")
    }

    @Test("an existing tunnel device that is down is only brought up")
    func deviceDown() throws {
        var host = loUp
        host.devices["tunl0"] = .init(kind: "ipip", isUp: false)
        let plan = try RealServerPlanner.plan(desired: config(cluster), node: node("203.0.113.41"), host: host)
        #expect(actions(plan).first == .setLinkUp("tunl0"))
    }

    @Test("an IPv6 server of an IPv4 VIP over ipip is refused with the reason; IPv6 in IPv4 uses sit0")
    func mixedFamilies() throws {
        let desired = try config(cluster)
        #expect {
            try RealServerPlanner.setup(desired: desired, node: node("2001:db8:40::44"))
        } throws: { error in
            (error as? RealServerPlanError)?.message.contains("IPv4 inside IPv6") == true
        }
        let sixInFour = try config("""
            version: 1
            services: [ { vip: "2001:db8::40", port: 80, forward: tun, servers: [203.0.113.41] } ]
            """)
        let plan = try RealServerPlanner.plan(desired: sixInFour, node: node("203.0.113.41"), host: loUp)
        #expect(actions(plan) == [.createDevice(name: "sit0", kind: "sit"),
                                  .addAddress(node("2001:db8::40"), prefixLength: 128, device: "sit0")])
    }

    @Test("NAT: the default route through director.address, replaced when it points elsewhere")
    func masquerading() throws {
        let desired = try config(cluster)
        let plan = try RealServerPlanner.plan(desired: desired, node: node("203.0.113.21"), host: loUp)
        #expect(actions(plan) == [.replaceDefaultRoute(via: node("203.0.113.1"))])
        #expect(plan.changes.first?.action == .create)
        let elsewhere = HostSnapshot(defaultGateways: [.ipv4: node("203.0.113.254")])
        #expect(try RealServerPlanner.plan(desired: desired, node: node("203.0.113.21"), host: elsewhere).changes.map(\.action) == [.update])
        let there = HostSnapshot(defaultGateways: [.ipv4: node("203.0.113.1")])
        #expect(try RealServerPlanner.plan(desired: desired, node: node("203.0.113.21"), host: there).isEmpty)
    }

    @Test("NAT without director.address is an error that says what to set")
    func masqueradingWithoutDirector() throws {
        let desired = try config("""
            version: 1
            services: [ { vip: 198.51.100.20, port: 80, forward: nat, servers: ["203.0.113.21:8080"] } ]
            """)
        #expect(throws: RealServerPlanError("NAT real servers route replies through the director: set director.address")) {
            try RealServerPlanner.setup(desired: desired, node: node("203.0.113.21"))
        }
    }

    @Test("FULLNAT servers need nothing")
    func fullNAT() throws {
        #expect(try RealServerPlanner.plan(desired: config(cluster), node: node("203.0.113.31"), host: loUp).isEmpty)
    }

    @Test("firewall-mark services: the VIP of their match; without a match, a warning")
    func firewallMarks() throws {
        let setup = try RealServerPlanner.setup(desired: config(cluster), node: node("203.0.113.51"))
        #expect(actions(setup.plan(against: loUp)).contains(.addAddress(node("198.51.100.50"), prefixLength: 32, device: "lo")))
        #expect(setup.warnings.count == 1)
        #expect(setup.warnings.first?.contains("fwmark/11") == true)
    }

    @Test("a node that backs no service is an error naming it")
    func notAServer() throws {
        #expect {
            try RealServerPlanner.setup(desired: config(cluster), node: node("203.0.113.99"))
        } throws: { error in
            (error as? RealServerPlanError)?.message.hasPrefix("203.0.113.99 is a real server of no service") == true
        }
    }

    @Test("the whole setup, against an empty snapshot, lists every setting")
    func whole() throws {
        let plan = try RealServerPlanner.plan(desired: config(cluster), node: node("203.0.113.11"), host: HostSnapshot())
        #expect(actions(plan).first == .setLinkUp("lo"))
        #expect(plan.changes.count == 6)
    }
}
