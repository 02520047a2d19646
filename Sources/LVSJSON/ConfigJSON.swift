public import LVSConfig
public import LVSModel

/// Desired state as a config document in JSON: the `target` of a plan file, and the shape
/// docs/schema/config.schema.json describes for the YAML file. JSON is YAML, so it is read back
/// by the config loader itself, with every check a config file gets.
public enum ConfigJSON {
    struct Document: Encodable {
        var version = DesiredState.currentVersion
        var scope: ScopeDocument?
        var extraSchedulers: [String]?
        var timeouts: TimeoutsDocument?
        var sync: [SyncDocument]?
        var director: DirectorDocument?
        var services: [ServiceDocument]

        enum CodingKeys: String, CodingKey {
            case version, scope, timeouts, sync, director, services
            case extraSchedulers = "extra_schedulers"
        }

        init(_ state: DesiredState) {
            if case .limited = state.scope { scope = ScopeDocument(state.scope) }
            let extra = Set(state.table.services.map(\.scheduler)).subtracting(Scheduler.mainline).map(\.rawValue).sorted()
            extraSchedulers = extra.isEmpty ? nil : extra
            timeouts = state.table.timeouts.map(TimeoutsDocument.init)
            sync = state.table.syncDaemons?.map(SyncDocument.init)
            director = state.director.map(DirectorDocument.init)
            services = state.table.services.map {
                ServiceDocument($0, name: state.names[$0.key], match: state.firewallMatches[$0.key],
                                fullNAT: state.fullNATServers[$0.key] ?? [])
            }
        }
    }

    struct ScopeDocument: Encodable {
        var vips: [String]
        var fwmarks: [PortDocument]

        init(_ scope: Scope) {
            guard case .limited(let vips, let marks) = scope else { (self.vips, fwmarks) = ([], []); return }
            self.vips = vips.map(\.description)
            fwmarks = marks.map(PortDocument.init)
        }
    }

    struct DirectorDocument: Encodable {
        var interface: String?
        var address: String?
        var ipForward: Bool?
        var expireNodestConn: Bool?
        var expireQuiescentTemplate: Bool?

        enum CodingKeys: String, CodingKey {
            case interface, address
            case ipForward = "ip_forward", expireNodestConn = "expire_nodest_conn"
            case expireQuiescentTemplate = "expire_quiescent_template"
        }

        init(_ director: Director) {
            interface = director.interface
            address = director.address?.description
            ipForward = director.ipForward
            expireNodestConn = director.expireNodestConn
            expireQuiescentTemplate = director.expireQuiescentTemplate
        }
    }

    /// The config document of `state`, as JSON text.
    public static func encode(_ state: DesiredState) throws -> String { try DocumentEncoding.text(Document(state)) }

    /// Loads the config document that `node` spans in `bytes` through the config loader. Every
    /// byte outside the node is blanked (newlines kept), so diagnostics carry the line and
    /// column of the whole file.
    public static func load(_ node: JSONNode, in bytes: [UInt8], file: String) -> ConfigLoadResult {
        var masked = bytes
        for outside in [0..<node.range.lowerBound, node.range.upperBound..<masked.count] {
            for index in outside where masked[index] != UInt8(ascii: "\n") { masked[index] = UInt8(ascii: " ") }
        }
        return ConfigLoader.load(bytes: masked, file: file)
    }
}
