/// What the kernel holds right now: the table in the model's own types, plus what only the
/// kernel knows (version, counters).
public struct LiveState: Hashable, Sendable, Codable {
    public var table: IPVSTable
    public var info: KernelInfo?
    /// Counters per service; empty when they were not read.
    public var statistics: [ServiceKey: ServiceStatistics]

    public init(table: IPVSTable, info: KernelInfo? = nil, statistics: [ServiceKey: ServiceStatistics] = [:]) {
        self.table = table
        self.info = info
        self.statistics = statistics
    }
}

/// The IPVS version and connection-table size the kernel reports.
public struct KernelInfo: Hashable, Sendable, Codable {
    /// `1.2.1`
    public var version: String
    public var connectionTableSize: UInt32

    public init(version: String, connectionTableSize: UInt32) {
        self.version = version
        self.connectionTableSize = connectionTableSize
    }
}

/// Traffic counters since the last zeroing, and the estimator's current rates, all 64-bit.
public struct Counters: Hashable, Sendable, Codable {
    public var connections: UInt64 = 0
    public var inPackets: UInt64 = 0
    public var outPackets: UInt64 = 0
    public var inBytes: UInt64 = 0
    public var outBytes: UInt64 = 0
    public var connectionsPerSecond: UInt64 = 0
    public var inPacketsPerSecond: UInt64 = 0
    public var outPacketsPerSecond: UInt64 = 0
    public var inBytesPerSecond: UInt64 = 0
    public var outBytesPerSecond: UInt64 = 0

    public init() {}
}

/// A real server's counters and its current connections.
public struct ServerStatistics: Hashable, Sendable, Codable {
    public var counters: Counters
    public var activeConnections: UInt32
    public var inactiveConnections: UInt32
    /// Persistence templates pointing at this server.
    public var persistentConnections: UInt32

    public init(counters: Counters = Counters(), activeConnections: UInt32 = 0, inactiveConnections: UInt32 = 0,
                persistentConnections: UInt32 = 0) {
        self.counters = counters
        self.activeConnections = activeConnections
        self.inactiveConnections = inactiveConnections
        self.persistentConnections = persistentConnections
    }
}

/// A service's counters and those of each of its servers.
public struct ServiceStatistics: Hashable, Sendable, Codable {
    public var counters: Counters
    public var servers: ServerStatisticsList

    public init(counters: Counters = Counters(), servers: ServerStatisticsList = ServerStatisticsList()) {
        self.counters = counters
        self.servers = servers
    }
}

/// The statistics of a service's servers, looked up by server.
///
/// An array sorted by server rather than a dictionary: a service has a handful of servers, and
/// one dictionary per service cost a full read of a large table a tenth of its time and a
/// third of its memory.
public struct ServerStatisticsList: Hashable, Sendable, Codable {
    public struct Entry: Hashable, Sendable, Codable {
        public var server: ServerKey
        public var statistics: ServerStatistics

        public init(server: ServerKey, statistics: ServerStatistics) {
            self.server = server
            self.statistics = statistics
        }
    }

    /// Sorted by server.
    public private(set) var entries: [Entry]

    public init(_ entries: [Entry] = []) {
        self.entries = entries.sorted { $0.server < $1.server }
    }

    public var count: Int { entries.count }

    public subscript(server: ServerKey) -> ServerStatistics? {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].server < server { low = middle + 1 } else { high = middle }
        }
        return low < entries.count && entries[low].server == server ? entries[low].statistics : nil
    }
}
