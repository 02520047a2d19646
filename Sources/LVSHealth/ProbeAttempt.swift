import NIOCore
import Synchronization

/// One probe in flight: its result to come, and a way to end it early when the checker stops.
struct ProbeRun: Sendable {
    fileprivate let attempt: ProbeAttempt

    /// When the probe started: what its lateness and its end are counted from.
    var started: NIODeadline { attempt.start }

    /// Calls `body` once with the result, on the thread that ends the probe (at once when it
    /// has ended): a tcp probe's ends on the connect poller's thread, with no hop to an event
    /// loop in between.
    func whenDone(_ body: @escaping @Sendable (ProbeResult) -> Void) { attempt.whenDone(body) }

    func cancel() { attempt.finish(success: false, reason: "cancelled") }
}

/// Ends a probe exactly once — with the probe's own verdict, at its timeout, or when cancelled —
/// and then releases what the probe holds (closes its channel, kills its program), so no probe
/// outlives its timeout whatever its peer does.
final class ProbeAttempt: Sendable {
    private struct State {
        var release: (@Sendable () -> Void)?
        var result: ProbeResult?
        var completion: (@Sendable (ProbeResult) -> Void)?
    }

    let timeout: Duration
    fileprivate let start: NIODeadline
    private let state = Mutex(State())

    /// Starts the clock; at `timeout` the probe fails with `timeoutReason` (default "timeout after 2 s").
    init(on clock: any CheckClock, timeout: Duration, timeoutReason: String? = nil) {
        self.timeout = timeout
        start = .now()
        let reason = timeoutReason ?? "timeout after \(timeout.spoken)"
        clock.at(start + TimeAmount(timeout)) { self.finish(success: false, reason: reason) }
    }

    var run: ProbeRun { ProbeRun(attempt: self) }

    /// What to do when the probe ends (at once if it already has).
    func hold(_ release: @escaping @Sendable () -> Void) {
        let late = state.withLock { state -> Bool in
            if state.result == nil { state.release = release }
            return state.result != nil
        }
        if late { release() }
    }

    fileprivate func whenDone(_ body: @escaping @Sendable (ProbeResult) -> Void) {
        let result = state.withLock { state -> ProbeResult? in
            if state.result == nil { state.completion = body }
            return state.result
        }
        if let result { body(result) }
    }

    /// Ends the probe with this result; later calls do nothing.
    func finish(success: Bool, reason: String) {
        let elapsed = NIODeadline.now() - start
        let result = ProbeResult(success: success, reason: reason, duration: .nanoseconds(elapsed.nanoseconds))
        let ending = state.withLock { state -> (release: (@Sendable () -> Void)?, completion: (@Sendable (ProbeResult) -> Void)?)? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { (state.release, state.completion) = (nil, nil) }
            return (state.release, state.completion)
        }
        guard let ending else { return }
        ending.release?()
        ending.completion?(result)
    }

    func fail(_ error: any Error) {
        finish(success: false, reason: ProbeFailure.reason(for: error, timeout: timeout))
    }
}
