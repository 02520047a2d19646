public import Logging
public import LVSModel
import Glibc
import NIOCore
import NIOPosix
import Synchronization

/// Runs every `CheckTarget` periodically, once per distinct target however many services share
/// it: tcp checks on `ConnectPoller`'s thread, the others on SwiftNIO's shared event loops; no
/// thread per check. A target's first check comes at a point spread over its interval, so that
/// thousands of targets loaded together are not all probed at once; at most `concurrency`
/// probes are in flight (later ones wait their turn, and the wait shows as lateness); a target's
/// next probe is scheduled only when its last one has ended, so two never overlap.
public final class HealthChecker: Sendable {
    /// Probes in flight at most, by default: sockets, not threads, so a generous bound.
    public static let defaultConcurrency = 1024

    let concurrency: Int
    let logger: Logger
    let onEvent: @Sendable (CheckEvent) -> Void
    /// One per event loop of NIO's shared group; targets are spread over them.
    private let clocks = MultiThreadedEventLoopGroup.singleton.makeIterator().map(LoopTimers.init)
    private let tls = TLSContexts()
    let shared = Mutex(Shared())

    /// `onEvent` is called after every probe, on one of the checker's threads: it must not block.
    public init(concurrency: Int = defaultConcurrency, logger: Logger, onEvent: @escaping @Sendable (CheckEvent) -> Void) {
        self.concurrency = max(concurrency, 1)
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Checks exactly `targets` from now on: new ones start (from their state in `restoring`
    /// when given, else unknown), removed ones stop, kept ones go on with their state and
    /// schedule. Callable at any time, before `run` too.
    public func update(targets: Set<CheckTarget>, restoring: [CheckTarget: CheckState] = [:]) {
        let now = NIODeadline.now()
        let (cancelled, started) = shared.withLock { shared -> ([ProbeRun], [CheckTarget]) in
            var cancelled: [ProbeRun] = []
            for target in shared.slots.keys where !targets.contains(target) {
                if let run = shared.slots.removeValue(forKey: target)?.run { cancelled.append(run) }
            }
            let added = targets.filter { shared.slots[$0] == nil }
                .sorted { ($0.address, $0.port, $0.check.probe.type) < ($1.address, $1.port, $1.check.probe.type) }
            for (index, target) in added.enumerated() {
                var state = restoring[target] ?? CheckState(for: target.check)
                state.rise = target.check.rise
                state.fall = target.check.fall
                shared.serial += 1
                let offset = target.check.interval * (Double(index) / Double(added.count))
                shared.slots[target] = Slot(serial: shared.serial, state: state, address: target.socketAddress,
                                            clock: clocks[Int(shared.serial % UInt64(clocks.count))], due: now + TimeAmount(offset))
            }
            return (cancelled, shared.tools == nil ? [] : added)
        }
        cancelled.forEach { $0.cancel() }
        started.forEach(schedule)
    }

    /// Every target's current state: for `/health`, persistence and metrics.
    public func states() -> [CheckTarget: CheckState] {
        shared.withLock { $0.slots.mapValues(\.state) }
    }

    /// Checks until the task is cancelled; then stops at once: no further probe starts, probes in
    /// flight end (programs killed), its thread pool shut down. States are kept.
    ///
    /// Raises the process's soft limit on open files to its hard limit first: each probe in
    /// flight holds a socket, and the usual soft limit (1,024) is below `concurrency` plus what
    /// the rest of the process holds.
    public func run() async throws {
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        let pool = NIOThreadPool(numberOfThreads: 8)
        pool.start()
        let targets = shared.withLock { shared in
            shared.tools = ProbeTools(pool: pool, tls: tls)
            return Array(shared.slots.keys)
        }
        targets.forEach(schedule)
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        let runs = shared.withLock { shared in
            shared.tools = nil
            shared.waiting.removeAll()
            return shared.slots.keys.compactMap { target -> ProbeRun? in
                shared.slots[target]?.armed = nil
                defer { shared.slots[target]?.run = nil }
                return shared.slots[target]?.run
            }
        }
        runs.forEach { $0.cancel() }
        try await pool.shutdownGracefully()
    }
}
