import NIOCore

/// Where a target's timers fire and its probes run: an event loop's timers (`LoopTimers`), or
/// the tcp probes' own thread (`ConnectPoller`), so that a tcp check starts, ends and is
/// scheduled again without passing from one thread to another.
protocol CheckClock: AnyObject, Sendable {
    /// Runs `action` on the clock's thread at `deadline`, or soon after. Timers are never
    /// cancelled: what one would start checks on firing whether it is still wanted.
    func at(_ deadline: NIODeadline, _ action: @escaping @Sendable () -> Void)
}

extension LoopTimers: CheckClock {}
