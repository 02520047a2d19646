/// A connection-synchronisation daemon: the master sends connection state to backups so that a
/// failover keeps established connections.
public struct SyncDaemon: Hashable, Sendable, Codable {
    public enum State: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
        case master
        case backup

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs == .master && rhs == .backup }
    }

    public static let defaultGroup = IPAddress(ipv4: 0xE000_0051)  // 224.0.0.81
    public static let defaultPort: UInt16 = 8848
    /// The kernel's limit on interface names, without the terminating NUL.
    public static let maximumInterfaceLength = DeviceName.maximumLength

    public var state: State
    public var interface: String
    /// Only the low byte travels in sync packets: 0–255.
    public var syncID: UInt32
    /// UDP payload size; nil: derived from the MTU by the kernel.
    public var maxLength: UInt16?
    /// Multicast group; nil: 224.0.0.81.
    public var group: IPAddress?
    /// UDP port; nil: 8848.
    public var port: UInt16?
    /// Multicast TTL; nil: 1.
    public var ttl: UInt8?

    public init(state: State, interface: String, syncID: UInt32 = 0, maxLength: UInt16? = nil,
                group: IPAddress? = nil, port: UInt16? = nil, ttl: UInt8? = nil) {
        self.state = state
        self.interface = interface
        self.syncID = syncID
        self.maxLength = maxLength
        self.group = group
        self.port = port
        self.ttl = ttl
    }
}
