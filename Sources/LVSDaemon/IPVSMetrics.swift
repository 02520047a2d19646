import LVSModel
import NIOCore

/// The IPVS counters of managed services and their servers in the Prometheus text format,
/// labelled as node_exporter's ipvs collector labels its `node_ipvs_*` series (`local_address`,
/// `local_port`, `local_mark`, `proto`, `remote_address`, `remote_port`) plus the config's
/// `service` name. A table of 64,000 servers is over half a million lines and a hundred MB: each
/// series' labels are kept in a pool from one scrape to the next, and every line is copied from
/// the pool straight into the buffer of its metric family's part of the response, sized
/// beforehand, with no string or array made per line.
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

    /// Every series' label set, braces included, one after another in a pool, for one shape of
    /// the table: which services and servers are managed, and their names. Made again only when
    /// that shape changes, not at every scrape.
    struct Layout {
        var pool: [UInt8] = []
        var services: [ServiceKey] = []
        var serviceLabels: [Range<Int>] = []
        /// Each service's servers, in the table's order, flattened.
        var servers: [ServerKey] = []
        var serverLabels: [Range<Int>] = []
        var names: [ServiceKey: String] = [:]

        init() {}

        init(_ live: LiveState, desired: DesiredState) {
            names = desired.names
            for service in IPVSMetrics.managed(live, desired) {
                let own = Array(IPVSMetrics.labels(of: service.key, name: desired.names[service.key]).utf8)
                let start = pool.count
                pool += own
                pool.append(UInt8(ascii: "}"))
                services.append(service.key)
                serviceLabels.append(start..<pool.count)
                for server in service.servers {
                    let serverStart = pool.count
                    pool += own
                    pool += ",remote_address=\"\(server.address)\",remote_port=\"\(server.port)\"}".utf8
                    servers.append(server.key)
                    serverLabels.append(serverStart..<pool.count)
                }
            }
        }

        /// Whether `live` and `desired` have this shape.
        func fits(_ live: LiveState, _ desired: DesiredState) -> Bool {
            guard names == desired.names else { return false }
            var service = 0
            var server = 0
            for entry in IPVSMetrics.managed(live, desired) {
                guard service < services.count, services[service] == entry.key,
                      server + entry.servers.count <= servers.count else { return false }
                for each in entry.servers {
                    guard servers[server] == each.key else { return false }
                    server += 1
                }
                service += 1
            }
            return service == services.count && server == servers.count
        }
    }

    private static func managed(_ live: LiveState, _ desired: DesiredState) -> LazyFilterSequence<[VirtualService]> {
        let wanted = Set(desired.table.services.map(\.key))
        return live.table.services.lazy.filter { wanted.contains($0.key) }
    }

    /// The metric families, each rendered whole into one part of the response.
    static var familyCount: Int { serviceFamilies.count + serverFamilies.count }

    /// One scrape's series: `layout`'s labels and the values of `live`, rendered a metric family
    /// at a time.
    struct Series: Sendable {
        let layout: Layout
        private var serviceCounters: [Counters] = []
        private var serverValues: [(RealServer, ServerStatistics)] = []

        /// The values of every service of `live` that `desired` holds; `layout` is made again
        /// first when the table's shape changed.
        init(_ live: LiveState, desired: DesiredState, layout: inout Layout) {
            if !layout.fits(live, desired) { layout = Layout(live, desired: desired) }
            self.layout = layout
            serviceCounters.reserveCapacity(layout.services.count)
            serverValues.reserveCapacity(layout.servers.count)
            for service in managed(live, desired) {
                let statistics = live.statistics[service.key]
                serviceCounters.append(statistics?.counters ?? Counters())
                for server in service.servers { serverValues.append((server, statistics?.servers[server.key] ?? ServerStatistics())) }
            }
        }

        /// Appends family `index` (below `familyCount`): its header and a line per series.
        func render(family index: Int, into buffer: inout ByteBuffer) {
            if index < serviceFamilies.count {
                let ((name, header), value) = serviceFamilies[index]
                write(header, name, labels: layout.serviceLabels, into: &buffer) { value(serviceCounters[$0]) }
            } else {
                let ((name, header), value) = serverFamilies[index - serviceFamilies.count]
                write(header, name, labels: layout.serverLabels, into: &buffer) { value(serverValues[$0].0, serverValues[$0].1) }
            }
        }

        private func write(_ header: [UInt8], _ name: [UInt8], labels: [Range<Int>], into buffer: inout ByteBuffer,
                           value: (Int) -> UInt64) {
            // Each line is its name, its labels, a space, at most 20 digits and a line feed.
            let capacity = header.count + labels.count * (name.count + 22) + labels.reduce(0) { $0 + $1.count }
            _ = layout.pool.withUnsafeBytes { pool in
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { output in
                    var writer = LineWriter(output: output.baseAddress!, pool: pool.baseAddress!)
                    writer.copy(header)
                    for (index, range) in labels.enumerated() { writer.line(name, range, value(index)) }
                    return writer.written
                }
            }
        }
    }

    /// `{service="…",local_address="…",local_port="…",local_mark="…",proto="…"` without the brace
    /// that closes it.
    fileprivate static func labels(of key: ServiceKey, name: String?) -> String {
        let service = "{service=\"\(escaped(name ?? key.description))\""
        switch key {
        case .address(let proto, let address, let port):
            return service + ",local_address=\"\(address)\",local_port=\"\(port)\",local_mark=\"\",proto=\"\(proto.rawValue.uppercased())\""
        case .fwmark(let mark, _):
            return service + ",local_address=\"\",local_port=\"0\",local_mark=\"\(mark)\",proto=\"\""
        }
    }

    /// A label value as the text format wants it: backslash, quote and line feed escaped.
    static func escaped(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == 0x0A }) else { return value }
        return value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
    }

    /// Writes lines into memory sized for them beforehand: plain copies, no capacity checks.
    private struct LineWriter {
        let output: UnsafeMutableRawPointer
        let pool: UnsafeRawPointer
        var written = 0

        init(output: UnsafeMutableRawPointer, pool: UnsafeRawPointer) {
            self.output = output
            self.pool = pool
        }

        mutating func copy(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { (output + written).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            written += bytes.count
        }

        /// `NAME{LABELS} VALUE\n`.
        mutating func line(_ name: [UInt8], _ labels: Range<Int>, _ value: UInt64) {
            copy(name)
            (output + written).copyMemory(from: pool + labels.lowerBound, byteCount: labels.count)
            written += labels.count
            output.storeBytes(of: UInt8(ascii: " "), toByteOffset: written, as: UInt8.self)
            written += 1
            var digits = 1
            var rest = value / 10
            while rest > 0 {
                digits += 1
                rest /= 10
            }
            rest = value
            for offset in stride(from: written + digits - 1, through: written, by: -1) {
                output.storeBytes(of: UInt8(ascii: "0") + UInt8(rest % 10), toByteOffset: offset, as: UInt8.self)
                rest /= 10
            }
            written += digits
            output.storeBytes(of: UInt8(ascii: "\n"), toByteOffset: written, as: UInt8.self)
            written += 1
        }
    }
}
