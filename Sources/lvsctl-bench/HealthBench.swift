import Foundation
import Synchronization
import Logging
import LVSHealth
import LVSModel

/// `lvsctl-bench health`: the checker as the daemon runs it, on TCP targets at a 2 s interval
/// (timeout 1 s), for a fixed time. Prints what it saw itself; bench-health.sh judges the
/// schedule from the listener's side, the same way for keepalived.
enum HealthBench {
    static let check = HealthCheck(probe: .tcp, interval: .seconds(2), timeout: .seconds(1))

    static func run(targets path: String, seconds: Int) async -> Int32 {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            print("lvsctl-bench: cannot read \(path)")
            return 1
        }
        let targets = Set(text.split(separator: "\n").compactMap { line -> CheckTarget? in
            let fields = line.split(separator: " ")
            guard fields.count == 2, let address = IPAddress(String(fields[0])), let port = UInt16(fields[1]) else { return nil }
            return CheckTarget(address: address, port: port, check: check)
        })
        let tally = Tally()
        let checker = HealthChecker(logger: Logger(label: "lvsctl-bench")) { tally.count($0) }
        checker.update(targets: targets, restoring: [:])
        let running = Task { try await checker.run() }
        try? await Task.sleep(for: .seconds(seconds))
        running.cancel()
        try? await running.value
        let healthy = checker.states().values.filter { $0.verdict == .healthy }.count
        print("targets=\(targets.count) healthy=\(healthy) \(tally.summary)")
        return 0
    }
}

/// Probes counted as they end, and the lateness of each.
final class Tally: Sendable {
    private let seen = Mutex<(checks: Int, failures: [String: Int], lateness: [Duration])>((0, [:], []))

    func count(_ event: CheckEvent) {
        seen.withLock {
            $0.checks += 1
            if !event.result.success { $0.failures[event.result.reason, default: 0] += 1 }
            $0.lateness.append(event.lateness)
        }
    }

    var summary: String {
        seen.withLock { seen in
            let sorted = seen.lateness.sorted()
            let p99 = sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
            let failures = seen.failures.sorted { $0.value > $1.value }.prefix(3).map { "\($0.value) \($0.key)" }
            return "checks=\(seen.checks) own_lateness_p99_ms=\(p99.components.seconds * 1000 + p99.components.attoseconds / 1_000_000_000_000_000)"
                + " failures=\(seen.failures.values.reduce(0, +)) (\(failures.joined(separator: ", ")))"
        }
    }
}
