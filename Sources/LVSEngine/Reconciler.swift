public import LVSModel
public import LVSPlan

/// Brings a director to a desired state once and says what happened: read the table and the
/// host, plan, guard, write, and read again to confirm. `lvsctl apply`, `reconcile --once` and
/// every tick of the reconcile daemon run this one pipeline.
public struct Reconciler<Table: IPVSTableAccess> {
    /// How the table is reached, each run anew (the kernel: a netlink socket).
    public var connect: () throws(IPVSError) -> Table
    /// The host around the table; nil plans and writes the table alone.
    public var host: (any HostAccess)?
    public var options: ReconcileOptions
    /// Refuses a plan before anything is written: a saved plan runs only while planning its
    /// target again gives the same plan.
    public var admit: (Plan) -> Refusal? = { _ in nil }
    /// Sees the director as read, before anything is planned (the daemon exports its counters
    /// and serves the plan with what it was planned against).
    public var observe: (LiveState, HostSnapshot?) -> Void = { _, _ in }

    public init(connect: @escaping () throws(IPVSError) -> Table, host: (any HostAccess)?, options: ReconcileOptions) {
        self.connect = connect
        self.host = host
        self.options = options
    }

    /// What the caller sees of a run before anything is written.
    public struct Review {
        /// Called with every non-empty plan before it is carried out: with `confirm` nil the
        /// writes run meanwhile, so a large plan is printed while it is applied.
        public var show: (Plan) -> Void
        /// Asked before writing; nil when approved in advance (`--yes`, the daemon).
        public var confirm: ((Plan) -> Bool)?

        public init(show: @escaping (Plan) -> Void = { _ in }, confirm: ((Plan) -> Bool)? = nil) {
            self.show = show
            self.confirm = confirm
        }
    }

    /// One reconcile. `load` gives the desired state and runs on the calling thread while the
    /// director is read; its error ends the run before anything is planned. `phase` is called
    /// as each phase ends, with its name (for `--timings`).
    public func run(load: () throws -> DesiredState, review: Review = Review(),
                    phase: (String) -> Void = { _ in }) rethrows -> ReconcileOutcome {
        let reading = DirectorRead(connect: connect, statistics: options.statistics, host: host)
        let desired = try load()
        phase("load config (reading kernel and host meanwhile)")
        let director: DirectorState<Table>
        switch reading.wait() {
        case .success(let state): director = state
        case .failure(let failure): return .failed(ReconcileFailure(stage: .read, message: failure.description))
        }
        phase("rest of reading kernel and host")
        observe(director.live, director.host)
        return reconcile(director, to: desired, review: review, phase: phase)
    }

    /// The rest of a run, once the director is read: plan against `director`, guard, write, verify.
    public func reconcile(_ director: DirectorState<Table>, to desired: DesiredState, review: Review = Review(),
                          phase: (String) -> Void = { _ in }) -> ReconcileOutcome {
        let plan = Planner.plan(desired: desired, live: director.live.table, host: director.host)
        phase("plan")
        if let refusal = admit(plan) { return .refused(plan, refusal) }
        guard !plan.isEmpty else { return .unchanged(plan) }
        if !options.allowMassDeletion {
            do throws(MassDeletion) {
                try plan.checkMassDeletion()
            } catch {
                return .refused(plan, .massDeletion(error))
            }
        }
        guard options.writes else {
            review.show(plan)
            return .detected(plan)
        }
        let applier = Applier(table: director.table, host: host, drain: options.drain)
        // Approved in advance, nothing waits for a reader: the writes (of the plan already
        // computed, so exactly what is shown) overlap the showing of a large plan.
        let applying = review.confirm == nil ? Background { applier.apply(plan) } : nil
        review.show(plan)
        phase(applying == nil ? "render" : "render (writing meanwhile)")
        if let confirm = review.confirm, !confirm(plan) { return .cancelled(plan) }
        let report = applying?.wait() ?? applier.apply(plan)
        phase(applying == nil ? "write (\(plan.operations.count) operations)" : "rest of writing")
        guard report.succeeded else {
            let message = report.drain?.failure.map { "draining failed, nothing else was changed: \($0)" }
                ?? report.failures.first.map { "\($0.error)" } ?? "the writes did not all go through"
            return .failed(ReconcileFailure(stage: .apply, message: message, plan: plan, report: report))
        }
        return verify(plan, report: report, director: director, desired: desired, phase: phase)
    }

    /// Reads the director again and plans once more: anything left means the kernel changed
    /// meanwhile, or did not take what it was given. The host is read again only where the plan
    /// changed it; else the reading from before still stands, and the table read gets both CPUs.
    private func verify(_ plan: Plan, report: ApplyReport, director: DirectorState<Table>, desired: DesiredState,
                        phase: (String) -> Void) -> ReconcileOutcome {
        let changedHost = plan.changes.contains { $0.stage != .table }
        let reading = DirectorRead(table: director.table, connect: connect, host: changedHost ? host : nil)
        let after: DirectorState<Table>
        switch reading.wait() {
        case .success(let state): after = state
        case .failure(let failure):
            return .failed(ReconcileFailure(stage: .verify, message: failure.description, plan: plan, report: report))
        }
        phase("verify: read kernel and host")
        let remaining = Planner.plan(desired: desired, live: after.live.table, host: changedHost ? after.host : director.host)
        phase("verify: plan")
        guard remaining.isEmpty else {
            return .failed(ReconcileFailure(stage: .verify, message: "the kernel still differs after apply (changed meanwhile?)",
                                            plan: plan, report: report, remaining: remaining))
        }
        return .applied(plan, report)
    }
}

/// How a reconcile may change the director.
public struct ReconcileOptions: Sendable {
    /// Whether a plan that deletes more than half of the managed services, or all, may run.
    public var allowMassDeletion = false
    /// Servers being removed are set to weight 0 first and deleted once their connections end.
    public var drain: DrainPolicy?
    /// False in detect mode: changes are found and reported, never written.
    public var writes = true
    /// Whether the table is read with its counters (the daemon exports them).
    public var statistics = false

    public init(allowMassDeletion: Bool = false, drain: DrainPolicy? = nil, writes: Bool = true, statistics: Bool = false) {
        self.allowMassDeletion = allowMassDeletion
        self.drain = drain
        self.writes = writes
        self.statistics = statistics
    }
}
