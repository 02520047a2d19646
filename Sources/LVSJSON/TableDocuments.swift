import LVSModel

// The shapes every document shares, in the config file's own words: a snapshot's services and
// a config's services are the same objects (docs/schema/common.schema.json).

/// A virtual service as the config file writes it; `name`, `match` only in configs, `stats`
/// only in snapshots read with counters.
struct ServiceDocument: JSONWritable {
    var name: String?
    var vip: String?
    var `protocol`: String?
    var port: UInt16?
    var fwmark: UInt32?
    var family: String?
    var match: MatchDocument?
    var scheduler: String
    var flags: [String]
    var persistence: PersistenceDocument?
    var servers: [ServerDocument]
    /// Snapshots only: the kernel's order of the servers, where it is not the canonical one.
    var kernelOrder: [String]?
    var stats: CountersDocument?

    static let keys = ["name", "vip", "protocol", "port", "fwmark", "family", "match", "scheduler", "flags",
                       "persistence", "servers", "kernel_order", "stats"]

    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("name", name)
            w.member("vip", vip)
            w.member("protocol", self.protocol)
            w.member("port", port)
            w.member("fwmark", fwmark)
            w.member("family", family)
            w.member("match", match)
            w.member("scheduler", scheduler)
            w.key("flags")
            w.array(flags) { $0.string($1) }
            w.member("persistence", persistence)
            w.member("servers", servers)
            if let kernelOrder {
                w.key("kernel_order")
                w.array(kernelOrder) { $0.string($1) }
            }
            w.member("stats", stats)
        }
    }

    init(_ service: VirtualService, name: String? = nil, match: FirewallMatch? = nil, fullNAT: Set<ServerKey> = [],
         statistics: ServiceStatistics? = nil) {
        self.name = name
        switch service.key {
        case .address(let proto, let address, let port):
            (vip, self.protocol, self.port) = (address.description, proto.rawValue, port)
        case .fwmark(let mark, let family):
            (fwmark, self.family) = (mark, family.rawValue)
        }
        self.match = match.map(MatchDocument.init)
        scheduler = service.scheduler.rawValue
        flags = (service.onePacket ? ["one-packet"] : []) + service.schedulerFlags.names(for: service.scheduler)
        persistence = service.persistence.map(PersistenceDocument.init)
        servers = service.servers.map {
            ServerDocument($0, fullNAT: fullNAT.contains($0.key), statistics: statistics?.servers[$0.key])
        }
        kernelOrder = service.kernelOrder?.map(\.description)
        stats = statistics.map { CountersDocument($0.counters) }
    }
}

/// A real server as the config file writes it: `forward` names the method (`fullnat` in
/// configs), `tunnel` its encapsulation, thresholds absent when 0.
struct ServerDocument: JSONWritable {
    var address: String
    var port: UInt16
    var forward: String
    var tunnel: TunnelDocument?
    var weight: UInt32
    var maxConns: UInt32?
    var minConns: UInt32?
    var activeConns: UInt32?
    var inactiveConns: UInt32?
    var persistentConns: UInt32?
    var stats: CountersDocument?

    static let keys = ["address", "port", "forward", "tunnel", "weight", "max_conns", "min_conns", "active_conns",
                       "inactive_conns", "persistent_conns", "stats"]

    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("address", address)
            w.member("port", port)
            w.member("forward", forward)
            w.member("tunnel", tunnel)
            w.member("weight", weight)
            w.member("max_conns", maxConns)
            w.member("min_conns", minConns)
            w.member("active_conns", activeConns)
            w.member("inactive_conns", inactiveConns)
            w.member("persistent_conns", persistentConns)
            w.member("stats", stats)
        }
    }

    init(_ server: RealServer, fullNAT: Bool, statistics: ServerStatistics?) {
        address = server.address.description
        port = server.port
        forward = fullNAT ? "fullnat" : server.forwarding.name
        if case .tunnel(let tunnel) = server.forwarding { self.tunnel = TunnelDocument(tunnel) }
        weight = server.weight
        maxConns = server.upperThreshold == 0 ? nil : server.upperThreshold
        minConns = server.lowerThreshold == 0 ? nil : server.lowerThreshold
        activeConns = statistics?.activeConnections
        inactiveConns = statistics?.inactiveConnections
        persistentConns = statistics?.persistentConnections
        stats = statistics.map { CountersDocument($0.counters) }
    }
}

struct TunnelDocument: JSONWritable {
    var type: String
    var port: UInt16?
    var checksum: String?

    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("type", type)
            w.member("port", port)
            w.member("checksum", checksum)
        }
    }

    init(_ tunnel: Tunnel) {
        type = tunnel.typeName
        switch tunnel {
        case .ipip: break
        case .gue(let port, let checksum): (self.port, self.checksum) = (port, checksum.rawValue)
        case .gre(let checksum): self.checksum = checksum.rawValue
        }
    }
}

/// `netmask` is always a prefix length, which the config accepts for both families.
struct PersistenceDocument: JSONWritable {
    var timeout: UInt32
    var netmask: Int
    var engine: String?

    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("timeout", timeout)
            w.member("netmask", netmask)
            w.member("engine", engine)
        }
    }

    init(_ persistence: Persistence) {
        timeout = persistence.timeout
        netmask = persistence.netmaskLength
        engine = persistence.engine
    }
}

struct MatchDocument: JSONWritable {
    var vip: String
    var `protocol`: String
    var ports: [PortDocument]

    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("vip", vip)
            w.member("protocol", self.protocol)
            w.member("ports", ports)
        }
    }

    init(_ match: FirewallMatch) {
        vip = match.vip.description
        self.protocol = match.protocol.rawValue
        ports = match.ports.map(PortDocument.init)
    }
}

/// A port (`80`) or a range (`"8000-8080"`), as config lists write them.
struct PortDocument: JSONWritable {
    var lower: UInt32
    var upper: UInt32

    init(_ range: PortRange) { (lower, upper) = (UInt32(range.lower), UInt32(range.upper)) }
    init(_ range: ClosedRange<UInt32>) { (lower, upper) = (range.lowerBound, range.upperBound) }

    func write(to writer: inout JSONWriter) {
        if lower == upper { writer.number(lower) } else { writer.string("\(lower)-\(upper)") }
    }
}

struct TimeoutsDocument: JSONWritable {
    var tcp: UInt32?
    var tcpfin: UInt32?
    var udp: UInt32?

    static let keys = ["tcp", "tcpfin", "udp"]

    init(_ timeouts: Timeouts) { (tcp, tcpfin, udp) = (timeouts.tcp, timeouts.tcpFin, timeouts.udp) }

    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("tcp", tcp)
            w.member("tcpfin", tcpfin)
            w.member("udp", udp)
        }
    }
}

struct SyncDocument: JSONWritable {
    var state: String
    var interface: String
    var syncid: UInt32
    var maxlen: UInt16?
    var group: String?
    var port: UInt16?
    var ttl: UInt8?

    static let keys = ["state", "interface", "syncid", "maxlen", "group", "port", "ttl"]

    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("state", state)
            w.member("interface", interface)
            w.member("syncid", syncid)
            w.member("maxlen", maxlen)
            w.member("group", group)
            w.member("port", port)
            w.member("ttl", ttl)
        }
    }

    init(_ daemon: SyncDaemon) {
        state = daemon.state.rawValue
        interface = daemon.interface
        syncid = daemon.syncID
        maxlen = daemon.maxLength
        group = daemon.group?.description
        port = daemon.port
        ttl = daemon.ttl
    }
}

/// Traffic counters, snake_case.
struct CountersDocument: JSONWritable {
    var connections, inPackets, outPackets, inBytes, outBytes: UInt64
    var connectionsPerSecond, inPacketsPerSecond, outPacketsPerSecond, inBytesPerSecond, outBytesPerSecond: UInt64

    func write(to writer: inout JSONWriter) {
        writer.object { w in
            for (name, value) in [("connections", connections), ("in_packets", inPackets), ("out_packets", outPackets),
                                  ("in_bytes", inBytes), ("out_bytes", outBytes), ("connections_per_second", connectionsPerSecond),
                                  ("in_packets_per_second", inPacketsPerSecond), ("out_packets_per_second", outPacketsPerSecond),
                                  ("in_bytes_per_second", inBytesPerSecond), ("out_bytes_per_second", outBytesPerSecond)] {
                w.member(name, value)
            }
        }
    }

    init(_ c: Counters) {
        (connections, inPackets, outPackets, inBytes, outBytes) = (c.connections, c.inPackets, c.outPackets, c.inBytes, c.outBytes)
        (connectionsPerSecond, inPacketsPerSecond, outPacketsPerSecond, inBytesPerSecond, outBytesPerSecond) =
            (c.connectionsPerSecond, c.inPacketsPerSecond, c.outPacketsPerSecond, c.inBytesPerSecond, c.outBytesPerSecond)
    }
}

/// A service key in config words: `{ vip, protocol, port }` or `{ fwmark, family }`.
struct ServiceKeyDocument: JSONWritable {
    var vip: String?
    var `protocol`: String?
    var port: UInt16?
    var fwmark: UInt32?
    var family: String?

    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("vip", vip)
            w.member("protocol", self.protocol)
            w.member("port", port)
            w.member("fwmark", fwmark)
            w.member("family", family)
        }
    }

    init(_ key: ServiceKey) {
        switch key {
        case .address(let proto, let address, let port):
            (vip, self.protocol, self.port) = (address.description, proto.rawValue, port)
        case .fwmark(let mark, let family):
            (fwmark, self.family) = (mark, family.rawValue)
        }
    }
}

/// A server key: `{ address, port }`.
struct ServerKeyDocument: JSONWritable {
    var address: String
    var port: UInt16

    init(_ key: ServerKey) { (address, port) = (key.address.description, key.port) }

    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("address", address)
            w.member("port", port)
        }
    }
}
