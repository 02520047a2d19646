import NIOCore
import Synchronization

/// One probe in flight: the result to come, and a way to end it early when the checker stops.
struct ProbeRun: Sendable {
    let result: EventLoopFuture<ProbeResult>
    let cancel: @Sendable () -> Void
}

/// Ends a probe exactly once — with the probe's own verdict, at its timeout, or when cancelled —
/// and then releases what the probe holds (closes its channel, kills its program), so no probe
/// outlives its timeout whatever its peer does.
final class ProbeAttempt: Sendable {
    private struct State {
        var done = false
        var release: (@Sendable () -> Void)?
    }

    let eventLoop: any EventLoop
    let timeout: Duration
    private let start: NIODeadline
    private let promise: EventLoopPromise<ProbeResult>
    private let state = Mutex(State())

    /// Starts the clock; at `timeout` the probe fails with `timeoutReason` (default "timeout after 2 s").
    init(on clock: LoopTimers, timeout: Duration, timeoutReason: String? = nil) {
        eventLoop = clock.eventLoop
        self.timeout = timeout
        start = .now()
        promise = eventLoop.makePromise()
        let reason = timeoutReason ?? "timeout after \(timeout.spoken)"
        clock.at(start + TimeAmount(timeout)) { self.finish(success: false, reason: reason) }
    }

    var run: ProbeRun {
        ProbeRun(result: promise.futureResult, cancel: { self.finish(success: false, reason: "cancelled") })
    }

    /// What to do when the probe ends (at once if it already has).
    func hold(_ release: @escaping @Sendable () -> Void) {
        let late = state.withLock { state -> Bool in
            if !state.done { state.release = release }
            return state.done
        }
        if late { release() }
    }

    /// Ends the probe with this result; later calls do nothing.
    func finish(success: Bool, reason: String) {
        let ending = state.withLock { state -> (@Sendable () -> Void)?? in
            guard !state.done else { return nil }
            state.done = true
            defer { state.release = nil }
            return .some(state.release)
        }
        guard let ending else { return }
        ending?()
        let elapsed = NIODeadline.now() - start
        promise.succeed(ProbeResult(success: success, reason: reason, duration: .nanoseconds(elapsed.nanoseconds)))
    }

    func fail(_ error: any Error) {
        finish(success: false, reason: ProbeFailure.reason(for: error, timeout: timeout))
    }
}
