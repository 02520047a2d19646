internal import CMalloc
internal import Dispatch
public import LVSEngine
public import LVSModel
public import Logging
import LVSPlan
public import ServiceLifecycle
import UnixSignals

/// How the daemon runs (`lvsctl reconcile`'s options).
public struct DaemonSettings: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        /// Drift is written back.
        case correct
        /// Drift is only reported.
        case detect
    }

    public var schedule: TickSchedule
    public var mode: Mode
    public var allowMassDeletion: Bool
    public var drain: Duration?
    public var lockPath: String
    /// Where health and overrides are kept (`/run/lvsctl`).
    public var stateDirectory: StateDirectory

    public init(schedule: TickSchedule, mode: Mode = .correct, allowMassDeletion: Bool = false,
                drain: Duration? = nil, lockPath: String = DirectorLock.defaultPath,
                stateDirectory: StateDirectory = StateDirectory()) {
        self.schedule = schedule
        self.mode = mode
        self.allowMassDeletion = allowMassDeletion
        self.drain = drain
        self.lockPath = lockPath
        self.stateDirectory = stateDirectory
    }

    var options: ReconcileOptions {
        ReconcileOptions(allowMassDeletion: allowMassDeletion, drain: drain.map { DrainPolicy(timeout: $0) },
                         writes: mode == .correct, statistics: true)
    }
}

/// The reconcile daemon: keeps a director converged to its config file and to the health of its
/// servers. It reconciles at start, on a jittered timer, within a second of the file or the
/// overrides changing, at once when a check changes its verdict, and on SIGHUP; runs until
/// graceful shutdown (SIGTERM, SIGINT), letting a reconcile in flight finish. Every reconcile is
/// the one pipeline of `LVSEngine`, under the director lock that `apply` takes too.
public struct ReconcileDaemon<Table: IPVSTableAccess>: Service {
    public let settings: DaemonSettings
    public let status: DaemonStatus
    public let metrics: DaemonMetrics
    let makeReconciler: @Sendable (ReconcileOptions) -> Reconciler<Table>
    let notifier: SystemdNotifier
    let logger: Logger
    let config: ConfigSource
    public let health: HealthMonitor
    private let triggers = Triggers()

    /// - Parameters:
    ///   - config: the config file, already read and valid (an invalid first config is the
    ///     caller's error to report, as `apply` reports it).
    ///   - makeReconciler: the engine, over the kernel or (in tests) an in-memory table.
    public init(settings: DaemonSettings, config: ConfigSource, status: DaemonStatus, metrics: DaemonMetrics,
                notifier: SystemdNotifier, logger: Logger, makeReconciler: @escaping @Sendable (ReconcileOptions) -> Reconciler<Table>) {
        self.settings = settings
        self.config = config
        self.status = status
        self.metrics = metrics
        self.notifier = notifier
        self.logger = logger
        self.makeReconciler = makeReconciler
        let triggers = self.triggers
        health = HealthMonitor(directory: settings.stateDirectory, metrics: metrics, logger: logger) {
            triggers.post(.health)
        }
        if let state = config.current { health.configure(state, restore: true) }
        health.reloadOverrides()
    }

    /// One reconcile with the daemon's semantics (`--once`): whether the director converged
    /// (or, in detect mode, was read and compared).
    public func runOnce() async -> Bool {
        var loop = DaemonLoop(daemon: self)
        return await loop.tick(.start) ?? false
    }

    public func run() async throws {
        let triggers = self.triggers
        let watcher = ConfigWatcher(path: config.path)
        watcher?.start { triggers.post(.configChanged) }
        let overridesWatcher = settings.stateDirectory.ensure() ? ConfigWatcher(path: settings.stateDirectory.overridesPath) : nil
        overridesWatcher?.start { triggers.post(.overrides) }
        let health = self.health
        let checks = Task { try await health.run() }
        let schedule = settings.schedule
        let timer = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: schedule.delay(random: Double.random(in: 0..<1)))
                triggers.post(.timer)
            }
        }
        // SIGUSR1 and SIGUSR2 would end the process (their default action): keepalived's
        // operators send them to dump its state, and lvsctl logs its status instead.
        let signals = Task { [self] in
            for await signal in await UnixSignalsSequence(trapping: .sighup, .sigusr1, .sigusr2) {
                if signal == .sighup {
                    triggers.post(.hangup)
                } else {
                    logger.notice("status", metadata: ["signal": "\(signal)", "status": "\(statusLine)"])
                }
            }
        }
        let watchdog = Task { await self.pingWatchdog() }
        var expiry: Task<Void, Never>?
        defer {
            watcher?.stop()
            overridesWatcher?.stop()
            for task in [timer, signals, watchdog] { task.cancel() }
            expiry?.cancel()
            triggers.finish()
        }
        var loop = DaemonLoop(daemon: self)
        _ = await loop.tick(.start)
        notifier.notify(["READY=1", "STATUS=\(statusLine)"])
        for await _ in triggers.stream.cancelOnGracefulShutdown() {
            _ = await loop.tick(triggers.take())
            notifier.notify(["STATUS=\(statusLine)"])
            expiry?.cancel()
            expiry = wakeAtNextExpiry()
        }
        notifier.notify(["STOPPING=1", "STATUS=stopping"])
        withdrawAnnouncement(of: loop.current)
        checks.cancel()
        _ = await checks.result
        logger.info("stopping")
    }

    /// Takes the VIPs off `director.announce`'s device as the daemon stops: routers must not
    /// keep sending traffic on the word of a director nobody keeps converged (docs/ecmp.md).
    private func withdrawAnnouncement(of desired: DesiredState?) {
        guard settings.mode == .correct, let desired, desired.director?.announce != nil,
              let host = makeReconciler(settings.options).host else { return }
        do {
            let lock = try DirectorLock(path: settings.lockPath)
            defer { lock.release() }
            for change in try DirectorPlanner.withdraw(desired, host: host) {
                logger.info("change", metadata: ["action": "\(change.action.rawValue)", "object": "host",
                                                 "subject": "\(change.subject ?? "")", "reason": "\(change.reason)"])
            }
        } catch {
            logger.error("cannot withdraw the announced VIPs", metadata: ["reason": "\(error)"])
        }
    }

    /// A reconcile when the next override lapses, so that it ends on time, not at the next tick.
    private func wakeAtNextExpiry() -> Task<Void, Never>? {
        let now = DaemonClock.epochSeconds()
        guard let next = health.nextExpiry(after: now) else { return nil }
        let triggers = self.triggers
        return Task {
            try? await Task.sleep(for: .milliseconds(Int64((next - now) * 1000) + 10))
            if !Task.isCancelled { triggers.post(.overrides) }
        }
    }

    /// `STATUS=` for systemctl status: the last outcome in a few words.
    var statusLine: String {
        let snapshot = status.snapshot
        guard let outcome = snapshot.lastOutcome else { return "starting" }
        let changes = outcome.plan?.changes.count ?? 0
        return switch outcome {
        case .unchanged: "converged, no changes"
        case .applied: "converged, applied \(changes) changes"
        case .detected: "detect mode: \(changes) changes pending"
        case .refused(_, let refusal): "refused: \(refusal)"
        case .cancelled: "cancelled"
        case .failed(let failure): "failing: \(failure.message)"
        }
    }

    /// `WATCHDOG=1` at half the watchdog timeout, while the loop is not stuck in one reconcile
    /// for longer than that timeout.
    private func pingWatchdog() async {
        guard let timeout = notifier.watchdogTimeout else { return }
        while !Task.isCancelled {
            if let started = status.snapshot.tickStarted, ContinuousClock.now - started > timeout {
                logger.error("a reconcile has run longer than the watchdog timeout; not pinging the watchdog")
            } else {
                notifier.notify(["WATCHDOG=1"])
            }
            try? await Task.sleep(for: timeout / 2)
        }
    }
}

/// The state one daemon's loop keeps from tick to tick.
struct DaemonLoop<Table: IPVSTableAccess> {
    let daemon: ReconcileDaemon<Table>
    private var config: ConfigSource
    /// The host as the last reconcile read it, when that reconcile wrote nothing to it: what a
    /// verdict's reconcile plans the host against instead of reading it again.
    private var settledHost: HostSnapshot?

    init(daemon: ReconcileDaemon<Table>) {
        self.daemon = daemon
        config = daemon.config
    }

    /// The last valid config.
    var current: DesiredState? { config.current }

    mutating func tick(_ trigger: Trigger) async -> Bool? { await tick([trigger]) }

    /// One reconcile for what woke the daemon: nil when skipped, else whether the director
    /// converged (`Trigger.onlyIfChanged` says when a wake-up is skipped).
    mutating func tick(_ triggers: Set<Trigger>) async -> Bool? {
        guard !triggers.isEmpty else { return nil }
        let logger = daemon.logger
        let trigger = triggers.sorted().map(\.rawValue).joined(separator: ",")
        var changed = readConfig(force: triggers.contains(.hangup))
        if triggers.contains(.overrides) || triggers.contains(.hangup) {
            daemon.health.reloadOverrides()
            changed = changed || daemon.health.overridesChanged(now: DaemonClock.epochSeconds())
        }
        guard let file = config.current, !Trigger.onlyIfChanged(triggers) || changed else { return nil }
        let decided = daemon.health.takeDecision()
        let desired = daemon.health.effective(file, now: DaemonClock.epochSeconds())
        let lock: DirectorLock
        do {
            lock = try DirectorLock(path: daemon.settings.lockPath)
        } catch {
            logger.warning("skipping this reconcile", metadata: ["trigger": "\(trigger)", "reason": "\(error)"])
            return nil
        }
        defer { lock.release() }
        // Between a check's verdict and the kernel, the host is read only when it must change
        // for the new state: no iptables-save processes on that path. The next full reconcile
        // reads it as always.
        let settled = settledHost
        let tableOnly = Trigger.onlyServers(triggers) && settled.map { DirectorPlanner.changes(desired, host: $0).isEmpty } == true
        let started = ContinuousClock.now
        daemon.status.update { $0.tickStarted = started }
        let (makeReconciler, options, metrics, status) = (daemon.makeReconciler, daemon.settings.options, daemon.metrics, daemon.status)
        let outcome = await Self.offload {
            var reconciler = makeReconciler(options)
            if tableOnly { reconciler.host = nil }
            reconciler.observe = { live, host in
                metrics.recordTable(live, desired: desired)
                status.update { $0.basis = (desired, host ?? settled) }
            }
            return reconciler.run(load: { desired })
        }
        let elapsed = ContinuousClock.now - started
        let converged = switch outcome {
        case .unchanged, .applied, .detected: true
        case .refused, .cancelled, .failed: false
        }
        daemon.metrics.record(outcome, elapsed: elapsed, now: DaemonClock.epochSeconds(), converged: converged)
        settledHost = switch outcome {
        case .unchanged: daemon.status.snapshot.basis?.host
        case .applied(let plan, _) where plan.changes.allSatisfy({ $0.stage == .table }): daemon.status.snapshot.basis?.host
        default: nil
        }
        // Only a reconcile that wrote something carried a decision to the kernel.
        let reaction: Duration? = if let decided, case .applied = outcome { ContinuousClock.now - decided } else { nil }
        if let reaction { daemon.metrics.recordReaction(reaction) }
        daemon.status.update { status in
            status.tickStarted = nil
            status.lastOutcome = outcome
            status.lastDuration = elapsed
            if converged { status.lastSuccess = .now }
            status.lastProblem = converged ? nil : Self.problem(outcome)
        }
        log(outcome, trigger: trigger, elapsed: elapsed, reaction: reaction)
        // A tick allocates and frees a whole table; what glibc keeps of it would otherwise
        // add up over hours to far more than one table.
        malloc_trim(0)
        return converged
    }

    /// Reads the config when it changed; whether it brought a new valid state.
    private mutating func readConfig(force: Bool) -> Bool {
        let reading = config.refresh(force: force)
        let now = DaemonClock.epochSeconds()
        switch reading {
        case .unchanged:
            return false
        case .loaded(let state):
            daemon.metrics.recordConfig(valid: true, now: now, state: state)
            daemon.health.configure(state)
            daemon.status.update { $0.configProblem = nil }
            daemon.logger.info("config loaded", metadata: ["file": "\(config.path)", "services": "\(state.table.services.count)"])
            return true
        case .invalid(let errors):
            daemon.metrics.recordConfig(valid: false, now: now, state: config.current)
            let first = errors.first.map(\.description) ?? "cannot read the config"
            daemon.status.update { $0.configProblem = first }
            daemon.logger.error("config invalid; keeping the last valid one", metadata: [
                "file": "\(config.path)", "errors": "\(errors.count)", "first": "\(first)",
            ])
            for error in errors.prefix(10) { daemon.logger.error("config error", metadata: ["error": "\(error)"]) }
            return false
        }
    }

    /// One line per reconcile, one per change written, and the reason of every refusal.
    private func log(_ outcome: ReconcileOutcome, trigger: String, elapsed: Duration, reaction: Duration?) {
        var metadata: Logger.Metadata = [
            "outcome": "\(outcome.result)", "trigger": "\(trigger)", "duration_seconds": "\(Self.seconds(elapsed))",
            "pending": "\(outcome.pendingChanges)",
        ]
        if let reaction { metadata["health_reaction_seconds"] = "\(Self.seconds(reaction))" }
        if let plan = outcome.plan {
            metadata["changes"] = "\(plan.changes.count)"
            var counts: [String: Int] = [:]
            for change in plan.changes { counts["changes_\(change.object.rawValue)_\(change.action.rawValue)", default: 0] += 1 }
            for (key, count) in counts { metadata[key] = "\(count)" }
        }
        if case .detected = outcome { metadata["mode"] = "detect" }
        switch outcome {
        case .unchanged, .detected:
            daemon.logger.info("reconcile", metadata: metadata)
        case .applied(let plan, _):
            for change in plan.changes {
                daemon.logger.info("change", metadata: [
                    "action": "\(change.action.rawValue)", "object": "\(change.object.rawValue)",
                    "subject": "\(Self.subject(change))", "reason": "\(change.reason)",
                ])
            }
            daemon.logger.info("reconcile", metadata: metadata)
        case .refused, .cancelled, .failed:
            metadata["reason"] = "\(Self.problem(outcome))"
            if case .failed(let failure) = outcome { metadata["stage"] = "\(failure.stage.rawValue)" }
            daemon.logger.error("reconcile", metadata: metadata)
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func problem(_ outcome: ReconcileOutcome) -> String {
        switch outcome {
        case .refused(_, let refusal): refusal.description
        case .failed(let failure): failure.message
        case .cancelled: "cancelled"
        case .unchanged, .applied, .detected: ""
        }
    }

    private static func subject(_ change: Change) -> String {
        switch change.object {
        case .service: change.name.map { "service \($0) (\(change.service?.description ?? ""))" } ?? "service \(change.service?.description ?? "")"
        case .server: "server \(change.server?.description ?? "") of \(change.name ?? change.service?.description ?? "")"
        case .timeouts, .sync, .firewall, .host: change.subject ?? change.object.rawValue
        }
    }

    /// Blocking work (netlink, processes) on a thread of its own, off the concurrency pool: a
    /// serial queue gets a thread at once, where the global queue's threads, as many as CPUs,
    /// are all taken by the reconcile's own waits and grow only once a second on Linux.
    private static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue(label: "lvsctl.reconcile").async { continuation.resume(returning: work()) }
        }
    }
}
