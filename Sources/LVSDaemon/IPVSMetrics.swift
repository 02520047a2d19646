import LVSModel

/// The IPVS counters of managed services and their servers in the Prometheus text format,
/// labelled as node_exporter's ipvs collector labels its `node_ipvs_*` series (`local_address`,
/// `local_port`, `local_mark`, `proto`, `remote_address`, `remote_port`) plus the config's
/// `service` name. A table of 64,000 servers is over half a million lines and a hundred MB: each
/// series' labels are written once into a pool and copied into every family, and numbers are
/// written digit by digit, with no string made per line.
enum IPVSMetrics {
    private typealias Family = (name: [UInt8], header: [UInt8])

    private static func family(_ name: String, _ type: String, _ help: String) -> Family {
        (Array(name.utf8), Array("# HELP \(name) \(help)\n# TYPE \(name) \(type)\n".utf8))
    }

    private static let serviceFamilies: [(Family, @Sendable (Counters) -> UInt64)] = [
        (family("lvsctl_ipvs_connections_total", "counter", "Connections a service scheduled."), { $0.connections }),
        (family("lvsctl_ipvs_incoming_packets_total", "counter", "Packets from clients to a service."), { $0.inPackets }),
        (family("lvsctl_ipvs_outgoing_packets_total", "counter", "Packets from a service's servers to clients."), { $0.outPackets }),
        (family("lvsctl_ipvs_incoming_bytes_total", "counter", "Bytes from clients to a service."), { $0.inBytes }),
        (family("lvsctl_ipvs_outgoing_bytes_total", "counter", "Bytes from a service's servers to clients."), { $0.outBytes }),
    ]

    private static let serverFamilies: [(Family, @Sendable (RealServer, ServerStatistics) -> UInt64)] = [
        (family("lvsctl_ipvs_backend_connections_total", "counter", "Connections scheduled to a real server."), { $1.counters.connections }),
        (family("lvsctl_ipvs_backend_incoming_packets_total", "counter", "Packets to a real server."), { $1.counters.inPackets }),
        (family("lvsctl_ipvs_backend_outgoing_packets_total", "counter", "Packets from a real server."), { $1.counters.outPackets }),
        (family("lvsctl_ipvs_backend_incoming_bytes_total", "counter", "Bytes to a real server."), { $1.counters.inBytes }),
        (family("lvsctl_ipvs_backend_outgoing_bytes_total", "counter", "Bytes from a real server."), { $1.counters.outBytes }),
        (family("lvsctl_ipvs_backend_connections_active", "gauge", "Established connections of a real server."), { UInt64($1.activeConnections) }),
        (family("lvsctl_ipvs_backend_connections_inactive", "gauge", "Other connections of a real server."), { UInt64($1.inactiveConnections) }),
        (family("lvsctl_ipvs_backend_weight", "gauge", "A real server's weight in the kernel."), { server, _ in UInt64(server.weight) }),
    ]

    /// Appends the series of every service of `live` that `desired` holds.
    static func render(_ live: LiveState, desired: DesiredState, into buffer: inout [UInt8]) {
        let wanted = Set(desired.table.services.map(\.key))
        let services = live.table.services.filter { wanted.contains($0.key) }
        // Every series' labels, braces included, one after another; a series is a range of them.
        var pool: [UInt8] = []
        var serviceLabels: [Range<Int>] = []
        var servers: [(server: RealServer, statistics: ServerStatistics, labels: Range<Int>)] = []
        serviceLabels.reserveCapacity(services.count)
        for service in services {
            let own = Array(labels(of: service.key, name: desired.names[service.key]).utf8)
            let start = pool.count
            pool += own
            pool.append(UInt8(ascii: "}"))
            serviceLabels.append(start..<pool.count)
            let statistics = live.statistics[service.key]?.servers
            for server in service.servers {
                let serverStart = pool.count
                pool += own
                pool += ",remote_address=\"\(server.address)\",remote_port=\"\(server.port)\"}".utf8
                servers.append((server, statistics?[server.key] ?? ServerStatistics(), serverStart..<pool.count))
            }
        }
        let lineOverhead = 24
        buffer.reserveCapacity(buffer.count + serviceFamilies.count * (serviceLabels.count * lineOverhead + pool.count / 2)
            + serverFamilies.count * (servers.count * lineOverhead + pool.count))
        pool.withUnsafeBufferPointer { pool in
            for ((name, header), value) in serviceFamilies {
                buffer += header
                for (service, labels) in zip(services, serviceLabels) {
                    sample(name, pool[labels], value(live.statistics[service.key]?.counters ?? Counters()), into: &buffer)
                }
            }
            for ((name, header), value) in serverFamilies {
                buffer += header
                for entry in servers { sample(name, pool[entry.labels], value(entry.server, entry.statistics), into: &buffer) }
            }
        }
    }

    /// `{service="…",local_address="…",local_port="…",local_mark="…",proto="…"` without the brace
    /// that closes it.
    private static func labels(of key: ServiceKey, name: String?) -> String {
        let service = "{service=\"\(escaped(name ?? key.description))\""
        switch key {
        case .address(let proto, let address, let port):
            return service + ",local_address=\"\(address)\",local_port=\"\(port)\",local_mark=\"\",proto=\"\(proto.rawValue.uppercased())\""
        case .fwmark(let mark, _):
            return service + ",local_address=\"\",local_port=\"0\",local_mark=\"\(mark)\",proto=\"\""
        }
    }

    /// A label value as the text format wants it: backslash, quote and line feed escaped.
    private static func escaped(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == 0x0A }) else { return value }
        return value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
    }

    private static func sample(_ name: [UInt8], _ labels: Slice<UnsafeBufferPointer<UInt8>>, _ value: UInt64,
                               into buffer: inout [UInt8]) {
        buffer += name
        buffer += labels
        buffer.append(UInt8(ascii: " "))
        let start = buffer.count
        var rest = value
        repeat {
            buffer.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        buffer[start...].reverse()
        buffer.append(UInt8(ascii: "\n"))
    }
}
