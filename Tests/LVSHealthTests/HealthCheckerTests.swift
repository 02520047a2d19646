import Logging
import LVSHealth
import LVSModel
import Synchronization
import XCTest

final class HealthCheckerTests: XCTestCase {
    func testServicesSharingATargetShareOneProbe() async throws {
        let server = try await LoopbackServer.counting()
        let check = HealthCheck(probe: .tcp, interval: .milliseconds(500), timeout: .milliseconds(200))
        // Two services' servers at the same address and port with the same check: one target.
        let web = CheckTarget(server: ServerKey(address: loopback, port: server.port), check: check)
        let api = CheckTarget(server: ServerKey(address: loopback, port: server.port), check: check)
        let seen = try await events(of: [web, api], count: 100, within: .milliseconds(1_600))
        let accepts = server.accepts.withLock { $0.count }
        XCTAssertEqual(seen.count, accepts)
        XCTAssertTrue((3...4).contains(accepts), "\(accepts) probes in 1.6 s at a 500 ms interval")
    }

    func testFirstChecksAreSpreadOverTheInterval() async throws {
        let ports = try await (0..<10).asyncMap { _ in try await LoopbackServer.counting() }
        let interval = Duration.seconds(1)
        let check = HealthCheck(probe: .tcp, interval: interval, timeout: .milliseconds(200))
        let targets = Set(ports.map { CheckTarget(address: loopback, port: $0.port, check: check) })
        let start = ContinuousClock.now
        // Two rounds: every target's first check, even one a little late.
        let seen = try await events(of: targets, count: 20, within: .seconds(5))
        XCTAssertEqual(Set(seen.map(\.target)), targets)
        let firsts = ports.compactMap { $0.accepts.withLock { $0.first?.time } }.map { $0 - start }.sorted()
        guard firsts.count == 10 else { return XCTFail("\(firsts.count) of 10 targets probed") }
        // Ten targets over one second: one every 100 ms, the last about 900 ms in (the first
        // with room for a test run that keeps both CPUs busy).
        XCTAssertLessThan(firsts[0], .milliseconds(300))
        XCTAssertGreaterThan(firsts[9], .milliseconds(800))
        XCTAssertGreaterThan(firsts[5] - firsts[4], .milliseconds(50))
    }

    func testConcurrencyIsBounded() async throws {
        let server = try await LoopbackServer.silent()
        // Eight checks of one silent HTTP server, due 125 ms apart, each hanging to its 900 ms
        // timeout, two at a time: a place frees every 450 ms, so the eighth starts ~2 s late.
        let targets = Set((0..<8).map { index in
            CheckTarget(address: loopback, port: server.port,
                        check: HealthCheck(probe: .http(.init(path: "/\(index)")), interval: .seconds(1), timeout: .milliseconds(900)))
        })
        let seen = try await events(of: targets, count: 8, concurrency: 2, within: .seconds(8))
        XCTAssertEqual(seen.count, 8)
        XCTAssertEqual(Set(seen.map(\.target)), targets)
        let lateness = seen.map(\.lateness).sorted()
        XCTAssertLessThan(lateness[0], .milliseconds(100))
        XCTAssertGreaterThan(lateness.last ?? .zero, .milliseconds(1_500))
        // A client's close reaches the server just after the next connection may: one extra.
        XCTAssertLessThanOrEqual(server.mostOpen.withLock { $0 }, 3)
    }

    func testUpdateKeepsStateAndStopsRemovedTargets() async throws {
        let server = try await LoopbackServer.counting()
        let check = HealthCheck(probe: .tcp, interval: .milliseconds(300), timeout: .milliseconds(100), rise: 2, fall: 2)
        let kept = CheckTarget(address: loopback, port: server.port, check: check)
        let removed = CheckTarget(address: loopback, port: closedPort(), check: check)
        let (stream, continuation) = AsyncStream.makeStream(of: CheckEvent.self)
        let checker = HealthChecker(logger: Logger(label: "test")) { continuation.yield($0) }
        var restored = CheckState(for: check)
        _ = restored.record(ProbeResult(success: false, reason: "connection refused", duration: .zero), at: Date())
        checker.update(targets: [kept, removed], restoring: [kept: restored])
        XCTAssertEqual(checker.states()[kept]?.verdict, .failing)
        let running = Task { try await checker.run() }
        var keptEvents = stream.filter { $0.target == kept }.makeAsyncIterator()
        // One success after a restored failure: still failing (rise 2).
        let first = await keptEvents.next()
        XCTAssertEqual(first?.state.verdict, .failing)
        XCTAssertNil(first?.transition)
        checker.update(targets: [kept], restoring: [:])
        XCTAssertNil(checker.states()[removed])
        let second = await keptEvents.next()
        XCTAssertEqual(second?.transition, CheckState.Transition(from: .failing, to: .healthy, reason: "connected", streak: 2, required: 2))
        XCTAssertEqual(checker.states()[kept]?.transitions, 2)
        running.cancel()
        try await running.value
    }

    func testCancellingRunEndsProbesInFlight() async throws {
        let checker = HealthChecker(logger: Logger(label: "test")) { _ in }
        let sleeper = CheckTarget(address: loopback, port: 1,
                                  check: HealthCheck(probe: .exec(["/bin/sleep", "30"]), interval: .seconds(60), timeout: .seconds(30)))
        checker.update(targets: [sleeper], restoring: [:])
        let running = Task { try await checker.run() }
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        running.cancel()
        try await running.value
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        // Cut short, the probe says nothing of its target: a daemon resumes from the state before it.
        XCTAssertNil(checker.states()[sleeper]?.last)
    }

    func testStoppingDuringATCPProbeRecordsNothing() async throws {
        let backlog = FullBacklog()
        let events = Mutex(0)
        let checker = HealthChecker(logger: Logger(label: "test")) { _ in events.withLock { $0 += 1 } }
        let target = CheckTarget(address: loopback, port: backlog.port,
                                 check: HealthCheck(probe: .tcp, interval: .seconds(60), timeout: .seconds(30), rise: 1, fall: 1))
        checker.update(targets: [target], restoring: [:])
        let running = Task { try await checker.run() }
        try await Task.sleep(for: .milliseconds(300))
        running.cancel()
        try await running.value
        XCTAssertNil(checker.states()[target]?.last)
        XCTAssertEqual(checker.states()[target]?.verdict, .unknown)
        XCTAssertEqual(events.withLock { $0 }, 0)
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { try await out.append(transform(element)) }
        return out
    }
}
