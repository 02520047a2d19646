public import LVSModel

/// Writes desired state as a config file that `ConfigLoader` reads back to the same value:
/// how `lvsctl get` and `lvsctl import` hand a live table to an operator.
public enum ConfigWriter {
    /// A comment to write after a service's first line (server nil) or after a server.
    public typealias Comment = (ServiceKey, ServerKey?) -> String?

    public static func yaml(_ state: DesiredState, comment: Comment? = nil) -> String {
        var out = "version: \(DesiredState.currentVersion)\n"
        if case .limited(let vips, let marks) = state.scope {
            let markTexts = marks.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\"\($0.lowerBound)-\($0.upperBound)\"" }
            out += "scope:\n  vips: \(flowList(vips.map { scalar($0.description) }))\n  fwmarks: \(flowList(markTexts))\n"
        }
        let extra = Set(state.table.services.map(\.scheduler)).subtracting(Scheduler.mainline).sorted()
        if !extra.isEmpty { out += "extra_schedulers: \(flowList(extra.map { scalar($0.rawValue) }))\n" }
        if let timeouts = state.table.timeouts {
            out += "timeouts: \(flowMap([("tcp", timeouts.tcp), ("tcpfin", timeouts.tcpFin), ("udp", timeouts.udp)].compactMap { key, value in value.map { (key, "\($0)") } }))\n"
        }
        if let daemons = state.table.syncDaemons {
            out += daemons.isEmpty ? "sync: []\n" : "sync:\n" + daemons.map { "  - \(flowMap(fields($0)))\n" }.joined()
        }
        if let director = state.director { out += "director: \(flowMap(fields(director)))\n" }
        guard !state.table.services.isEmpty else { return out + "services: []\n" }
        out += "services:\n"
        for service in state.table.services {
            out += serviceBlock(service, name: state.names[service.key], match: state.firewallMatches[service.key],
                                fullNAT: state.fullNATServers[service.key] ?? [], comment: comment)
        }
        return out
    }

    /// Why a written config does not stand for the state it was written from.
    public struct Mismatch: Error, CustomStringConvertible {
        public var description: String
    }

    /// `yaml(state, comment:)`, read back and compared: the text only when it validates and
    /// reads back as `state`'s scope, director and table.
    public static func checkedYAML(_ state: DesiredState, comment: Comment? = nil) -> Result<String, Mismatch> {
        let text = yaml(state, comment: comment)
        let result = ConfigLoader.load(bytes: Array(text.utf8), file: "the written config")
        guard let read = result.state else {
            return .failure(Mismatch(description: result.errors.first?.description ?? "it does not validate"))
        }
        guard read.table == stated(state.table), read.director == state.director, read.scope == state.scope else {
            return .failure(Mismatch(description: "it reads back as a different table"))
        }
        return .success(text)
    }

    /// The table as a config states it: the kernel's order of a service's servers is no
    /// setting (lvsctl chooses it, docs/ecmp.md), so a live table's is left out.
    private static func stated(_ table: IPVSTable) -> IPVSTable {
        guard table.services.contains(where: { $0.kernelOrder != nil }) else { return table }
        var stated = table
        stated.services = table.services.map { service in
            var service = service
            service.kernelOrder = nil
            return service
        }
        return stated
    }

    /// A name for a service the file did not name (a live table has none): its key, readable.
    public static func generatedName(_ key: ServiceKey) -> String {
        switch key {
        case .address(let proto, let address, let port): "\(proto)-\(address)-\(port)"
        case .fwmark(let mark, let family): family == .ipv6 ? "fwmark-\(mark)-ipv6" : "fwmark-\(mark)"
        }
    }

    private static func serviceBlock(_ service: VirtualService, name: String?, match: FirewallMatch?,
                                     fullNAT: Set<ServerKey>, comment: Comment?) -> String {
        func suffix(_ server: ServerKey?) -> String { comment?(service.key, server).map { "  # \($0)" } ?? "" }
        var lines = ["name: \(scalar(name ?? generatedName(service.key)))\(suffix(nil))"]
        switch service.key {
        case .address(let proto, let address, let port):
            lines += ["vip: \(scalar(address.description))", "protocol: \(proto)", "port: \(port)"]
        case .fwmark(let mark, let family):
            lines += ["fwmark: \(mark)", "family: \(family)"]
        }
        if let match {
            var pairs = [("vip", scalar(match.vip.description)), ("protocol", match.protocol.rawValue)]
            if !match.ports.isEmpty {
                pairs.append(("ports", flowList(match.ports.map { $0.lower == $0.upper ? "\($0.lower)" : "\"\($0)\"" })))
            }
            lines.append("match: \(flowMap(pairs))")
        }
        lines.append("scheduler: \(scalar(service.scheduler.rawValue))")
        let flags = (service.onePacket ? ["one-packet"] : []) + service.schedulerFlags.names(for: service.scheduler)
        if !flags.isEmpty { lines.append("flags: \(flowList(flags))") }
        if let persistence = service.persistence {
            var pairs = [("timeout", "\(persistence.timeout)")]
            if persistence.netmaskLength != service.key.family.bitWidth {
                let mask = service.key.family == .ipv4
                    ? IPAddress(ipv4: persistence.netmaskLength == 0 ? 0 : ~UInt32(0) << UInt32(32 - persistence.netmaskLength)).description
                    : "\(persistence.netmaskLength)"
                pairs.append(("netmask", mask))
            }
            if let engine = persistence.engine { pairs.append(("engine", scalar(engine))) }
            lines.append("persistence: \(flowMap(pairs))")
        }
        let defaultPort: UInt16 = if case .address(_, _, let port) = service.key { port } else { 0 }
        lines.append(service.servers.isEmpty ? "servers: []" : "servers:")
        var block = "  - " + lines.joined(separator: "\n    ") + "\n"
        for server in service.servers {
            block += "      - \(flowMap(fields(server, defaultPort: defaultPort, fullNAT: fullNAT.contains(server.key))))\(suffix(server.key))\n"
        }
        return block
    }

    private static func fields(_ server: RealServer, defaultPort: UInt16, fullNAT: Bool) -> [(String, String)] {
        var pairs = [("address", scalar(server.address.description))]
        if server.port != defaultPort { pairs.append(("port", "\(server.port)")) }
        pairs.append(("forward", fullNAT ? "fullnat" : server.forwarding.name))
        if case .tunnel(let tunnel) = server.forwarding, tunnel != .ipip {
            var tunnelPairs = [("type", tunnel.typeName)]
            switch tunnel {
            case .ipip: break
            case .gue(let port, let checksum): tunnelPairs += [("port", "\(port)"), ("checksum", checksum.rawValue)]
            case .gre(let checksum): tunnelPairs.append(("checksum", checksum.rawValue))
            }
            pairs.append(("tunnel", flowMap(tunnelPairs)))
        }
        pairs.append(("weight", "\(server.weight)"))
        if server.upperThreshold != 0 { pairs.append(("max_conns", "\(server.upperThreshold)")) }
        if server.lowerThreshold != 0 { pairs.append(("min_conns", "\(server.lowerThreshold)")) }
        return pairs
    }

    private static func fields(_ daemon: SyncDaemon) -> [(String, String)] {
        var pairs = [("state", daemon.state.rawValue), ("interface", scalar(daemon.interface)), ("syncid", "\(daemon.syncID)")]
        if let maxLength = daemon.maxLength { pairs.append(("maxlen", "\(maxLength)")) }
        if let group = daemon.group { pairs.append(("group", scalar(group.description))) }
        if let port = daemon.port { pairs.append(("port", "\(port)")) }
        if let ttl = daemon.ttl { pairs.append(("ttl", "\(ttl)")) }
        return pairs
    }

    private static func fields(_ director: Director) -> [(String, String)] {
        [("interface", director.interface.map(scalar)), ("vips", director.vips?.rawValue),
         ("address", director.address.map { scalar($0.description) }),
         ("ip_forward", director.ipForward.map { "\($0)" }),
         ("expire_nodest_conn", director.expireNodestConn.map { "\($0)" }),
         ("expire_quiescent_template", director.expireQuiescentTemplate.map { "\($0)" }),
         ("announce", director.announce.map { flowMap([("interface", scalar($0.interface))]) })]
            .compactMap { key, value in value.map { (key, $0) } } + fields(director.sync)
    }

    private static func fields(_ sync: SyncSettings) -> [(String, String)] {
        [("sync_threshold", sync.threshold.map { flowList(["\($0.threshold)", "\($0.period)"]) }),
         ("sync_refresh_period", sync.refreshPeriod.map { "\($0)" }), ("sync_retries", sync.retries.map { "\($0)" }),
         ("sync_persist_mode", sync.persistMode.map { "\($0)" }), ("sync_version", sync.version.map { "\($0)" }),
         ("sloppy_tcp", sync.sloppyTCP.map { "\($0)" }), ("sloppy_sctp", sync.sloppySCTP.map { "\($0)" }),
         ("conn_reuse_mode", sync.connReuseMode.map { "\($0)" }), ("backup_only", sync.backupOnly.map { "\($0)" })]
            .compactMap { key, value in value.map { (key, $0) } }
    }

    private static func flowMap(_ pairs: [(String, String)]) -> String {
        "{ " + pairs.map { "\($0): \($1)" }.joined(separator: ", ") + " }"
    }

    private static func flowList(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    /// A string as a YAML scalar: plain when it cannot be misread, double-quoted otherwise, with
    /// every character YAML does not print (C0 and C1 controls, DEL, BOM, U+FFFE/U+FFFF) as an
    /// escape that reads back as exactly that character.
    static func scalar(_ text: String) -> String {
        let safe = text.allSatisfy { $0.isLetter || $0.isNumber || "._-/".contains($0) }
        let ambiguous = ["true", "false", "null", "~", "yes", "no", "on", "off"].contains(text.lowercased())
            || Int(text) != nil || text.first == "-" || text.isEmpty
        if safe, !ambiguous { return text }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                quoted += "\\x" + hex(scalar.value, digits: 2)
            case "\u{FEFF}", "\u{FFFE}", "\u{FFFF}": quoted += "\\u" + hex(scalar.value, digits: 4)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    /// `value` in upper-case hexadecimal, zero-padded to `digits`.
    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
