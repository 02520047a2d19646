/// The part of the kernel's state lvsctl converges: services with their servers, timeouts and
/// sync daemons. Desired and live state are both this type, so a diff is value comparison.
public struct IPVSTable: Hashable, Sendable, Codable {
    /// Sorted by key, at most one per key.
    public var services: [VirtualService] {
        didSet { services = Self.sortedByKey(services) }
    }
    /// nil: not managed (desired) or not read (live).
    public var timeouts: Timeouts?
    /// nil: not managed (desired) or not read (live). Sorted, master first.
    public var syncDaemons: [SyncDaemon]? {
        didSet { syncDaemons?.sort { $0.state < $1.state } }
    }

    public init(services: [VirtualService] = [], timeouts: Timeouts? = nil, syncDaemons: [SyncDaemon]? = nil) {
        self.services = Self.sortedByKey(services)
        self.timeouts = timeouts
        self.syncDaemons = syncDaemons?.sorted { $0.state < $1.state }
    }

    /// Sorted through one index per service: moving indices instead of whole services makes
    /// sorting the kernel's tens of thousands, which arrive in hash order, several times cheaper.
    private static func sortedByKey(_ services: [VirtualService]) -> [VirtualService] {
        if services.indices.dropFirst().allSatisfy({ services[$0 - 1].key < services[$0].key }) { return services }
        return services.indices.sorted { services[$0].key < services[$1].key }.map { services[$0] }
    }

    public func service(_ key: ServiceKey) -> VirtualService? { services.first { $0.key == key } }
}
