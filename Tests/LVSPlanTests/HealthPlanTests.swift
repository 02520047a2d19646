import LVSModel
import LVSPlan
import Testing

/// config ∧ health ∧ overrides, planned by the ordinary planner: minimal changes, each explained.
@Suite("the effective desired state")
struct HealthPlanTests {
    static let yaml = """
        version: 1
        services:
          - name: web
            vip: 198.51.100.10
            port: 80
            check: { type: http, path: /healthz }
            quorum: 2
            servers: [203.0.113.11, 203.0.113.12, 203.0.113.13]
          - name: api
            vip: 198.51.100.11
            port: 80
            check: { type: http, path: /healthz }
            on_failure: remove
            sorry_server: 203.0.113.99:80
            servers: [203.0.113.11, 203.0.113.14]
        """

    let state: DesiredState
    let web = ServiceKey.address(.tcp, IPAddress("198.51.100.10")!, port: 80)
    let api = ServiceKey.address(.tcp, IPAddress("198.51.100.11")!, port: 80)

    init() throws { state = try config(Self.yaml) }

    func target(_ last: Int) -> CheckTarget {
        CheckTarget(server: ServerKey(address: IPAddress("203.0.113.\(last)")!, port: 80),
                    check: HealthCheck(probe: .http(HealthCheck.HTTPProbe(path: "/healthz"))))
    }

    func plan(_ health: [CheckTarget: TargetHealth], overrides: [ServerOverride] = [], now: Double = 1000) -> Plan {
        Planner.plan(desired: state.effective(health: health, overrides: overrides, now: now).state, live: state.table)
    }

    static let failing = TargetHealth(healthy: false, reason: "status 503 (3 of 3)")

    @Test("no verdict yet, or every server healthy: nothing to do")
    func healthy() {
        #expect(plan([:]).isEmpty)
        #expect(plan([target(11): TargetHealth(healthy: true, reason: "status 200")]).isEmpty)
    }

    @Test("one failing target, shared by two services: quiesced in one, removed in the other, both explained")
    func sharedFailure() throws {
        let changes = plan([target(11): Self.failing]).changes
        #expect(changes.count == 2)
        let quiesced = try #require(changes.first { $0.service == web })
        #expect(quiesced.action == .update && quiesced.operations.count == 1)
        #expect(quiesced.reason == "failing http check: status 503 (3 of 3): weight 1 → 0")
        let removed = try #require(changes.first { $0.service == api })
        #expect(removed.action == .delete && removed.reason == "failing http check: status 503 (3 of 3); removed (on_failure: remove)")
    }

    @Test("below quorum without a sorry server, every server stays in (fail-open), and that is said")
    func failOpen() throws {
        let effective = state.effective(health: [target(11): Self.failing, target(12): Self.failing], overrides: [], now: 0)
        #expect(effective.services[web] == ServiceHealth(healthy: 1, servers: 3, quorumUp: false))
        #expect(effective.state.table.services.first { $0.key == web }?.servers.allSatisfy { $0.weight == 1 } == true)
        #expect(effective.state.serverNotes[web]?[ServerKey(address: IPAddress("203.0.113.11")!, port: 80)]?
            .contains("kept in, as 1 of 3 servers healthy, below quorum 2 fails open") == true)
    }

    @Test("a VIP whose servers all fail is not announced, though fail-open keeps them in the table")
    func announcement() throws {
        var announcing = state
        announcing.director = Director(announce: Announce(interface: "lvs-announce"))
        let down = [target(11): Self.failing, target(12): Self.failing, target(13): Self.failing]
        let effective = announcing.effective(health: down, overrides: [], now: 0).state
        #expect(effective.table.services.first { $0.key == web }?.servers.allSatisfy { $0.weight == 1 } == true)
        #expect(DirectorPlanner.announcedVIPs(effective) == [IPAddress("198.51.100.11")!])
        #expect(DirectorPlanner.announcedVIPs(announcing.effective(health: [:], overrides: [], now: 0).state).count == 2)
    }

    @Test("an mh server added while failing is added at its weight and then quiesced, keeping its slots")
    func maglevSlots() throws {
        let maglev = try config("""
            version: 1
            services:
              - { name: m, vip: 198.51.100.20, port: 80, scheduler: mh, check: tcp, servers: [203.0.113.11, 203.0.113.12] }
            """)
        let key = ServiceKey.address(.tcp, IPAddress("198.51.100.20")!, port: 80)
        let down = ServerKey(address: IPAddress("203.0.113.11")!, port: 80)
        let effective = maglev.effective(health: [CheckTarget(server: down, check: HealthCheck(probe: .tcp)): Self.failing],
                                         overrides: [], now: 0).state
        var empty = maglev.table
        empty.services[0].servers = []
        let created = try #require(Planner.plan(desired: effective, live: empty).changes.first { $0.server == down })
        var slotted = RealServer(address: down.address, port: 80, forwarding: .dr, weight: 1)
        let quiesced = RealServer(address: down.address, port: 80, forwarding: .dr, weight: 0)
        slotted.weight = 1
        #expect(created.operations == [.addServer(slotted, service: key), .updateServer(quiesced, service: key)])
        #expect(created.reason.contains("to keep its mh slots"))
        // Where the server is in the kernel already, quiescing it is one edit.
        let edited = Planner.plan(desired: effective, live: maglev.table).changes
        #expect(edited.count == 1 && edited[0].operations == [.updateServer(quiesced, service: key)])
    }

    @Test("below quorum with a sorry server, the sorry server takes the traffic")
    func sorry() throws {
        let changes = plan([target(11): Self.failing, target(14): Self.failing]).changes.filter { $0.service == api }
        #expect(changes.map(\.action).sorted { $0.rawValue < $1.rawValue } == [.create, .delete, .delete])
        let created = try #require(changes.first { $0.action == .create })
        #expect(created.server == ServerKey(address: IPAddress("203.0.113.99")!, port: 80))
        #expect(created.reason.hasPrefix("sorry server: 0 of 2 servers healthy, below quorum 1"))
    }

    @Test("an override drains a server in the service it names until it lapses")
    func overrides() throws {
        let override = ServerOverride(address: IPAddress("203.0.113.11")!, service: "web", reason: "kernel update", since: 0, until: 2000)
        let changes = plan([:], overrides: [override]).changes
        #expect(changes.count == 1 && changes[0].service == web)
        #expect(changes[0].reason == "disabled by an operator: kernel update: weight 1 → 0")
        #expect(plan([:], overrides: [override], now: 2000).isEmpty)
        // An override wins over fail-open: the operator asked for it.
        let everywhere = ServerOverride(address: IPAddress("203.0.113.11")!, since: 0)
        let both = plan([target(12): Self.failing, target(13): Self.failing], overrides: [everywhere]).changes
        #expect(both.filter { $0.service == web }.map(\.reason).filter { $0.hasPrefix("disabled") }.count == 1)
        #expect(both.contains { $0.service == api && $0.reason.hasPrefix("disabled") })
    }

    @Test("a server the file already sets to weight 0 does not count as healthy")
    func configuredZero() throws {
        var zero = state
        let index = try #require(zero.table.services.firstIndex { $0.key == web })
        zero.table.services[index].servers[0].weight = 0
        let effective = zero.effective(health: [:], overrides: [], now: 0)
        #expect(effective.services[web]?.healthy == 2)
    }
}
