import Logging
import LVSHealth
import LVSModel
import XCTest

let loopback = IPAddress("127.0.0.1")!

/// Runs a checker on `targets` until it reported `count` events or `limit` passed; the events,
/// in the order they came.
func events(of targets: Set<CheckTarget>, count: Int, concurrency: Int = HealthChecker.defaultConcurrency,
            within limit: Duration = .seconds(10)) async throws -> [CheckEvent] {
    let (stream, continuation) = AsyncStream.makeStream(of: CheckEvent.self)
    let checker = HealthChecker(concurrency: concurrency, logger: Logger(label: "test")) { continuation.yield($0) }
    checker.update(targets: targets, restoring: [:])
    let running = Task { try await checker.run() }
    let deadline = Task {
        try? await Task.sleep(for: limit)
        continuation.finish()
    }
    var seen: [CheckEvent] = []
    for await event in stream {
        seen.append(event)
        if seen.count == count { break }
    }
    deadline.cancel()
    running.cancel()
    try await running.value
    return seen
}

/// The result of the first probe of `check` against 127.0.0.1:`port`.
func probe(_ check: HealthCheck, port: UInt16, file: StaticString = #filePath, line: UInt = #line) async throws -> ProbeResult {
    let first = try await events(of: [CheckTarget(address: loopback, port: port, check: check)], count: 1).first
    return try XCTUnwrap(first?.result, "no probe result within 10 s", file: file, line: line)
}

extension HealthCheck {
    /// A check of `probe` with a short timeout, as tests want.
    static func quick(_ probe: Probe, timeout: Duration = .milliseconds(500)) -> HealthCheck {
        HealthCheck(probe: probe, interval: .seconds(1), timeout: timeout, rise: 1, fall: 1)
    }
}
