import LVSModel

/// The IPVS counters of managed services and their servers in the Prometheus text format,
/// labelled as node_exporter's ipvs collector labels its `node_ipvs_*` series (`local_address`,
/// `local_port`, `local_mark`, `proto`, `remote_address`, `remote_port`) plus the config's
/// `service` name. A table of 64,000 servers is over half a million lines: each series' labels
/// are written once per service and server and copied into every family.
enum IPVSMetrics {
    private typealias Family = (name: String, type: String, help: String)

    private static let serviceFamilies: [(Family, @Sendable (Counters) -> UInt64)] = [
        (("lvsctl_ipvs_connections_total", "counter", "Connections a service scheduled."), { $0.connections }),
        (("lvsctl_ipvs_incoming_packets_total", "counter", "Packets from clients to a service."), { $0.inPackets }),
        (("lvsctl_ipvs_outgoing_packets_total", "counter", "Packets from a service's servers to clients."), { $0.outPackets }),
        (("lvsctl_ipvs_incoming_bytes_total", "counter", "Bytes from clients to a service."), { $0.inBytes }),
        (("lvsctl_ipvs_outgoing_bytes_total", "counter", "Bytes from a service's servers to clients."), { $0.outBytes }),
    ]

    private static let serverFamilies: [(Family, @Sendable (RealServer, ServerStatistics) -> UInt64)] = [
        (("lvsctl_ipvs_backend_connections_total", "counter", "Connections scheduled to a real server."), { $1.counters.connections }),
        (("lvsctl_ipvs_backend_incoming_packets_total", "counter", "Packets to a real server."), { $1.counters.inPackets }),
        (("lvsctl_ipvs_backend_outgoing_packets_total", "counter", "Packets from a real server."), { $1.counters.outPackets }),
        (("lvsctl_ipvs_backend_incoming_bytes_total", "counter", "Bytes to a real server."), { $1.counters.inBytes }),
        (("lvsctl_ipvs_backend_outgoing_bytes_total", "counter", "Bytes from a real server."), { $1.counters.outBytes }),
        (("lvsctl_ipvs_backend_connections_active", "gauge", "Established connections of a real server."), { UInt64($1.activeConnections) }),
        (("lvsctl_ipvs_backend_connections_inactive", "gauge", "Other connections of a real server."), { UInt64($1.inactiveConnections) }),
        (("lvsctl_ipvs_backend_weight", "gauge", "A real server's weight in the kernel."), { server, _ in UInt64(server.weight) }),
    ]

    /// Appends the series of every service of `live` that `desired` holds.
    static func render(_ live: LiveState, desired: DesiredState, into buffer: inout [UInt8]) {
        let wanted = Set(desired.table.services.map(\.key))
        let services = live.table.services.filter { wanted.contains($0.key) }
        let serviceLabels = services.map { labels(of: $0.key, name: desired.names[$0.key]) }
        for (family, value) in serviceFamilies {
            header(family, into: &buffer)
            for (service, labels) in zip(services, serviceLabels) {
                sample(family.name, labels + "}", value(live.statistics[service.key]?.counters ?? Counters()), into: &buffer)
            }
        }
        var servers: [(server: RealServer, statistics: ServerStatistics, labels: String)] = []
        for (service, labels) in zip(services, serviceLabels) {
            let statistics = live.statistics[service.key]?.servers
            for server in service.servers {
                let remote = labels + ",remote_address=\"\(server.address)\",remote_port=\"\(server.port)\"}"
                servers.append((server, statistics?[server.key] ?? ServerStatistics(), remote))
            }
        }
        for (family, value) in serverFamilies {
            header(family, into: &buffer)
            for entry in servers { sample(family.name, entry.labels, value(entry.server, entry.statistics), into: &buffer) }
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

    private static func header(_ family: Family, into buffer: inout [UInt8]) {
        buffer += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n".utf8
    }

    private static func sample(_ name: String, _ labels: String, _ value: UInt64, into buffer: inout [UInt8]) {
        buffer += name.utf8
        buffer += labels.utf8
        buffer.append(UInt8(ascii: " "))
        buffer += String(value).utf8
        buffer.append(UInt8(ascii: "\n"))
    }
}
