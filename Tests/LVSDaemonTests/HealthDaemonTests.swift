import FoundationEssentials
import LVSConfig
@testable import LVSDaemon
import LVSHealth
import LVSModel
import Logging
import Testing

/// The daemon plans against config ∧ health ∧ overrides, and both outlive it in its state folder.
@Suite("reconcile daemon with health")
struct HealthDaemonTests {
    static let yaml = """
        version: 1
        services:
          - name: web
            vip: 198.51.100.10
            port: 80
            check: { type: tcp, interval: 1s, timeout: 500ms }
            servers: [203.0.113.11, 203.0.113.12]
        """

    let check = HealthCheck(probe: .tcp, interval: .seconds(1), timeout: .milliseconds(500))
    func target(_ last: Int) -> CheckTarget {
        CheckTarget(server: ServerKey(address: IPAddress("203.0.113.\(last)")!, port: 80), check: check)
    }

    func weights(_ fixture: Fixture) -> [UInt32] {
        (try? fixture.table.snapshot().table.services.first?.servers.map(\.weight)) ?? []
    }

    @Test("a failing verdict kept by the daemon before this one is planned at once, with its reason")
    func restoredHealth() async throws {
        let fixture = try Fixture(Self.yaml)
        var failing = CheckState(for: check)
        _ = failing.record(ProbeResult(success: false, reason: "connection refused", duration: .milliseconds(1)), at: Date())
        try fixture.state.writeHealth([target(11): failing], now: 0)

        let daemon = try fixture.daemon()
        var loop = DaemonLoop(daemon: daemon)
        #expect(await loop.tick(.start) == true)
        #expect(weights(fixture) == [0, 1])
        let change = try #require(fixture.status.lastPlan?.plan.changes.first { $0.object == .server })
        #expect(change.reason.hasPrefix("failing tcp check: connection refused"))
        #expect(fixture.exposition().contains("lvsctl_backend_up{service=\"web\",address=\"203.0.113.11\",port=\"80\"} 0\n"))
        #expect(fixture.exposition().contains("lvsctl_backend_up{service=\"web\",address=\"203.0.113.12\",port=\"80\"} 1\n"))
        // A timer tick does not undo the health decision.
        #expect(await loop.tick(.timer) == true)
        #expect(weights(fixture) == [0, 1])
    }

    @Test("an override drains a server, lapses on time, and an unchanged file does not reconcile")
    func overrides() async throws {
        let fixture = try Fixture(Self.yaml)
        let daemon = try fixture.daemon()
        var loop = DaemonLoop(daemon: daemon)
        #expect(await loop.tick(.start) == true)
        #expect(weights(fixture) == [1, 1])
        let now = Date().timeIntervalSince1970
        try fixture.state.writeOverrides([ServerOverride(address: IPAddress("203.0.113.12")!, reason: "disk swap", since: now, until: now + 1.5)])
        #expect(await loop.tick(.overrides) == true)
        #expect(weights(fixture) == [1, 0])
        #expect(fixture.status.lastPlan?.plan.changes.first?.reason == "disabled by an operator: disk swap: weight 1 → 0")
        #expect(fixture.exposition().contains("lvsctl_backend_disabled{service=\"web\",address=\"203.0.113.12\",port=\"80\"} 1\n"))
        #expect(await loop.tick(.overrides) == nil)
        try await Task.sleep(for: .milliseconds(1600))
        #expect(await loop.tick(.overrides) == true)
        #expect(weights(fixture) == [1, 1])
    }

    @Test("a verdict or an override reaches the kernel without reading the host, unless the host must change for it or just did")
    func tableOnlyReaction() async throws {
        let fixture = try Fixture(Self.yaml)
        let host = RecordingHost()
        var loop = DaemonLoop(daemon: try fixture.daemon(host: host))
        #expect(await loop.tick(.start) == true)
        #expect(await loop.tick(.timer) == true)
        let converged = host.readings
        let now = Date().timeIntervalSince1970
        try fixture.state.writeOverrides([ServerOverride(address: IPAddress("203.0.113.12")!, reason: "disk swap", since: now)])
        #expect(await loop.tick(.overrides) == true)
        #expect(weights(fixture) == [1, 0])
        #expect(host.readings == converged)
        #expect(await loop.tick(.timer) == true)
        #expect(host.readings == converged + 1)

        // With the VIP announced, the last server's override withdraws it: the host is read and changed.
        let announced = try Fixture(Self.yaml.replacingOccurrences(of: "services:", with: "director: { announce: { interface: lvs-announce } }\nservices:"))
        let router = RecordingHost()
        loop = DaemonLoop(daemon: try announced.daemon(host: router))
        #expect(await loop.tick(.start) == true)
        #expect(await loop.tick(.timer) == true)
        let vip = IPAddress("198.51.100.10")!
        #expect(router.snapshot.addresses["lvs-announce"]?.map(\.address) == [vip])
        let readings = router.readings
        try announced.state.writeOverrides([ServerOverride(address: IPAddress("203.0.113.11")!, reason: "disk swap", since: now),
                                            ServerOverride(address: IPAddress("203.0.113.12")!, reason: "disk swap", since: now)])
        #expect(await loop.tick(.overrides) == true)
        #expect(router.readings > readings)
        #expect(router.snapshot.addresses["lvs-announce"]?.isEmpty == true)
        // Put back, the servers bring the VIP back: the host read before the withdrawal is not trusted.
        try announced.state.writeOverrides([])
        #expect(await loop.tick(.overrides) == true)
        #expect(router.snapshot.addresses["lvs-announce"]?.map(\.address) == [vip])
    }

    @Test("verdicts are written by the reconcile that plans with them, not by the checker as they change")
    func savedByTheReconcile() async throws {
        // Nothing listens on 127.0.0.1:1: the check fails at once.
        let fixture = try Fixture(Self.yaml.replacingOccurrences(of: "[203.0.113.11, 203.0.113.12]", with: "[127.0.0.1]")
            .replacingOccurrences(of: "type: tcp,", with: "type: tcp, port: 1,"))
        var source = ConfigSource(path: fixture.config)
        _ = source.refresh()
        let state = try #require(source.current)
        let (transitions, transitioned) = AsyncStream.makeStream(of: Void.self)
        let monitor = HealthMonitor(directory: fixture.state, metrics: fixture.metrics,
                                    logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) { transitioned.yield() }
        monitor.configure(state)
        let running = Task { try await monitor.run() }
        defer { running.cancel() }
        var iterator = transitions.makeAsyncIterator()
        await iterator.next()
        #expect(try fixture.state.readHealth() == nil)
        _ = monitor.effective(state, now: Date().timeIntervalSince1970)
        let saved = try #require(try fixture.state.readHealth())
        #expect(saved.checks.map(\.state.verdict) == [.failing])
    }

    @Test("a state file that is not lvsctl's is refused, not trusted")
    func hostileStateFile() throws {
        let fixture = try Fixture(Self.yaml)
        #expect(fixture.state.ensure())
        for text in ["{", "{\"version\":1,\"overrides\":[{\"address\":\"x\"}]}", String(repeating: "[", count: 100_000)] {
            try text.write(toFile: fixture.state.overridesPath, atomically: true, encoding: .utf8)
            #expect(throws: StateDirectory.Failure.self) { try fixture.state.readOverrides() }
        }
    }
}
