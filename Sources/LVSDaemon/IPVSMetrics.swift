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
    private struct Family {
        let name: [UInt8]
        let header: [UInt8]

        init(_ name: String, _ type: String, _ help: String) {
            self.name = Array(name.utf8)
            header = Array("# HELP \(name) \(help)\n# TYPE \(name) \(type)\n".utf8)
        }
    }

    /// In the order of `Series.serviceValues`' columns.
    private static let serviceFamilies = [
        Family("lvsctl_ipvs_connections_total", "counter", "Connections a service scheduled."),
        Family("lvsctl_ipvs_incoming_packets_total", "counter", "Packets from clients to a service."),
        Family("lvsctl_ipvs_outgoing_packets_total", "counter", "Packets from a service's servers to clients."),
        Family("lvsctl_ipvs_incoming_bytes_total", "counter", "Bytes from clients to a service."),
        Family("lvsctl_ipvs_outgoing_bytes_total", "counter", "Bytes from a service's servers to clients."),
    ]

    /// In the order of `Series.serverValues`' columns.
    private static let serverFamilies = [
        Family("lvsctl_ipvs_backend_connections_total", "counter", "Connections scheduled to a real server."),
        Family("lvsctl_ipvs_backend_incoming_packets_total", "counter", "Packets to a real server."),
        Family("lvsctl_ipvs_backend_outgoing_packets_total", "counter", "Packets from a real server."),
        Family("lvsctl_ipvs_backend_incoming_bytes_total", "counter", "Bytes to a real server."),
        Family("lvsctl_ipvs_backend_outgoing_bytes_total", "counter", "Bytes from a real server."),
        Family("lvsctl_ipvs_backend_connections_active", "gauge", "Established connections of a real server."),
        Family("lvsctl_ipvs_backend_connections_inactive", "gauge", "Other connections of a real server."),
        Family("lvsctl_ipvs_backend_weight", "gauge", "A real server's weight in the kernel."),
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
            IPVSMetrics.forEachManaged(live, desired) { service in
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
    }

    /// Calls `body` with each service of `live` that `desired` holds, in order: a walk of the two
    /// sorted tables side by side, with nothing hashed.
    private static func forEachManaged(_ live: LiveState, _ desired: DesiredState, _ body: (VirtualService) -> Void) {
        var wanted = desired.table.services.makeIterator()
        var next = wanted.next()?.key
        for service in live.table.services {
            while let key = next, key < service.key { next = wanted.next()?.key }
            guard next == service.key else { continue }
            body(service)
        }
    }

    /// The metric families, each rendered whole into one part of the response.
    static var familyCount: Int { serviceFamilies.count + serverFamilies.count }

    /// One scrape's series: `layout`'s labels and, for each of its series, a row of the values
    /// of `live`, a column per metric family.
    struct Series: Sendable {
        let layout: Layout
        private let serviceValues: [UInt64]
        private let serverValues: [UInt64]

        /// The values of every service of `live` that `desired` holds; `layout` is made again
        /// first when the table's shape changed.
        init(_ live: LiveState, desired: DesiredState, layout: inout Layout) {
            var values = Self.read(live, desired, layout)
            if values == nil {
                layout = Layout(live, desired: desired)
                values = Self.read(live, desired, layout)
            }
            self.layout = layout
            (serviceValues, serverValues) = values ?? ([], [])
        }

        /// The values of `live`'s managed services in rows; nil as soon as they do not have
        /// `layout`'s shape.
        private static func read(_ live: LiveState, _ desired: DesiredState, _ layout: Layout) -> (services: [UInt64], servers: [UInt64])? {
            guard layout.names == desired.names else { return nil }
            var serviceValues: [UInt64] = []
            var serverValues: [UInt64] = []
            serviceValues.reserveCapacity(layout.services.count * serviceFamilies.count)
            serverValues.reserveCapacity(layout.servers.count * serverFamilies.count)
            var service = 0
            var server = 0
            var fits = true
            IPVSMetrics.forEachManaged(live, desired) { entry in
                guard fits, service < layout.services.count, layout.services[service] == entry.key,
                      server + entry.servers.count <= layout.servers.count else {
                    fits = false
                    return
                }
                service += 1
                let statistics = live.statistics[entry.key]
                append(statistics?.counters ?? Counters(), to: &serviceValues)
                // Both lists are sorted by server: walked side by side.
                let listed = statistics?.servers.entries ?? []
                var position = 0
                for each in entry.servers {
                    guard layout.servers[server] == each.key else {
                        fits = false
                        return
                    }
                    server += 1
                    while position < listed.count, listed[position].server < each.key { position += 1 }
                    let found = position < listed.count && listed[position].server == each.key ? listed[position].statistics : ServerStatistics()
                    append(found.counters, to: &serverValues)
                    serverValues.append(UInt64(found.activeConnections))
                    serverValues.append(UInt64(found.inactiveConnections))
                    serverValues.append(UInt64(each.weight))
                }
            }
            guard fits, service == layout.services.count, server == layout.servers.count else { return nil }
            return (serviceValues, serverValues)
        }

        /// The columns the service and server families share, in their order.
        private static func append(_ counters: Counters, to values: inout [UInt64]) {
            values.append(counters.connections)
            values.append(counters.inPackets)
            values.append(counters.outPackets)
            values.append(counters.inBytes)
            values.append(counters.outBytes)
        }

        /// Appends family `index` (below `familyCount`): its header and a line per series.
        func render(family index: Int, into buffer: inout ByteBuffer) {
            if index < serviceFamilies.count {
                write(serviceFamilies[index], labels: layout.serviceLabels, values: serviceValues, column: index,
                      columns: serviceFamilies.count, into: &buffer)
            } else {
                let column = index - serviceFamilies.count
                write(serverFamilies[column], labels: layout.serverLabels, values: serverValues, column: column,
                      columns: serverFamilies.count, into: &buffer)
            }
        }

        private func write(_ family: Family, labels: [Range<Int>], values: [UInt64], column: Int, columns: Int,
                           into buffer: inout ByteBuffer) {
            // Each line is its name, its labels, a space, at most 20 digits and a line feed.
            let capacity = family.header.count + labels.count * (family.name.count + 22) + labels.reduce(0) { $0 + $1.count }
            _ = layout.pool.withUnsafeBytes { pool in
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { output in
                    var writer = LineWriter(output: output.baseAddress!, pool: pool.baseAddress!)
                    writer.copy(family.header)
                    for (row, range) in labels.enumerated() { writer.line(family.name, range, values[row * columns + column]) }
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
