public import LVSEngine
public import LVSModel
public import LVSPlan
internal import Synchronization

/// What the daemon knows of itself, shared between its loop and its HTTP endpoints: the last
/// outcome and plan, when it last converged, and whether it is in a tick.
public final class DaemonStatus: Sendable {
    public struct Snapshot: Sendable {
        public var lastOutcome: ReconcileOutcome?
        /// When the last reconcile that converged ended (or, in detect mode, that read the director).
        public var lastSuccess: ContinuousClock.Instant?
        public var lastDuration: Duration = .zero
        /// Why the last reconcile did not converge, in words.
        public var lastProblem: String?
        /// Set while a reconcile runs.
        public var tickStarted: ContinuousClock.Instant?
        /// Why the config file is not in use, while it is invalid.
        public var configProblem: String?
        /// What the last plan was made for and against: the desired state and the host as read.
        public var basis: (target: DesiredState, host: HostSnapshot?)?
    }

    private let state = Mutex(Snapshot())
    /// How often the daemon reconciles: `/healthz` allows twice that between successes.
    public let interval: Duration

    public init(interval: Duration) { self.interval = interval }

    public var snapshot: Snapshot { state.withLock { $0 } }

    public func update(_ change: (inout Snapshot) -> Void) { state.withLock { change(&$0) } }

    /// The last plan computed, with its target and host, for `/plan`.
    public var lastPlan: (plan: Plan, target: DesiredState, host: HostSnapshot?)? {
        let snapshot = self.snapshot
        guard let plan = snapshot.lastOutcome?.plan, let basis = snapshot.basis else { return nil }
        return (plan, basis.target, basis.host)
    }

    /// Healthy while the last successful reconcile is younger than twice the interval plus its
    /// own duration (the way kube-proxy's `/healthz` judges its sync loop); else why not.
    public func health(now: ContinuousClock.Instant = .now) -> (healthy: Bool, reason: String) {
        let snapshot = self.snapshot
        guard let success = snapshot.lastSuccess else {
            return (false, snapshot.lastProblem.map { "no successful reconcile yet: \($0)" } ?? "no successful reconcile yet")
        }
        let age = now - success
        let allowed = interval * 2 + snapshot.lastDuration
        guard age <= allowed else {
            let problem = snapshot.lastProblem.map { "; last problem: \($0)" } ?? ""
            return (false, "last successful reconcile \(Self.seconds(age)) ago, more than \(Self.seconds(allowed))\(problem)")
        }
        return (true, "last successful reconcile \(Self.seconds(age)) ago")
    }

    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return "\(milliseconds / 1000).\(String(milliseconds % 1000 + 1000).dropFirst()) s"
    }
}
