public import LVSPlan

/// What one reconcile did: the value `apply`, `reconcile --once` and every tick of the daemon
/// report, log and count.
public enum ReconcileOutcome: Sendable {
    /// The director already matched.
    case unchanged(Plan)
    /// The plan was carried out and a fresh read confirmed nothing is left to do.
    case applied(Plan, ApplyReport)
    /// Changes found and, by the caller's choice (detect mode), not written.
    case detected(Plan)
    /// The plan was not carried out because a guard refused it.
    case refused(Plan, Refusal)
    /// The operator declined the plan at the confirmation.
    case cancelled(Plan)
    /// The director could not be read, a write failed, or the kernel still differed afterwards.
    case failed(ReconcileFailure)

    /// The plan computed, when it got that far.
    public var plan: Plan? {
        switch self {
        case .unchanged(let plan), .applied(let plan, _), .detected(let plan), .refused(let plan, _), .cancelled(let plan):
            plan
        case .failed(let failure):
            failure.plan
        }
    }

    /// Changes found and not (all) carried out: what is still drifting.
    public var pendingChanges: Int {
        switch self {
        case .unchanged, .applied: 0
        case .detected(let plan), .refused(let plan, _), .cancelled(let plan): plan.changes.count
        case .failed(let failure): failure.remaining?.changes.count ?? failure.plan?.changes.count ?? 0
        }
    }

    /// One word for metrics and logs: nothing was written (`unchanged`, also after a detect-mode
    /// tick that found drift), `applied`, `refused` (a guard or the operator said no) or `failed`.
    public var result: String {
        switch self {
        case .unchanged, .detected: "unchanged"
        case .applied: "applied"
        case .refused, .cancelled: "refused"
        case .failed: "failed"
        }
    }
}

/// Why a plan was not carried out although it could have been.
public enum Refusal: Error, Sendable, CustomStringConvertible {
    /// It deletes more than half of the managed services, or all of them.
    case massDeletion(MassDeletion)
    /// It is not the plan the caller expected (a saved plan whose director has changed since),
    /// and why.
    case stale(String)

    public var description: String {
        switch self {
        case .massDeletion(let refusal): refusal.description
        case .stale(let reason): reason
        }
    }
}

/// A reconcile that went wrong, and how far it got.
public struct ReconcileFailure: Error, Sendable, CustomStringConvertible {
    public enum Stage: String, Sendable {
        case read, apply, verify
    }

    public var stage: Stage
    /// What went wrong, in words.
    public var message: String
    public var plan: Plan?
    /// What the writes did, when the failure came from them.
    public var report: ApplyReport?
    /// What a read after the writes still found to do.
    public var remaining: Plan?

    public var description: String { message }
}
