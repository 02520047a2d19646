/// The part of the kernel's state lvsctl converges: services with their servers, timeouts and
/// sync daemons. Desired and live state are both this type, so a diff is value comparison.
public struct IPVSTable: Hashable, Sendable, Codable {
    /// Sorted by key, at most one per key.
    public var services: [VirtualService] {
        didSet { services.sort { $0.key < $1.key } }
    }
    /// nil: not managed (desired) or not read (live).
    public var timeouts: Timeouts?
    /// nil: not managed (desired) or not read (live). Sorted, master first.
    public var syncDaemons: [SyncDaemon]? {
        didSet { syncDaemons?.sort { $0.state < $1.state } }
    }

    public init(services: [VirtualService] = [], timeouts: Timeouts? = nil, syncDaemons: [SyncDaemon]? = nil) {
        self.services = services.sorted { $0.key < $1.key }
        self.timeouts = timeouts
        self.syncDaemons = syncDaemons?.sorted { $0.state < $1.state }
    }

    public func service(_ key: ServiceKey) -> VirtualService? { services.first { $0.key == key } }
}
