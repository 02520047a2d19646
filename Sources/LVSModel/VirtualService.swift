/// A virtual service and its real servers: one entry of the IPVS table.
public struct VirtualService: Hashable, Sendable, Codable {
    public var key: ServiceKey
    public var scheduler: Scheduler
    public var schedulerFlags: SchedulerFlags
    /// One-packet scheduling: every UDP datagram is scheduled on its own.
    public var onePacket: Bool
    /// nil: not persistent.
    public var persistence: Persistence?
    /// Sorted by address and port, at most one per key.
    public var servers: [RealServer] {
        didSet { servers.sort { $0.key < $1.key } }
    }

    public init(key: ServiceKey, scheduler: Scheduler = .wlc, schedulerFlags: SchedulerFlags = [],
                onePacket: Bool = false, persistence: Persistence? = nil, servers: [RealServer] = []) {
        self.key = key
        self.scheduler = scheduler
        self.schedulerFlags = schedulerFlags
        self.onePacket = onePacket
        self.persistence = persistence
        self.servers = servers.sorted { $0.key < $1.key }
    }

    /// The same service without its servers: what a service create or edit sends to the kernel.
    public var withoutServers: VirtualService {
        var copy = self
        copy.servers = []
        return copy
    }

    /// Whether everything but the servers is the same: what decides that a service needs an
    /// edit. Field by field, without copying either service: a plan compares tens of thousands.
    /// A test keeps this in step with the stored properties.
    public func hasSameSettings(as other: VirtualService) -> Bool {
        key == other.key && scheduler == other.scheduler && schedulerFlags == other.schedulerFlags
            && onePacket == other.onePacket && persistence == other.persistence
    }

    public func server(_ key: ServerKey) -> RealServer? { servers.first { $0.key == key } }
}
