import LVSModel

// The shapes every document shares, in the config file's own words: a snapshot's services and
// a config's services are the same objects (docs/schema/common.schema.json).

/// A virtual service as the config file writes it; `name`, `match` only in configs, `stats`
/// only in snapshots read with counters.
struct ServiceDocument: Encodable {
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
    var stats: CountersDocument?

    static let keys = ["name", "vip", "protocol", "port", "fwmark", "family", "match", "scheduler", "flags",
                       "persistence", "servers", "stats"]

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
        stats = statistics.map { CountersDocument($0.counters) }
    }
}

/// A real server as the config file writes it: `forward` names the method (`fullnat` in
/// configs), `tunnel` its encapsulation, thresholds absent when 0.
struct ServerDocument: Encodable {
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

    enum CodingKeys: String, CodingKey, CaseIterable {
        case address, port, forward, tunnel, weight, stats
        case maxConns = "max_conns", minConns = "min_conns", activeConns = "active_conns"
        case inactiveConns = "inactive_conns", persistentConns = "persistent_conns"
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

struct TunnelDocument: Encodable {
    var type: String
    var port: UInt16?
    var checksum: String?

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
struct PersistenceDocument: Encodable {
    var timeout: UInt32
    var netmask: Int
    var engine: String?

    init(_ persistence: Persistence) {
        timeout = persistence.timeout
        netmask = persistence.netmaskLength
        engine = persistence.engine
    }
}

struct MatchDocument: Encodable {
    var vip: String
    var `protocol`: String
    var ports: [PortDocument]

    init(_ match: FirewallMatch) {
        vip = match.vip.description
        self.protocol = match.protocol.rawValue
        ports = match.ports.map(PortDocument.init)
    }
}

/// A port (`80`) or a range (`"8000-8080"`), as config lists write them.
struct PortDocument: Encodable {
    var lower: UInt32
    var upper: UInt32

    init(_ range: PortRange) { (lower, upper) = (UInt32(range.lower), UInt32(range.upper)) }
    init(_ range: ClosedRange<UInt32>) { (lower, upper) = (range.lowerBound, range.upperBound) }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if lower == upper { try container.encode(lower) } else { try container.encode("\(lower)-\(upper)") }
    }
}

struct TimeoutsDocument: Encodable {
    var tcp: UInt32?
    var tcpfin: UInt32?
    var udp: UInt32?

    static let keys = ["tcp", "tcpfin", "udp"]

    init(_ timeouts: Timeouts) { (tcp, tcpfin, udp) = (timeouts.tcp, timeouts.tcpFin, timeouts.udp) }
}

struct SyncDocument: Encodable {
    var state: String
    var interface: String
    var syncid: UInt32
    var maxlen: UInt16?
    var group: String?
    var port: UInt16?
    var ttl: UInt8?

    static let keys = ["state", "interface", "syncid", "maxlen", "group", "port", "ttl"]

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
struct CountersDocument: Encodable {
    var connections, inPackets, outPackets, inBytes, outBytes: UInt64
    var connectionsPerSecond, inPacketsPerSecond, outPacketsPerSecond, inBytesPerSecond, outBytesPerSecond: UInt64

    enum CodingKeys: String, CodingKey {
        case connections, inPackets = "in_packets", outPackets = "out_packets", inBytes = "in_bytes", outBytes = "out_bytes"
        case connectionsPerSecond = "connections_per_second", inPacketsPerSecond = "in_packets_per_second"
        case outPacketsPerSecond = "out_packets_per_second", inBytesPerSecond = "in_bytes_per_second"
        case outBytesPerSecond = "out_bytes_per_second"
    }

    init(_ c: Counters) {
        (connections, inPackets, outPackets, inBytes, outBytes) = (c.connections, c.inPackets, c.outPackets, c.inBytes, c.outBytes)
        (connectionsPerSecond, inPacketsPerSecond, outPacketsPerSecond, inBytesPerSecond, outBytesPerSecond) =
            (c.connectionsPerSecond, c.inPacketsPerSecond, c.outPacketsPerSecond, c.inBytesPerSecond, c.outBytesPerSecond)
    }
}

/// A service key in config words: `{ vip, protocol, port }` or `{ fwmark, family }`.
struct ServiceKeyDocument: Encodable, Equatable {
    var vip: String?
    var `protocol`: String?
    var port: UInt16?
    var fwmark: UInt32?
    var family: String?

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
struct ServerKeyDocument: Encodable, Equatable {
    var address: String
    var port: UInt16

    init(_ key: ServerKey) { (address, port) = (key.address.description, key.port) }
}
