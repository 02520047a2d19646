import LVSModel

extension ConfigDecoder {
    /// The whole file. Top-level keys starting with `x-` are ignored: a place for anchors.
    mutating func decodeDocument(_ root: YAMLNode) -> DesiredState? {
        guard let top = fields(root, of: "the config file", ConfigKeys.Document.self,
                               ignoring: { $0.hasPrefix("x-") }) else { return nil }
        if let node = top[.version] {
            if let version = integer(node, "version", in: 0...Int.max), version != DesiredState.currentVersion {
                error(node, "unsupported version \(version); this lvsctl reads version \(DesiredState.currentVersion)")
            }
        } else {
            error(root, "the config has no 'version'; add 'version: \(DesiredState.currentVersion)' at the top")
        }
        let scope = top[.scope].flatMap { decodeScope($0) } ?? .all
        let extraSchedulers = top[.extra_schedulers].map { decodeExtraSchedulers($0) } ?? []
        let defaults = top[.defaults].flatMap { decodeDefaults($0, extraSchedulers: extraSchedulers) }
            ?? ServiceDefaults()
        let timeouts = top[.timeouts].flatMap { decodeTimeouts($0) }
        let sync = top[.sync].flatMap { decodeSync($0) }
        let director = top[.director].flatMap { decodeDirector($0, sync: sync) }
        guard let servicesNode = top[.services] else {
            // A key written with no value, or a misspelt one, is reported where it stands.
            if top.written(.services) == nil, !misspells(root, ConfigKeys.Document.services.name) {
                error(root, "the config has no 'services' list; write 'services: []' to manage an empty table on purpose")
            }
            return nil
        }
        var state = DesiredState(scope: scope, director: director)
        state.table = IPVSTable(timeouts: timeouts, syncDaemons: sync)
        decodeServices(servicesNode, defaults: defaults, extraSchedulers: extraSchedulers, scope: scope, into: &state)
        return state
    }

    /// Whether a key of `mapping` is unknown and taken for a misspelling of `key`, and so is
    /// already reported with that suggestion.
    private func misspells(_ mapping: YAMLNode, _ key: String) -> Bool {
        document.pairs(mapping).contains { pair in
            guard let name = text(pair.key), name != key else { return false }
            return Suggestion.closest(to: name, in: ConfigKeys.Document.table.names) == key
        }
    }

    private mutating func decodeScope(_ node: YAMLNode) -> Scope? {
        if text(node) == "all" { return .all }
        guard node.kind == .mapping else {
            error(node, "scope must be 'all' or a mapping with 'vips' (address prefixes) and 'fwmarks' (marks or ranges like \"1-99\")")
            return nil
        }
        guard let f = fields(node, of: "scope", ConfigKeys.Scope.self) else { return nil }
        var vips: [IPPrefix] = []
        for item in f[.vips].flatMap({ items($0, of: "scope.vips") }) ?? [] {
            if let prefix = prefix(item, "scope VIP prefix") { vips.append(prefix) }
        }
        var marks: [ClosedRange<UInt32>] = []
        for item in f[.fwmarks].flatMap({ items($0, of: "scope.fwmarks") }) ?? [] {
            if let range = fwmarkRange(item) { marks.append(range) }
        }
        return .limited(vips: vips, fwmarks: marks)
    }

    private mutating func fwmarkRange(_ node: YAMLNode) -> ClosedRange<UInt32>? {
        guard let text = text(node), text.contains("-") else {
            return integer(node, "scope fwmark", in: UInt32(1)...UInt32.max).map { $0...$0 }
        }
        let ends = text.split(separator: "-", omittingEmptySubsequences: false).map { UInt32($0) }
        guard ends.count == 2, let lower = ends[0], let upper = ends[1], lower >= 1, lower <= upper else {
            error(node, "scope fwmark range '\(text)' is not valid; write LOW-HIGH with 1 ≤ LOW ≤ HIGH ≤ \(UInt32.max), like \"1-99\"")
            return nil
        }
        return lower...upper
    }

    private mutating func decodeExtraSchedulers(_ node: YAMLNode) -> [Scheduler] {
        var names: [Scheduler] = []
        for item in items(node, of: "extra_schedulers") ?? [] {
            guard let name = string(item, "extra scheduler name") else { continue }
            if !Scheduler.isValidName(name) {
                error(item, "extra scheduler '\(name)' is not a kernel module suffix; use 1–15 ASCII letters, digits or '_' (module ip_vs_NAME)")
            } else {
                names.append(Scheduler(rawValue: name))
            }
        }
        return names
    }

    private mutating func decodeDefaults(_ node: YAMLNode, extraSchedulers: [Scheduler]) -> ServiceDefaults? {
        guard let f = fields(node, of: "defaults", ConfigKeys.Defaults.self) else { return nil }
        var defaults = ServiceDefaults()
        if let n = f[.scheduler], let scheduler = scheduler(n, extra: extraSchedulers) { defaults.scheduler = scheduler }
        defaults.forwarding = forwardingSpec(forward: f[.forward], tunnel: f[.tunnel])
        if let n = f[.weight], let weight = integer(n, "weight", in: 0...RealServer.maximumWeight) { defaults.weight = weight }
        defaults.check = f[.check].flatMap { checkSetting($0) }
        if let n = f[.on_failure], let action = failureAction(n) { defaults.onFailure = action }
        return defaults
    }

    private mutating func decodeTimeouts(_ node: YAMLNode) -> Timeouts? {
        guard let f = fields(node, of: "timeouts", ConfigKeys.Timeouts.self) else { return nil }
        let range = UInt32(1)...Timeouts.maximum
        let timeouts = Timeouts(tcp: f[.tcp].flatMap { integer($0, "timeouts.tcp (seconds)", in: range) },
                                tcpFin: f[.tcpfin].flatMap { integer($0, "timeouts.tcpfin (seconds)", in: range) },
                                udp: f[.udp].flatMap { integer($0, "timeouts.udp (seconds)", in: range) })
        return timeouts == Timeouts() ? nil : timeouts
    }

    private mutating func decodeSync(_ node: YAMLNode) -> [SyncDaemon]? {
        guard let list = items(node, of: "sync") else { return nil }
        var daemons: [SyncDaemon] = []
        var seen: [SyncDaemon.State: Int] = [:]
        for item in list {
            guard let f = fields(item, of: "a sync daemon", ConfigKeys.Sync.self) else { continue }
            guard let stateNode = f[.state] else {
                error(item, "a sync daemon needs 'state: master' or 'state: backup'")
                continue
            }
            guard let ifNode = f[.interface] else {
                error(item, "a sync daemon needs 'interface', the device its multicast traffic uses (e.g. eth1)")
                continue
            }
            guard let stateName = choice(stateNode, "sync state", from: SyncDaemon.State.allCases.map(\.rawValue)),
                  let state = SyncDaemon.State(rawValue: stateName), let interface = interfaceName(ifNode) else { continue }
            if let line = seen[state] {
                error(stateNode, "a \(state.rawValue) sync daemon is already declared at line \(line); the kernel runs at most one master and one backup")
                continue
            }
            seen[state] = stateNode.location.line
            var daemon = SyncDaemon(state: state, interface: interface)
            if let n = f[.syncid], let id = integer(n, "syncid", in: UInt32(0)...255) { daemon.syncID = id }
            if let n = f[.maxlen] { daemon.maxLength = integer(n, "sync maxlen", in: UInt16(1)...UInt16.max) }
            if let n = f[.port] { daemon.port = integer(n, "sync port", in: UInt16(1)...UInt16.max) }
            if let n = f[.ttl] { daemon.ttl = integer(n, "sync ttl", in: UInt8(1)...UInt8.max) }
            if let n = f[.group], let group = address(n, "sync group") {
                if group.isMulticast {
                    daemon.group = group
                } else {
                    error(n, "sync group \(group) is not a multicast address; use one in 224.0.0.0/4 or ff00::/8 (default 224.0.0.81)")
                }
            }
            daemons.append(daemon)
        }
        return daemons
    }

    /// A name the kernel takes for a network device (`DeviceName`).
    mutating func interfaceName(_ node: YAMLNode) -> String? {
        guard let name = string(node, "interface") else { return nil }
        guard DeviceName.isValid(name) else {
            error(node, "interface '\(name)' is not a valid Linux interface name; use 1–15 printable ASCII characters without '/', ':' or spaces, other than '.' and '..'")
            return nil
        }
        return name
    }


    private mutating func decodeDirector(_ node: YAMLNode, sync daemons: [SyncDaemon]?) -> Director? {
        guard let f = fields(node, of: "director", ConfigKeys.Director.self) else { return nil }
        let vips = f[.vips].flatMap { choice($0, "director.vips", from: Director.VIPs.allCases.map(\.rawValue)) }
            .flatMap(Director.VIPs.init(rawValue:))
        if vips == .external, let n = f[.interface] {
            error(n, "director.interface is where lvsctl binds VIPs, and with 'vips: external' it binds none; remove one of the two")
        }
        let interface = f[.interface].flatMap { interfaceName($0) }
        return Director(interface: interface, vips: vips,
                        address: f[.address].flatMap { address($0, "director address") },
                        ipForward: f[.ip_forward].flatMap { boolean($0, "director.ip_forward") },
                        expireNodestConn: f[.expire_nodest_conn].flatMap { boolean($0, "director.expire_nodest_conn") },
                        expireQuiescentTemplate: f[.expire_quiescent_template].flatMap {
                            boolean($0, "director.expire_quiescent_template")
                        },
                        announce: f[.announce].flatMap {
                            decodeAnnounce($0, vipDevice: vips == .external ? nil : interface ?? Director.defaultInterface)
                        },
                        sync: decodeSyncSettings(f, daemons: daemons))
    }

    /// The sync sysctls, in the kernel's ranges.
    private mutating func decodeSyncSettings(_ f: borrowing Fields<ConfigKeys.Director>, daemons: [SyncDaemon]?) -> SyncSettings {
        var settings = SyncSettings()
        if let n = f[.sync_threshold] { settings.threshold = syncThreshold(n) }
        if let n = f[.sync_refresh_period] {
            settings.refreshPeriod = integer(n, "director.sync_refresh_period (seconds)", in: 0...SyncSettings.maximumSeconds)
        }
        if let n = f[.sync_retries] { settings.retries = integer(n, "director.sync_retries", in: 0...SyncSettings.maximumRetries) }
        if let n = f[.sync_persist_mode] { settings.persistMode = integer(n, "director.sync_persist_mode", in: UInt8(0)...1) }
        if let n = f[.sync_version] { settings.version = integer(n, "director.sync_version", in: UInt8(0)...1) }
        settings.sloppyTCP = f[.sloppy_tcp].flatMap { boolean($0, "director.sloppy_tcp") }
        settings.sloppySCTP = f[.sloppy_sctp].flatMap { boolean($0, "director.sloppy_sctp") }
        if let n = f[.conn_reuse_mode] {
            settings.connReuseMode = integer(n, "director.conn_reuse_mode", in: 0...SyncSettings.maximumConnReuseMode)
        }
        if let n = f[.backup_only] {
            settings.backupOnly = boolean(n, "director.backup_only")
            if settings.backupOnly == true, let daemons, Set(daemons.map(\.state)) == [.master, .backup] {
                error(n, "director.backup_only stops this director from directing traffic while its backup sync daemon runs, and 'sync' starts one beside the master, so it would never direct; use it only on a director whose 'sync' has a backup daemon alone")
            }
        }
        return settings
    }

    /// `[THRESHOLD, PERIOD]`, which the kernel takes when THRESHOLD < PERIOD or PERIOD is 0.
    private mutating func syncThreshold(_ node: YAMLNode) -> SyncSettings.Threshold? {
        let usage = "write [THRESHOLD, PERIOD] with THRESHOLD < PERIOD, or PERIOD 0 to sync once at THRESHOLD (kernel default [3, 50])"
        guard let list = items(node, of: "director.sync_threshold") else { return nil }
        guard list.count == 2 else {
            error(node, "director.sync_threshold has \(list.count) numbers; \(usage)")
            return nil
        }
        guard let threshold = integer(list[0], "director.sync_threshold's threshold", in: UInt32(0)...UInt32(Int32.max)),
              let period = integer(list[1], "director.sync_threshold's period", in: UInt32(0)...UInt32(Int32.max)) else { return nil }
        let value = SyncSettings.Threshold(threshold: threshold, period: period)
        guard value.isValid else {
            error(list[0], "director.sync_threshold's threshold \(threshold) is not below its period \(period), which the kernel refuses; \(usage)")
            return nil
        }
        return value
    }

    /// `director.announce`: its device must be its own, not the one every VIP is bound to.
    private mutating func decodeAnnounce(_ node: YAMLNode, vipDevice: String?) -> Announce? {
        guard let f = fields(node, of: "director.announce", ConfigKeys.Announce.self) else { return nil }
        var announce = Announce()
        if let n = f[.interface] {
            guard let name = interfaceName(n) else { return nil }
            announce.interface = name
        }
        if announce.interface == vipDevice {
            error(f[.interface] ?? node, "director.announce.interface '\(announce.interface)' is the device every VIP is bound to, so it would announce every VIP whether it can be served or not; name a device of its own (default '\(Announce.defaultInterface)')")
            return nil
        }
        return announce
    }

    /// Matched first, from the file's bytes: nearly every service names one of them.
    private static let mainlineSchedulers = Scheduler.mainline.map(\.rawValue)

    mutating func scheduler(_ node: YAMLNode, extra: [Scheduler]) -> Scheduler? {
        if let name = document.name(of: node, among: Self.mainlineSchedulers) { return Scheduler(rawValue: name) }
        let known = Self.mainlineSchedulers + extra.map(\.rawValue)
        guard let name = string(node, "scheduler") else { return nil }
        guard known.contains(name) else {
            error(node, "unknown scheduler '\(name)'\(Suggestion.phrase(for: name, in: known)); valid: \(known.joined(separator: ", ")) (a scheduler from another kernel module can be named under 'extra_schedulers')")
            return nil
        }
        return Scheduler(rawValue: name)
    }
}

/// What `defaults` provides to every service that does not say otherwise.
struct ServiceDefaults: Sendable {
    var scheduler: Scheduler = .wlc
    var forwarding = ForwardingSpec()
    var weight: UInt32 = 1
    var check: ConfigDecoder.CheckSetting?
    var onFailure = HealthPolicy.FailureAction.quiesce
}
