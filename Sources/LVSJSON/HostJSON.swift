import LVSModel

/// The part of a host a plan compared: a plan file's `basis.host`. Read back only to re-derive
/// the plan for the check that the file is consistent; apply then plans against the live host.
enum HostJSON {
    struct Document: JSONWritable {
        var devices: [String: DeviceDocument]
        var addresses: [String: [String]]
        var sysctls: [String: String]
        var defaultGateways: [String: String]
        var guePorts: [UInt16]
        var chains: [ChainDocument]

        static let keys = ["devices", "addresses", "sysctls", "default_gateways", "gue_ports", "chains"]

        init(_ host: HostSnapshot) {
            devices = host.devices.mapValues(DeviceDocument.init)
            addresses = host.addresses.mapValues { $0.map(\.description) }
            sysctls = host.sysctls
            defaultGateways = Dictionary(uniqueKeysWithValues: host.defaultGateways.map { ($0.key.rawValue, $0.value.description) })
            guePorts = host.guePorts
            chains = host.chains.sorted { $0.key.description < $1.key.description }.map(ChainDocument.init)
        }

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.key("devices")
                w.object { w in
                    for (name, device) in devices.sorted(by: { $0.key < $1.key }) { w.member(name, device) }
                }
                w.key("addresses")
                w.object { w in
                    for (name, list) in addresses.sorted(by: { $0.key < $1.key }) {
                        w.key(name)
                        w.array(list) { $0.string($1) }
                    }
                }
                w.member("sysctls", sysctls)
                w.member("default_gateways", defaultGateways)
                w.key("gue_ports")
                w.array(guePorts) { $0.number($1) }
                w.member("chains", chains)
            }
        }
    }

    struct DeviceDocument: JSONWritable {
        var kind: String
        var alias: String?
        var up: Bool

        init(_ device: HostSnapshot.Device) { (kind, alias, up) = (device.kind, device.alias, device.isUp) }

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.member("kind", kind)
                w.member("alias", alias)
                w.member("up", up)
            }
        }
    }

    struct ChainDocument: JSONWritable {
        var family: String
        var table: String
        var chain: String
        var hook: String
        var rules: [String]
        var jump: Bool

        static let keys = ["family", "table", "chain", "hook", "rules", "jump"]

        init(_ entry: (key: FirewallChain, value: HostSnapshot.ChainState)) {
            (family, table, chain, hook) = (entry.key.family.rawValue, entry.key.table, entry.key.name, entry.key.hook)
            (rules, jump) = (entry.value.rules, entry.value.jumpExists)
        }

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.member("family", family)
                w.member("table", table)
                w.member("chain", chain)
                w.member("hook", hook)
                w.key("rules")
                w.array(rules) { $0.string($1) }
                w.member("jump", jump)
            }
        }
    }

    static func decode(_ node: JSONNode) throws(JSONDocumentError) -> HostSnapshot {
        let fields = try node.object("basis.host", keys: Document.keys)
        var host = HostSnapshot()
        for member in try members(fields.required("devices"), "basis.host.devices") {
            let device = try member.value.object("a device", keys: ["kind", "alias", "up"])
            host.devices[member.key] = HostSnapshot.Device(
                kind: try device.required("kind").string("device kind", limit: 64),
                alias: try device.optional("alias")?.string("device alias"), isUp: try device.required("up").bool("up"))
        }
        for member in try members(fields.required("addresses"), "basis.host.addresses") {
            var list: [InterfaceAddress] = []
            for item in try member.value.array("addresses") {
                let text = try item.string("address", limit: 64)
                let parts = text.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count == 2, let address = IPAddress(String(parts[0])), let length = Int(parts[1]),
                      (0...address.family.bitWidth).contains(length) else {
                    throw JSONDocumentError(item.location, "'\(JSONReader.shown(text))' is not ADDRESS/LENGTH")
                }
                list.append(InterfaceAddress(address, prefixLength: length))
            }
            host.addresses[member.key] = list
        }
        for member in try members(fields.required("sysctls"), "basis.host.sysctls") {
            host.sysctls[member.key] = try member.value.string("sysctl value", limit: 4096)
        }
        for member in try members(fields.required("default_gateways"), "basis.host.default_gateways") {
            guard let family = AddressFamily(rawValue: member.key) else {
                throw JSONDocumentError(member.keyLocation, "default gateway family must be ipv4 or ipv6")
            }
            host.defaultGateways[family] = try member.value.address("default gateway")
        }
        host.guePorts = try fields.required("gue_ports").array("gue_ports").map { node throws(JSONDocumentError) in
            try node.integer("GUE port", in: 1...UInt16.max)
        }
        for item in try fields.required("chains").array("chains") {
            let chain = try item.object("a chain", keys: ChainDocument.keys)
            let family = AddressFamily(rawValue: try chain.required("family").choice("family", from: AddressFamily.allCases.map(\.rawValue))) ?? .ipv4
            let key = FirewallChain(family: family, table: try chain.required("table").string("table", limit: 32),
                                    name: try chain.required("chain").string("chain", limit: 32),
                                    hook: try chain.required("hook").string("hook", limit: 32))
            let rules = try chain.required("rules").array("rules").map { node throws(JSONDocumentError) in
                try node.string("rule", limit: 4096)
            }
            host.chains[key] = HostSnapshot.ChainState(rules: rules, jumpExists: try chain.required("jump").bool("jump"))
        }
        return host
    }

    private static func members(_ node: JSONNode, _ what: String) throws(JSONDocumentError) -> [JSONMember] {
        guard case .object(let members) = node.value else { throw JSONDocumentError(node.location, "\(what) must be an object") }
        for member in members {
            let shown = JSONReader.shown(member.key)
            guard member.key == shown, !member.key.isEmpty, member.key.utf8.count <= 255 else {
                throw JSONDocumentError(member.keyLocation, "key '\(shown)' in \(what) is not a printable name")
            }
        }
        return members
    }
}
