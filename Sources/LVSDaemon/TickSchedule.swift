public import LVSModel

/// When the daemon reconciles: every `interval`, each wait stretched or shrunk by up to
/// `jitter` of it at random, so that a fleet started together does not read and write in step.
public struct TickSchedule: Sendable {
    public var interval: Duration
    public var jitter: Double

    public init(interval: Duration, jitter: Double = 0.1) {
        self.interval = interval
        self.jitter = jitter
    }

    /// The wait before the next timed tick; `random` is uniform in 0..<1.
    public func delay(random: Double) -> Duration {
        interval * (1 - jitter + 2 * jitter * random)
    }
}

/// What wakes the daemon.
public enum Trigger: String, Sendable {
    case start, timer, configChanged = "config-changed", hangup
}
