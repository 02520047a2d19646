internal import Dispatch

/// Work started on a thread of its own while the caller goes on, its result collected with
/// `wait()`: the kernel read that overlaps loading the config, the writes that overlap
/// printing the plan.
///
/// `@unchecked Sendable`: `work` runs on the background thread only, and the caller leaves what
/// it captured (an adapter, a host) alone until `wait()` returns; `result` is set before `done`
/// is signalled and read only after `done.wait()`.
public final class Background<Value>: @unchecked Sendable {
    private let work: () -> Value
    private var result: Value?
    private let done = DispatchSemaphore(value: 0)

    public init(_ work: @escaping () -> Value) {
        self.work = work
        // A serial queue of its own gets a thread at once (it overcommits). The global queue
        // has as many threads as CPUs, and on Linux adds one only once a second when they all
        // wait: a read waiting for its server dumps would leave those dumps no thread.
        DispatchQueue(label: "lvsctl.background").async { [self] in
            result = self.work()
            done.signal()
        }
    }

    /// Waits for the work to finish and returns its result.
    public func wait() -> Value {
        done.wait()
        guard let result else { preconditionFailure("background work finished without a result") }
        return result
    }
}
