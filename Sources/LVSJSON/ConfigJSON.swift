public import LVSConfig
public import LVSModel

/// Desired state as a config document in JSON: the `target` of a plan file, and the shape
/// docs/schema/config.schema.json describes for the YAML file. JSON is YAML, so it is read back
/// by the config loader itself, with every check a config file gets.
public enum ConfigJSON {
    struct Document: JSONWritable {
        var version = DesiredState.currentVersion
        var scope: ScopeDocument?
        var extraSchedulers: [String]?
        var timeouts: TimeoutsDocument?
        var sync: [SyncDocument]?
        var director: DirectorDocument?
        var services: [ServiceDocument]

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

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.member("version", version)
                w.member("scope", scope)
                if let extraSchedulers {
                    w.key("extra_schedulers")
                    w.array(extraSchedulers) { $0.string($1) }
                }
                w.member("timeouts", timeouts)
                w.member("sync", sync)
                w.member("director", director)
                w.member("services", services)
            }
        }
    }

    struct ScopeDocument: JSONWritable {
        var vips: [String]
        var fwmarks: [PortDocument]

        init(_ scope: Scope) {
            guard case .limited(let vips, let marks) = scope else { (self.vips, fwmarks) = ([], []); return }
            self.vips = vips.map(\.description)
            fwmarks = marks.map(PortDocument.init)
        }

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.key("vips")
                w.array(vips) { $0.string($1) }
                w.member("fwmarks", fwmarks)
            }
        }
    }

    struct DirectorDocument: JSONWritable {
        var director: Director

        init(_ director: Director) { self.director = director }

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.member("interface", director.interface)
                w.member("vips", director.vips?.rawValue)
                w.member("address", director.address?.description)
                w.member("ip_forward", director.ipForward)
                w.member("expire_nodest_conn", director.expireNodestConn)
                w.member("expire_quiescent_template", director.expireQuiescentTemplate)
                w.member("announce", director.announce.map { AnnounceDocument(interface: $0.interface) })
                let sync = director.sync
                if let threshold = sync.threshold {
                    w.key("sync_threshold")
                    w.array([threshold.threshold, threshold.period]) { $0.number($1) }
                }
                w.member("sync_refresh_period", sync.refreshPeriod)
                w.member("sync_retries", sync.retries)
                w.member("sync_persist_mode", sync.persistMode)
                w.member("sync_version", sync.version)
                w.member("sloppy_tcp", sync.sloppyTCP)
                w.member("sloppy_sctp", sync.sloppySCTP)
                w.member("conn_reuse_mode", sync.connReuseMode)
                w.member("backup_only", sync.backupOnly)
            }
        }
    }

    struct AnnounceDocument: JSONWritable {
        var interface: String

        func write(to writer: inout JSONWriter) {
            writer.object { w in w.member("interface", interface) }
        }
    }

    /// The config document of `state`, as JSON text.
    public static func encode(_ state: DesiredState) -> String { DocumentEncoding.text(Document(state)) }

    /// Loads the config document that `node` spans in `bytes` through the config loader. Every
    /// byte outside the node is blanked (newlines kept), so diagnostics carry the line and
    /// column of the whole file.
    public static func load(_ node: JSONNode, in bytes: [UInt8], file: String) -> ConfigLoadResult {
        var masked = bytes
        masked.withUnsafeMutableBufferPointer { buffer in
            for outside in [0..<node.range.lowerBound, node.range.upperBound..<buffer.count] {
                for index in outside where buffer[index] != UInt8(ascii: "\n") { buffer[index] = UInt8(ascii: " ") }
            }
        }
        return ConfigLoader.load(bytes: masked, file: file)
    }
}
