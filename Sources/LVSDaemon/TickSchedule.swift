internal import Synchronization

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
public enum Trigger: String, Sendable, Hashable, Comparable {
    case start, timer, configChanged = "config-changed", hangup
    /// A health check changed its verdict.
    case health
    /// The operators' overrides changed, or one lapsed.
    case overrides

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whether a wake-up for these alone reconciles only when it brought something new (a valid
    /// config, other overrides): a file touched, rewritten the same or broken waits for the
    /// timer, so a state that was refused or failed is never tried again faster than the interval.
    static func onlyIfChanged(_ triggers: Set<Trigger>) -> Bool {
        triggers.isSubset(of: [.configChanged, .overrides])
    }

    /// Whether these wake-ups can change no more than servers' weights and presence (a verdict,
    /// an override), never the file: the host around the table then changes only where the
    /// director announces VIPs or rewrites servers' traffic.
    static func onlyServers(_ triggers: Set<Trigger>) -> Bool {
        triggers.isSubset(of: [.health, .overrides])
    }
}

/// What woke the daemon since it last looked: wake-ups that come while it reconciles are
/// gathered, not dropped, so that a check's verdict is never lost behind a touched file.
final class Triggers: Sendable {
    private let pending = Mutex<Set<Trigger>>([])
    private let wakes: AsyncStream<Void>.Continuation
    let stream: AsyncStream<Void>

    init() { (stream, wakes) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1)) }

    func post(_ trigger: Trigger) {
        pending.withLock { _ = $0.insert(trigger) }
        wakes.yield()
    }

    func take() -> Set<Trigger> { pending.withLock { pending in defer { pending = [] }; return pending } }

    func finish() { wakes.finish() }
}
