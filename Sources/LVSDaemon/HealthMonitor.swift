public import LVSHealth
public import LVSModel
public import Logging
internal import Synchronization

/// The daemon's health side: its checker, the operators' overrides, and what the two make of the
/// config (`DesiredState.effective`). A change of verdict is reported through `onTransition` at
/// once, so the daemon reconciles then, not at its next tick; the reconcile keeps the verdicts it
/// plans with in the state directory before they reach the kernel.
public final class HealthMonitor: Sendable {
    public let directory: StateDirectory
    private let checker: HealthChecker
    private let metrics: DaemonMetrics
    private let logger: Logger
    private let overrides = Mutex<[ServerOverride]>([])
    /// The overrides in force at the last `effective`.
    private let planned = Mutex<[ServerOverride]>([])
    /// Which services use each target, by name, for logs and `/health`.
    private let users = Users()

    private final class Users: Sendable {
        let byTarget = Mutex<[CheckTarget: [String]]>([:])
        /// When the earliest change of verdict not yet reconciled was decided.
        let decided = Mutex<ContinuousClock.Instant?>(nil)
        /// Whether a verdict changed since the states were last written.
        let unsaved = Mutex(false)
    }

    public init(directory: StateDirectory, metrics: DaemonMetrics, logger: Logger, concurrency: Int = HealthChecker.defaultConcurrency,
                onTransition: @escaping @Sendable () -> Void) {
        self.directory = directory
        self.metrics = metrics
        self.logger = logger
        let users = self.users
        checker = HealthChecker(concurrency: concurrency, logger: logger) { event in
            metrics.recordCheck(event)
            guard let transition = event.transition else { return }
            let now = ContinuousClock.now
            users.decided.withLock { $0 = $0 ?? now }
            users.unsaved.withLock { $0 = true }
            logger.notice("health", metadata: [
                "target": "\(event.target)", "verdict": "\(transition.to.rawValue)", "reason": "\(transition.reason)",
                "count": "\(transition.count)", "services": "\(users.byTarget.withLock { $0[event.target] ?? [] }.joined(separator: ","))",
            ])
            onTransition()
        }
    }

    /// Checks what `state` asks for; at the first call, targets resume from the state a daemon
    /// before this one left.
    public func configure(_ state: DesiredState, restore: Bool = false) {
        var restored: [CheckTarget: CheckState] = [:]
        if restore {
            do {
                restored = try directory.readHealth()?.states ?? [:]
            } catch {
                logger.warning("not resuming health from before", metadata: ["reason": "\(error)"])
            }
        }
        var byTarget: [CheckTarget: [String]] = [:]
        for (service, servers) in state.checks {
            for (server, check) in servers {
                byTarget[CheckTarget(server: server, check: check), default: []].append(state.names[service] ?? service.description)
            }
        }
        users.byTarget.withLock { $0 = byTarget }
        checker.update(targets: Set(byTarget.keys), restoring: restored)
    }

    /// Reads the overrides file again; false (and the last good list kept) when it does not read.
    @discardableResult
    public func reloadOverrides() -> Bool {
        do {
            let list = try directory.readOverrides()
            overrides.withLock { $0 = list }
            return true
        } catch {
            logger.error("overrides file unreadable; keeping the last good one", metadata: ["reason": "\(error)"])
            return false
        }
    }

    /// Whether the overrides in force now differ from those the last plan used (one was added,
    /// removed or lapsed).
    public func overridesChanged(now: Double) -> Bool {
        overrides.withLock { $0.filter { $0.isActive(at: now) } } != planned.withLock { $0 }
    }

    /// When the next override lapses, in seconds since the epoch.
    public func nextExpiry(after now: Double) -> Double? {
        overrides.withLock { $0.compactMap(\.until).filter { $0 > now }.min() }
    }

    /// The state to plan with now, and how each checked service stands. Verdicts changed since
    /// the last call are written to the state directory first — once per reconcile, however many
    /// changed (a switch failing takes thousands of targets down at once) — so that a daemon
    /// restarted after the kernel write resumes from them.
    public func effective(_ config: DesiredState, now: Double) -> DesiredState {
        // The flag before the states: a verdict that changes between the two is saved now or,
        // flagged again, by the next call.
        let unsaved = users.unsaved.withLock { unsaved in defer { unsaved = false }; return unsaved }
        let states = checker.states()
        if unsaved, !save(states) { users.unsaved.withLock { $0 = true } }
        let current = overrides.withLock { $0.filter { $0.isActive(at: now) } }
        planned.withLock { $0 = current }
        let (state, services) = config.effective(health: StateDirectory.verdicts(states), overrides: current, now: now)
        metrics.recordHealth(HealthSeries(config: config, states: states, active: current, services: services))
        return state
    }

    /// When the earliest change of verdict since the last call was decided, for the time it took
    /// to reach the kernel.
    public func takeDecision() -> ContinuousClock.Instant? { users.decided.withLock { $0.take() } }

    /// Every check's state, for `/health` and for the state directory at shutdown.
    public func states() -> [CheckTarget: CheckState] { checker.states() }

    public func services(of target: CheckTarget) -> [String] { users.byTarget.withLock { $0[target] ?? [] } }

    public var currentOverrides: [ServerOverride] { overrides.withLock { $0 } }

    /// Runs the checks until cancelled, then keeps their state for the next daemon.
    public func run() async throws {
        defer { save(checker.states()) }
        try await checker.run()
    }

    /// Whether the states were written; a failure is logged (the next reconcile tries again).
    @discardableResult
    private func save(_ states: [CheckTarget: CheckState]) -> Bool {
        do {
            try directory.writeHealth(states, now: DaemonClock.epochSeconds())
            return true
        } catch {
            logger.error("cannot keep the health state", metadata: ["reason": "\(error)"])
            return false
        }
    }
}
