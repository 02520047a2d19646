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
    /// The order of the kernel's list of this service's servers, as the kernel lists them
    /// (`ipvsadm -Ln --nosort`): the kernel puts each server it adds at the head, so the newest
    /// comes first. nil when the list is in the canonical order — descending by key, which
    /// adding the servers in ascending order gives — or when it is not known (a desired state,
    /// an `ipvsadm -S` text). Only readers of a table set it. The `mh` scheduler fills its
    /// lookup table walking this list, so directors that must choose alike need it alike
    /// (docs/ecmp.md).
    public var kernelOrder: [ServerKey]?

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
        copy.kernelOrder = nil
        return copy
    }

    /// The servers in the order they were added to the kernel's list, oldest first: the reverse
    /// of `kernelOrder`, or ascending by key when that is nil.
    public var additionOrder: [ServerKey] {
        kernelOrder.map { $0.reversed() } ?? servers.map(\.key)
    }

    /// `kernelOrder` for a list of servers as the kernel lists them: nil when it is the
    /// canonical order (strictly descending by key), the list otherwise.
    public static func kernelOrder(listed: [ServerKey]) -> [ServerKey]? {
        listed.indices.dropFirst().allSatisfy({ listed[$0] < listed[$0 - 1] }) ? nil : listed
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
