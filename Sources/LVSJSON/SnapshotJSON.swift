import LVSConfig
public import LVSModel

/// The JSON form of a live table: what `lvsctl get --output json` prints and `lvsctl plan
/// --live FILE` reads back, and a plan file's basis. Services and servers have the config
/// file's shapes (docs/schema/snapshot.schema.json).
public enum SnapshotJSON {
    public static let format = "lvsctl-snapshot/1"

    public static func encode(_ state: LiveState, statistics: Bool) -> String {
        DocumentEncoding.text(Document(state, statistics: statistics))
    }

    /// Reads a document written by `encode`. Refuses, at the offending line and column, what
    /// the kernel cannot hold: repeated services or servers, unknown keys, values out of range.
    public static func decode(_ bytes: [UInt8]) throws(JSONDocumentError) -> LiveState {
        try decode(JSONReader.read(bytes))
    }

    public static func decode(_ root: JSONNode) throws(JSONDocumentError) -> LiveState {
        let document = try root.object("the snapshot", keys: ["format", "kernel", "timeouts", "sync", "services"])
        try DocumentEncoding.checkFormat(document, format, producedBy: "lvsctl get --output json")
        var info: KernelInfo?
        if let node = document.optional("kernel") {
            let kernel = try node.object("kernel", keys: ["ipvs_version", "connection_table_size"])
            info = KernelInfo(version: try kernel.required("ipvs_version").string("kernel.ipvs_version", limit: 32),
                              connectionTableSize: try kernel.required("connection_table_size")
                                  .integer("kernel.connection_table_size", in: 0...UInt32.max))
        }
        let table = IPVSTable(services: try services(document.required("services")),
                              timeouts: try document.optional("timeouts").map(timeouts),
                              syncDaemons: try document.optional("sync").map(syncDaemons))
        return LiveState(table: table, info: info)
    }

    struct Document: JSONWritable {
        var format = SnapshotJSON.format
        var kernel: KernelDocument?
        var timeouts: TimeoutsDocument?
        var sync: [SyncDocument]?
        var services: [ServiceDocument]

        init(_ state: LiveState, statistics: Bool) {
            kernel = state.info.map(KernelDocument.init)
            timeouts = state.table.timeouts.map(TimeoutsDocument.init)
            sync = state.table.syncDaemons?.map(SyncDocument.init)
            services = state.table.services.map {
                ServiceDocument($0, statistics: statistics ? state.statistics[$0.key] : nil)
            }
        }

        /// A table without kernel information or counters: a plan file's basis.
        init(_ table: IPVSTable) { self.init(LiveState(table: table), statistics: false) }

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.member("format", format)
                w.member("kernel", kernel)
                w.member("timeouts", timeouts)
                w.member("sync", sync)
                w.member("services", services)
            }
        }
    }

    struct KernelDocument: JSONWritable {
        var ipvsVersion: String
        var connectionTableSize: UInt32

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.member("ipvs_version", ipvsVersion)
                w.member("connection_table_size", connectionTableSize)
            }
        }

        init(_ info: KernelInfo) { (ipvsVersion, connectionTableSize) = (info.version, info.connectionTableSize) }
    }

    // MARK: Reading

    private static func services(_ node: JSONNode) throws(JSONDocumentError) -> [VirtualService] {
        let items = try node.array("services")
        var services: [VirtualService] = []
        services.reserveCapacity(items.count)
        var seen: [ServiceKey: SourceLocation] = [:]
        seen.reserveCapacity(items.count)
        for item in items {
            let service = try self.service(item)
            if let first = seen.updateValue(item.location, forKey: service.key) {
                throw JSONDocumentError(item.location, "service \(service.key) is listed twice (also at line \(first.line)); the kernel holds each service once")
            }
            services.append(service)
        }
        return services
    }

    private static func service(_ node: JSONNode) throws(JSONDocumentError) -> VirtualService {
        let fields = try node.object("a service", keys: ServiceDocument.keys.filter { $0 != "name" && $0 != "match" })
        let key: ServiceKey
        if let mark = fields["fwmark"] {
            for name in ["vip", "protocol", "port"] {
                if let location = fields.keyLocation(name) { throw JSONDocumentError(location, "a fwmark service takes no '\(name)'") }
            }
            let family = try fields.optional("family").map { node throws(JSONDocumentError) in
                try node.choice("family", from: AddressFamily.allCases.map(\.rawValue))
            }
            key = .fwmark(try mark.integer("fwmark", in: 1...UInt32.max), AddressFamily(rawValue: family ?? "ipv4") ?? .ipv4)
        } else {
            if let location = fields.keyLocation("family") { throw JSONDocumentError(location, "only a fwmark service takes 'family'; an address service's family is its vip's") }
            let proto = try fields.required("protocol").choice("protocol", from: IPProtocol.allCases.map(\.rawValue))
            key = .address(IPProtocol(rawValue: proto) ?? .tcp, try fields.required("vip").address("vip"),
                           port: try fields.required("port").integer("port", in: 0...UInt16.max))
        }
        let schedulerNode = try fields.required("scheduler")
        let scheduler = Scheduler(rawValue: try schedulerNode.string("scheduler", limit: 15))
        guard !scheduler.rawValue.isEmpty, scheduler.rawValue.utf8.allSatisfy({ $0.isNameByte }) else {
            throw JSONDocumentError(schedulerNode.location, "scheduler must be a module name of letters, digits, '_' and '-' (ip_vs_NAME)")
        }
        var service = VirtualService(key: key, scheduler: scheduler)
        for item in try fields.required("flags").array("flags") {
            let name = try item.string("flag", limit: 32)
            if name == "one-packet" {
                service.onePacket = true
            } else if let bit = (scheduler.flagNames ?? [:]).first(where: { $0.value == name })?.key
                        ?? ["flag-1": .flag1, "flag-2": .flag2, "flag-3": .flag3][name] {
                service.schedulerFlags.insert(bit)
            } else {
                let valid = ["one-packet"] + (scheduler.flagNames ?? [:]).values.sorted()
                throw JSONDocumentError(item.location, "unknown flag '\(JSONReader.shown(name))' for scheduler \(scheduler); valid: \(valid.joined(separator: ", ")), flag-1, flag-2, flag-3")
            }
        }
        if let node = fields.optional("persistence") {
            let persistence = try node.object("persistence", keys: ["timeout", "netmask", "engine"])
            service.persistence = Persistence(
                timeout: try persistence.required("timeout").integer("persistence timeout", in: 1...Persistence.maximumTimeout),
                netmaskLength: try persistence.required("netmask").integer("persistence netmask", in: 0...key.family.bitWidth),
                engine: try persistence.optional("engine").map { node throws(JSONDocumentError) in try node.string("persistence engine", limit: 15) })
        }
        service.servers = try servers(fields.required("servers"), of: key)
        if let node = fields.optional("kernel_order") { service.kernelOrder = try kernelOrder(node, of: service) }
        return service
    }

    /// `kernel_order`: every server of the service once, as `ADDRESS:PORT`; nil when it is the
    /// canonical order.
    private static func kernelOrder(_ node: JSONNode, of service: VirtualService) throws(JSONDocumentError) -> [ServerKey]? {
        let byName = Dictionary(service.servers.map { ($0.key.description, $0.key) }, uniquingKeysWith: { first, _ in first })
        var listed: [ServerKey] = []
        var seen: Set<ServerKey> = []
        for item in try node.array("kernel_order") {
            let name = try item.string("kernel_order entry", limit: 64)
            guard let key = byName[name], seen.insert(key).inserted else {
                throw JSONDocumentError(item.location, "kernel_order entry '\(JSONReader.shown(name))' is not a server of service \(service.key) listed once; write each of its servers once, as ADDRESS:PORT ([IPv6]:PORT)")
            }
            listed.append(key)
        }
        guard listed.count == service.servers.count else {
            throw JSONDocumentError(node.location, "kernel_order lists \(listed.count) of the \(service.servers.count) servers of service \(service.key); list each once")
        }
        return VirtualService.kernelOrder(listed: listed)
    }

    private static func servers(_ node: JSONNode, of service: ServiceKey) throws(JSONDocumentError) -> [RealServer] {
        var servers: [RealServer] = []
        var seen: [ServerKey: SourceLocation] = [:]
        for item in try node.array("servers") {
            let fields = try item.object("a server", keys: ServerDocument.keys)
            let address = try fields.required("address").address("server address")
            var server = RealServer(address: address, port: try fields.required("port").integer("server port", in: 0...UInt16.max),
                                    forwarding: try forwarding(fields),
                                    weight: try fields.required("weight").integer("weight", in: 0...UInt32(Int32.max)))
            server.upperThreshold = try fields.optional("max_conns")?.integer("max_conns", in: 0...RealServer.maximumThreshold) ?? 0
            server.lowerThreshold = try fields.optional("min_conns")?.integer("min_conns", in: 0...RealServer.maximumThreshold) ?? 0
            if let first = seen.updateValue(item.location, forKey: server.key) {
                throw JSONDocumentError(item.location, "server \(server.key) of service \(service) is listed twice (also at line \(first.line)); the kernel holds each server once per service")
            }
            servers.append(server)
        }
        return servers
    }

    private static func forwarding(_ fields: JSONObject) throws(JSONDocumentError) -> Forwarding {
        let method = try fields.required("forward").choice("forward", from: Forwarding.names)
        let tunnelNode = fields.optional("tunnel")
        guard method == "tun" else {
            if let tunnelNode { throw JSONDocumentError(tunnelNode.location, "'tunnel' goes with 'forward: tun' only") }
            return switch method {
            case "nat": .nat
            case "local": .local
            default: .dr
            }
        }
        guard let tunnelNode else { return .tunnel(.ipip) }
        let tunnel = try tunnelNode.object("tunnel", keys: ["type", "port", "checksum"])
        let checksumNode = tunnel.optional("checksum")
        let checksum = try checksumNode.map { node throws(JSONDocumentError) in
            TunnelChecksum(rawValue: try node.choice("tunnel checksum", from: TunnelChecksum.allCases.map(\.rawValue))) ?? TunnelChecksum.none
        } ?? TunnelChecksum.none
        switch try tunnel.required("type").choice("tunnel type", from: Tunnel.typeNames) {
        case "gue":
            return .tunnel(.gue(port: try tunnel.required("port").integer("tunnel port", in: 1...UInt16.max), checksum: checksum))
        case "gre":
            if let port = tunnel["port"] { throw JSONDocumentError(port.location, "a gre tunnel takes no port") }
            return .tunnel(.gre(checksum: checksum))
        default:
            if let extra = tunnel["port"] ?? checksumNode { throw JSONDocumentError(extra.location, "an ipip tunnel takes no port or checksum") }
            return .tunnel(.ipip)
        }
    }

    private static func timeouts(_ node: JSONNode) throws(JSONDocumentError) -> Timeouts {
        let fields = try node.object("timeouts", keys: TimeoutsDocument.keys)
        func value(_ key: String) throws(JSONDocumentError) -> UInt32? {
            try fields.optional(key)?.integer("timeouts.\(key)", in: 0...Timeouts.maximum)
        }
        return Timeouts(tcp: try value("tcp"), tcpFin: try value("tcpfin"), udp: try value("udp"))
    }

    private static func syncDaemons(_ node: JSONNode) throws(JSONDocumentError) -> [SyncDaemon] {
        var daemons: [SyncDaemon] = []
        for item in try node.array("sync") {
            let fields = try item.object("a sync daemon", keys: SyncDocument.keys)
            let state = SyncDaemon.State(rawValue: try fields.required("state").choice("sync state", from: SyncDaemon.State.allCases.map(\.rawValue))) ?? .master
            guard !daemons.contains(where: { $0.state == state }) else {
                throw JSONDocumentError(item.location, "a second \(state) sync daemon; the kernel runs at most one of each state")
            }
            let interfaceNode = try fields.required("interface")
            let interface = try interfaceNode.string("sync interface", limit: SyncDaemon.maximumInterfaceLength)
            guard DeviceName.isValid(interface) else {
                throw JSONDocumentError(interfaceNode.location, "sync interface '\(JSONReader.shown(interface))' is not a device name")
            }
            daemons.append(SyncDaemon(
                state: state, interface: interface,
                syncID: try fields.optional("syncid")?.integer("syncid", in: 0...255) ?? 0,
                maxLength: try fields.optional("maxlen")?.integer("maxlen", in: 0...UInt16.max),
                group: try fields.optional("group")?.address("sync group"),
                port: try fields.optional("port")?.integer("sync port", in: 0...UInt16.max),
                ttl: try fields.optional("ttl")?.integer("sync ttl", in: 0...UInt8.max)))
        }
        return daemons
    }
}

extension UInt8 {
    /// Letters, digits, `_` and `-`: what module and scheduler names are made of.
    var isNameByte: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || self == UInt8(ascii: "_") || self == UInt8(ascii: "-")
    }
}
