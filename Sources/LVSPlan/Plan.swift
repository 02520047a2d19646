public import LVSModel

/// What apply will do, as a value: rendered for people, saved to a file, compared in tests,
/// and executed exactly as it stands.
public struct Plan: Hashable, Sendable, Codable {
    /// In execution order.
    public var changes: [Change]
    /// Live services outside the scope: shown, never touched.
    public var notManaged: [ServiceKey]
    /// The scope the plan was computed with.
    public var scope: Scope
    /// The managed part of the live table the plan was computed from. A saved plan is applied
    /// only while the kernel still holds exactly this.
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

extension Plan {
    /// The part of `live` this plan manages, shaped like `basis`: services in scope, and
    /// timeouts and sync daemons only where the plan read them.
    public func managedPart(of live: IPVSTable) -> IPVSTable {
        IPVSTable(services: live.services.filter { scope.contains($0.key) },
                  timeouts: basis.timeouts == nil ? nil : live.timeouts,
                  syncDaemons: basis.syncDaemons == nil ? nil : live.syncDaemons)
    }

    /// Whether the kernel still holds what the plan was computed from; a saved plan applied to
    /// anything else could do what nobody reviewed.
    public func isCurrent(for live: IPVSTable) -> Bool { managedPart(of: live) == basis }

    /// The desired state this plan leads to: its basis with every operation carried out.
    public func target() throws(IPVSError) -> DesiredState {
        let table = InMemoryTable(basis)
        for operation in operations { try table.perform(operation) }
        return DesiredState(scope: scope, table: table.table)
    }
}
