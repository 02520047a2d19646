import LVSModel

extension Counters {
    /// Reads a `STATS64` nest, or the older 32-bit `STATS` one (the reader takes any width).
    init(statistics nest: Attribute) throws(NetlinkError) {
        let table = try nest.nested()
        func value(_ type: Int32) -> UInt64 { table[type]?.unsigned ?? 0 }
        self.init()
        connections = value(StatsAttribute.connections)
        inPackets = value(StatsAttribute.inPackets)
        outPackets = value(StatsAttribute.outPackets)
        inBytes = value(StatsAttribute.inBytes)
        outBytes = value(StatsAttribute.outBytes)
        connectionsPerSecond = value(StatsAttribute.connectionsPerSecond)
        inPacketsPerSecond = value(StatsAttribute.inPacketsPerSecond)
        outPacketsPerSecond = value(StatsAttribute.outPacketsPerSecond)
        inBytesPerSecond = value(StatsAttribute.inBytesPerSecond)
        outBytesPerSecond = value(StatsAttribute.outBytesPerSecond)
    }

    /// The counters of a service or destination nest: `STATS64` when present, else `STATS`.
    init(in table: AttributeTable, stats64: Int32, stats: Int32) throws(NetlinkError) {
        if let nest = table[stats64] ?? table[stats] {
            try self.init(statistics: nest)
        } else {
            self.init()
        }
    }
}
