public import LVSModel

/// What apply will do, as a value: rendered for people, saved to a file, compared in tests,
/// and executed exactly as it stands. A saved plan is derived again before it runs (see
/// `LVSJSON.SavedPlan`), so the value executed is always one the planner made.
public struct Plan: Hashable, Sendable, Codable {
    /// In execution order.
    public var changes: [Change]
    /// Live services outside the scope: shown, never touched.
    public var notManaged: [ServiceKey]
    /// The scope the plan was computed with.
    public var scope: Scope
    /// The managed part of the live table the plan was computed from. A saved plan is applied
    /// only while planning against the kernel still gives this basis and these changes.
    public var basis: IPVSTable

    public init(changes: [Change], notManaged: [ServiceKey], scope: Scope, basis: IPVSTable) {
        self.changes = changes
        self.notManaged = notManaged
        self.scope = scope
        self.basis = basis
    }

    public var isEmpty: Bool { changes.isEmpty }

    /// Every kernel write, in order.
    public var operations: [IPVSOperation] { changes.flatMap(\.operations) }

    public var summary: Summary { Summary(changes) }

    /// How many changes of each action a plan holds.
    public struct Summary: Hashable, Sendable, Codable {
        public var create = 0
        public var update = 0
        public var delete = 0
        public var replace = 0

        public init(create: Int = 0, update: Int = 0, delete: Int = 0, replace: Int = 0) {
            self.create = create
            self.update = update
            self.delete = delete
            self.replace = replace
        }

        init(_ changes: [Change]) {
            for change in changes {
                switch change.action {
                case .create: create += 1
                case .update: update += 1
                case .delete: delete += 1
                case .replace: replace += 1
                }
            }
        }
    }
}
