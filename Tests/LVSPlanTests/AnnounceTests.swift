import LVSConfig
import LVSModel
import LVSPlan
import Testing

private let pair = """
    version: 1
    director: { announce: { interface: lvs-announce } }
    services:
      - { vip: 198.51.100.10, port: 80, scheduler: mh, servers: [{ address: 192.0.2.11, weight: 0 }, 192.0.2.12] }
      - { vip: 198.51.100.10, port: 443, scheduler: mh, servers: [192.0.2.11] }
      - { vip: 198.51.100.20, port: 80, scheduler: mh, servers: [192.0.2.11] }
      - { vip: 198.51.100.20, port: 443, scheduler: mh, servers: [{ address: 192.0.2.11, weight: 0 }] }
      - { fwmark: 7, match: { vip: 198.51.100.30, ports: [25] }, servers: [192.0.2.13] }
    """

/// A host whose devices and addresses the actions change.
private final class FakeHost: HostAccess {
    var state: HostSnapshot
    var performed: [HostAction] = []

    init(_ state: HostSnapshot) { self.state = state }

    func snapshot(sysctls: [String], chains: [FirewallChain], routes: Bool) throws(HostError) -> HostSnapshot { state }

    func perform(_ action: HostAction) throws(HostError) {
        performed.append(action)
        if case .removeAddress(let address, _, let device) = action {
            state.addresses[device]?.removeAll { $0.address == address }
        }
    }
}

@Suite("health-gated announcement")
struct AnnounceTests {
    let announce = "lvs-announce"

    func addresses(_ changes: [Change], _ make: (HostAction) -> IPAddress?) -> [IPAddress] {
        changes.flatMap(\.hostActions).compactMap(make)
    }

    @Test("a VIP is announced only while every service of it has a server of weight above 0")
    func servableOnly() throws {
        let changes = DirectorPlanner.changes(try config(pair), host: HostSnapshot())
        let actions = changes.flatMap(\.hostActions)
        #expect(actions.contains(.createDevice(name: announce, kind: "dummy")))
        let announced = addresses(changes) { if case .addAddress(let a, 32, "lvs-announce") = $0 { a } else { nil } }
        #expect(announced == [IPAddress("198.51.100.10")!, IPAddress("198.51.100.30")!])
        // lvs0 still holds every VIP: packets of flows routed here before a withdrawal are served.
        let bound = addresses(changes) { if case .addAddress(let a, 32, "lvs0") = $0 { a } else { nil } }
        #expect(bound.count == 3)
    }

    @Test("a VIP whose last server goes to weight 0 is withdrawn after the table; the plan says why")
    func withdrawsFailing() throws {
        var desired = try config(pair)
        let web = ServiceKey.address(.tcp, IPAddress("198.51.100.10")!, port: 443)
        var service = try #require(desired.table.service(web))
        service.servers = service.servers.map { var server = $0; server.weight = 0; return server }
        desired.table.services = desired.table.services.map { $0.key == web ? service : $0 }
        var host = HostSnapshot(devices: [announce: .init(kind: "dummy", alias: HostSnapshot.ownedAlias, isUp: true)])
        host.addresses[announce] = ["198.51.100.10", "198.51.100.30"].map { InterfaceAddress(IPAddress($0)!, prefixLength: 32) }
        let changes = DirectorPlanner.changes(desired, host: host).filter { $0.subject?.hasSuffix(announce) == true }
        #expect(changes.map(\.hostActions) == [[.removeAddress(IPAddress("198.51.100.10")!, prefixLength: 32, device: announce)]])
        #expect(changes.first?.stage == .afterTable)
        #expect(changes.first?.reason.contains("withdraw") == true)
    }

    @Test("withdraw takes every scoped address off the announce device, and nothing else")
    func withdraw() throws {
        let desired = try config("scope: { vips: [198.51.100.0/24], fwmarks: [7] }\n" + pair)
        var state = HostSnapshot(devices: [announce: .init(kind: "dummy", alias: HostSnapshot.ownedAlias, isUp: true),
                                           "lvs0": .init(kind: "dummy", alias: HostSnapshot.ownedAlias, isUp: true)])
        state.addresses[announce] = ["198.51.100.10", "198.51.100.30", "203.0.113.5"].map { InterfaceAddress(IPAddress($0)!, prefixLength: 32) }
        state.addresses["lvs0"] = [InterfaceAddress(IPAddress("198.51.100.10")!, prefixLength: 32)]
        let host = FakeHost(state)
        let done = try DirectorPlanner.withdraw(desired, host: host)
        #expect(done.count == 2)
        #expect(host.state.addresses[announce] == [InterfaceAddress(IPAddress("203.0.113.5")!, prefixLength: 32)])
        #expect(host.state.addresses["lvs0"]?.count == 1)
        #expect(try DirectorPlanner.withdraw(desired, host: host).isEmpty)
        #expect(try DirectorPlanner.withdraw(config("version: 1\nservices: []\n"), host: host).isEmpty)
    }

    @Test("the announce device must not be the VIP device")
    func ownDevice() {
        for director in ["{ announce: {} , interface: lvs-announce }", "{ announce: { interface: lvs0 } }"] {
            let result = ConfigLoader.load(bytes: Array("version: 1\ndirector: \(director)\nservices: []\n".utf8), file: "t.yaml")
            #expect(result.state == nil)
            #expect(result.errors.first?.description.contains("name a device of its own") == true)
        }
        let external = ConfigLoader.load(bytes: Array("version: 1\ndirector: { vips: external, announce: { interface: lvs0 } }\nservices: []\n".utf8),
                                         file: "t.yaml")
        #expect(external.state?.director?.announce == Announce(interface: "lvs0"))
        let defaulted = ConfigLoader.load(bytes: Array("version: 1\ndirector: { announce: {} }\nservices: []\n".utf8), file: "t.yaml")
        #expect(defaulted.state?.director?.announce == Announce())
    }

    @Test("a config with an announcement is written back as the same config")
    func writesBack() throws {
        let desired = try config(pair)
        guard case .success(let text) = ConfigWriter.checkedYAML(desired) else { Issue.record("did not read back"); return }
        #expect(text.contains("announce: { interface: lvs-announce }"))
    }
}
