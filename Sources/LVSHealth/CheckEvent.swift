public import LVSModel

/// What one finished probe tells the daemon: the new state to plan with, the transition to
/// apply at once, and the figures for its metrics.
public struct CheckEvent: Sendable {
    public var target: CheckTarget
    public var result: ProbeResult
    /// The target's state with `result` counted.
    public var state: CheckState
    /// The change of verdict `result` decided, if any.
    public var transition: CheckState.Transition?
    /// How long after its scheduled time the probe started: waiting for a free slot under the
    /// concurrency limit, or a busy event loop.
    public var lateness: Duration

    public init(target: CheckTarget, result: ProbeResult, state: CheckState, transition: CheckState.Transition?, lateness: Duration) {
        self.target = target
        self.result = result
        self.state = state
        self.transition = transition
        self.lateness = lateness
    }
}
