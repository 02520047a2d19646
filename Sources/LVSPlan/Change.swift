public import LVSModel

/// One entry of a plan: a single service, server, timeouts or sync daemon, what happens to it,
/// why, and the kernel writes that carry it out.
public struct Change: Hashable, Sendable, Codable {
    public enum Action: String, Hashable, Sendable, Codable, CaseIterable {
        case create
        case update
        case delete
        /// The identity changes, which the kernel cannot edit: delete, then create.
        case replace
    }

    public enum Object: String, Hashable, Sendable, Codable, CaseIterable {
        case service
        case server
        case timeouts
        case sync
        /// One of lvsctl's iptables chains (firewall marks, FULLNAT source rewriting).
        case firewall
        /// A setting of the host: a device, an address, a sysctl, a route.
        case host
    }

    /// When a change runs relative to the IPVS table's writes: what a service needs (its mark
    /// rule, its VIP) exists before it, and what only a deleted service used goes after it.
    public enum Stage: String, Hashable, Sendable, Codable, Comparable {
        case beforeTable = "before"
        case table
        case afterTable = "after"

        public static func < (lhs: Self, rhs: Self) -> Bool {
            let order: [Stage] = [.beforeTable, .table, .afterTable]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    public var action: Action
    public var object: Object
    /// The service this change is about, or the one the server belongs to.
    public var service: ServiceKey?
    /// The operator's name for that service, when the file gives one.
    public var name: String?
    public var server: ServerKey?
    public var before: [Attribute]?
    public var after: [Attribute]?
    /// Why, for people: which values differ, or that the entry is missing.
    public var reason: String
    /// The kernel writes, in order.
    public var operations: [IPVSOperation]
    /// What a firewall or host change does.
    public var hostActions: [HostAction]
    /// For firewall and host changes: what they describe (`lvs0 198.51.100.10/32`,
    /// `net.ipv4.ip_forward`, a chain).
    public var subject: String?

    public var stage: Stage {
        switch object {
        case .service, .server, .timeouts, .sync: .table
        case .firewall, .host: action == .delete ? .afterTable : .beforeTable
        }
    }

    public init(_ action: Action, _ object: Object, service: ServiceKey? = nil, name: String? = nil,
                server: ServerKey? = nil, before: [Attribute]? = nil, after: [Attribute]? = nil, reason: String,
                operations: [IPVSOperation] = [], hostActions: [HostAction] = [], subject: String? = nil) {
        self.action = action
        self.object = object
        self.service = service
        self.name = name
        self.server = server
        self.before = before
        self.after = after
        self.reason = reason
        self.operations = operations
        self.hostActions = hostActions
        self.subject = subject
    }

    /// One attribute whose value changes.
    public struct Difference: Hashable, Sendable {
        public var name: String
        public var before: String?
        public var after: String?

        /// `wlc → rr`, as plans show it.
        public var transition: String { "\(before ?? "unset") → \(after ?? "unset")" }
    }

    /// The attributes whose values differ between before and after, with both values.
    public var differences: [Difference] { Self.differences(before: before, after: after) }

    /// The attributes whose values differ between two lists, in the order they appear.
    public static func differences(before: [Attribute]?, after: [Attribute]?) -> [Difference] {
        let old = Dictionary((before ?? []).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let new = Dictionary((after ?? []).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let names = (before ?? []).map(\.name) + (after ?? []).map(\.name).filter { old[$0] == nil }
        return names.compactMap { old[$0] == new[$0] ? nil : Difference(name: $0, before: old[$0], after: new[$0]) }
    }
}

/// A named value of an entry, written as the config file writes it (`scheduler: wrr`).
public struct Attribute: Hashable, Sendable, Codable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
