import FoundationEssentials
import LVSHealth
import LVSModel

/// `/health`: every check's state as JSON (docs/operations.md), and the overrides in force.
struct HealthDocument: Encodable {
    struct Check: Encodable {
        var address: String
        var port: UInt16
        var type: String
        var verdict: String
        /// Seconds since the epoch.
        var since: Double?
        var checked: Double?
        var reason: String?
        var streak: Int
        var rise: Int
        var fall: Int
        var interval_seconds: Double
        var transitions: Int
        var services: [String]
    }

    struct Override: Encodable {
        var address: String
        var port: UInt16?
        var service: String?
        var reason: String?
        var since: Double
        var until: Double?
    }

    var checks: [Check]
    var overrides: [Override]

    init(_ health: HealthMonitor) {
        checks = health.states().sorted { ($0.key.address, $0.key.port, $0.key.check.probe.type) < ($1.key.address, $1.key.port, $1.key.check.probe.type) }
            .map { target, state in
                Check(address: "\(target.address)", port: target.port, type: target.check.probe.type, verdict: state.verdict.rawValue,
                      since: state.since?.timeIntervalSince1970, checked: state.checked?.timeIntervalSince1970,
                      reason: state.last?.reason, streak: state.streak, rise: target.check.rise, fall: target.check.fall,
                      interval_seconds: Double(target.check.interval.components.seconds)
                          + Double(target.check.interval.components.attoseconds) / 1e18,
                      transitions: state.transitions, services: health.services(of: target))
            }
        overrides = health.currentOverrides.map {
            Override(address: "\($0.address)", port: $0.port, service: $0.service, reason: $0.reason, since: $0.since, until: $0.until)
        }
    }

    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
