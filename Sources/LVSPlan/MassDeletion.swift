/// The refusal of a plan that would delete most of a load balancer: an emptied or truncated
/// file must never wipe a director by accident.
public struct MassDeletion: Error, Hashable, Sendable, CustomStringConvertible {
    public var deleting: Int
    public var managed: Int

    public init(deleting: Int, managed: Int) {
        self.deleting = deleting
        self.managed = managed
    }

    public var description: String {
        let share = deleting == managed ? "all \(managed)" : "\(deleting) of \(managed)"
        return "refusing a plan that deletes \(share) managed services; if that is intended, run again with --allow-mass-delete"
    }
}

extension Plan {
    /// Services the plan's kernel writes delete outright, counted from the operations rather
    /// than the changes' labels; a replacement re-creates its service and is not counted.
    public var deletedServiceCount: Int {
        changes.count { change in
            change.operations.contains { if case .deleteService = $0 { true } else { false } }
                && !change.operations.contains { if case .addService = $0 { true } else { false } }
        }
    }

    /// Throws when the plan deletes more than half of the managed services, or all of them.
    public func checkMassDeletion() throws(MassDeletion) {
        let managed = basis.services.count, deleting = deletedServiceCount
        guard deleting > 0, deleting * 2 > managed || deleting == managed else { return }
        throw MassDeletion(deleting: deleting, managed: managed)
    }
}
