import LVSModel

/// Reads what `ipvsadm -L -n` prints — the listing people paste into tickets — in its plain,
/// `--tun-info`, `--thresholds` and `--persistent-conn` layouts (ipvsadm 1.31's `print_title`
/// and `print_service_entry`). A listing shows less than a save, and each layout leaves out
/// something else; the reader assumes ipvsadm's defaults for what is missing and says so in
/// one warning. Counters are ignored. Lines are located like save lines, and a bad line does
/// not stop the others from being read.
struct IPVSAdmListingParser {
    /// The server columns, chosen by the header lines (or, without them, by the first server line).
    enum Layout {
        /// `-Ln`: Forward Weight ActiveConn InActConn.
        case plain
        /// `-Ln --tun-info`: Forward TunnelInfo Weight ActiveConn InActConn.
        case tunnelInfo
        /// `-Ln --thresholds`: Uthreshold Lthreshold ActiveConn InActConn.
        case thresholds
        /// `-Ln --persistent-conn`: Weight PersistConn ActiveConn InActConn.
        case persistentConnections

        /// The words of a server line, `->` and the address included.
        var wordCount: Int { self == .tunnelInfo ? 7 : 6 }

        /// What this layout does not show, and what the reader puts in its place.
        func missing(tunnels: Bool) -> String {
            switch self {
            case .plain:
                "an 'ipvsadm -Ln' listing shows no thresholds (-x/-y)"
                    + (tunnels ? " and no tunnel types (tunnelled servers are read as ipip; list with --tun-info to see them)" : "")
                    + ": servers are read without thresholds"
            case .tunnelInfo: "an 'ipvsadm -Ln --tun-info' listing shows no thresholds (-x/-y): servers are read without them"
            case .thresholds:
                "an 'ipvsadm -Ln --thresholds' listing shows no forwarding methods or weights: servers are read as dr with weight 1 (nat where the port differs from the service's, tun where the family does)"
            case .persistentConnections:
                "an 'ipvsadm -Ln --persistent-conn' listing shows no forwarding methods or thresholds: servers are read as dr without thresholds (nat where the port differs from the service's, tun where the family does)"
            }
        }
    }

    let file: String
    private var report: IPVSAdmDiagnostics
    private var layout: Layout?
    /// Where the layout was settled: the warning about what it lacks points there.
    private var layoutToken: IPVSAdmToken?
    private var services: [ServiceKey: VirtualService] = [:]
    private var servers: [ServiceKey: [RealServer]] = [:]
    private var serviceLines: [ServiceKey: Int] = [:]
    private var serverLines: [ServiceKey: [ServerKey: Int]] = [:]
    /// The service the `->` lines below belong to: nil before the first service line, and after
    /// one that was rejected (its servers are then skipped without a message of their own).
    private var current: ServiceKey?
    private var currentRejected = false
    private var timeouts: Timeouts?
    private var sawTunnel = false
    /// After a `--stats` or `--rate` header nothing more is read: those columns are counters.
    private var refused = false

    init(file: String) {
        self.file = file
        report = IPVSAdmDiagnostics(file: file)
    }

    var diagnostics: [Diagnostic] { report.all }

    var table: IPVSTable {
        IPVSTable(services: services.values.map { service in
            var service = service
            service.servers = servers[service.key] ?? []
            return service
        }, timeouts: timeouts)
    }

    /// Whether the lines are a listing rather than a save: one of the first three starts with a
    /// word only a listing starts a line with (the first may be a pasted shell prompt).
    static func isListing(_ lines: [IPVSAdmLine]) -> Bool {
        lines.prefix(3).contains { line in
            let first = line.words[0].text
            return ["IP", "Prot", "->", "Timeout", "FWM"].contains(first) || protocols[first] != nil
        }
    }

    private static let protocols: [String: IPProtocol] = ["TCP": .tcp, "UDP": .udp, "SCTP": .sctp]
    private static let forwardings: [String: Forwarding] = ["Route": .dr, "Masq": .nat, "Tunnel": .tunnel(.ipip), "Local": .local]

    mutating func read(_ lines: [IPVSAdmLine]) {
        for line in lines where !refused {
            if let unprintable = line.unprintable {
                report.refuse(unprintable)
                continue
            }
            do {
                try readLine(line.words)
            } catch {
                report.error(at: error.location, error.message)
            }
        }
        if let layout, !servers.isEmpty, let at = layoutToken {
            report.warning(at: at.location, layout.missing(tunnels: sawTunnel) + "; connection counters are ignored")
        }
    }

    private mutating func readLine(_ words: [IPVSAdmToken]) throws(IPVSAdmLineError) {
        let first = words[0]
        switch first.text {
        case "IP" where words.count > 1 && words[1].text == "Virtual":
            return  // IP Virtual Server version 1.2.1 (size=4096)
        case "Prot":
            try readServiceHeader(words)
        case "->" where words.count > 1 && words[1].text == "RemoteAddress:Port":
            if words.contains(where: { $0.text == "TunnelInfo" }) {
                settle(.tunnelInfo, at: first)
            } else if words.contains(where: { $0.text == "Forward" }) {
                settle(.plain, at: first)
            }
        case "->":
            try readServer(words)
        case "FWM", "TCP", "UDP", "SCTP":
            current = nil
            currentRejected = true
            try readService(words)
            currentRejected = false
        case "Timeout":
            try readTimeouts(words)
        default:
            throw IPVSAdmLineError(first, "'\(first.text)' does not start a line of an 'ipvsadm -Ln' listing (a service line starts with TCP, UDP, SCTP or FWM, a server line with ->)")
        }
    }

    /// `Prot LocalAddress:Port …`: the plain and --tun-info layouts name their server columns
    /// on the next line; the others here.
    private mutating func readServiceHeader(_ words: [IPVSAdmToken]) throws(IPVSAdmLineError) {
        guard words.count > 2 else { return }
        switch words[2].text {
        case "Uthreshold": settle(.thresholds, at: words[0])
        case "Weight": settle(.persistentConnections, at: words[0])
        case "Conns", "CPS":
            refused = true
            throw IPVSAdmLineError(words[2], "a --stats or --rate listing shows counters, not schedulers or forwarding; import 'ipvsadm -Ln' or 'ipvsadm -Sn' output")
        default: break
        }
    }

    private mutating func settle(_ layout: Layout, at token: IPVSAdmToken) {
        self.layout = layout
        layoutToken = token
    }

    /// `TCP  198.51.100.10:80 wlc (flags) persistent 360 mask 255.255.255.0 pe sip ops`,
    /// `FWM  3 IPv6 rr …`.
    private mutating func readService(_ words: [IPVSAdmToken]) throws(IPVSAdmLineError) {
        guard words.count >= 3 else {
            throw IPVSAdmLineError(words[0], "a service line needs the service and its scheduler, like 'TCP  198.51.100.10:80 wlc'")
        }
        var index = 2
        let key: ServiceKey
        if let proto = Self.protocols[words[0].text] {
            let (address, port) = try IPVSAdmValue.endpoint(words[1], "service address", protocol: proto)
            guard let port else {
                throw IPVSAdmLineError(words[1], "service '\(words[1].text)' has no port; a listing writes ADDRESS:PORT")
            }
            key = .address(proto, address, port: port)
        } else {
            let mark = try IPVSAdmValue.fwmark(words[1])
            let ipv6 = words[2].text == "IPv6"
            if ipv6 { index += 1 }
            key = .fwmark(mark, ipv6 ? .ipv6 : .ipv4)
        }
        if let line = serviceLines[key] {
            throw IPVSAdmLineError(words[0], "service \(IPVSAdmFormat.arguments(key).joined(separator: " ")) is already listed at line \(line)")
        }
        guard index < words.count else { throw IPVSAdmLineError(words[index - 1], "the scheduler is missing after the service") }
        var service = VirtualService(key: key, scheduler: try IPVSAdmParser.scheduler(words[index]))
        index += 1
        if index < words.count, words[index].text.hasPrefix("("), words[index].text.hasSuffix(")"), words[index].text.count > 2 {
            let inner = words[index].suffix(from: 1)
            let flags = IPVSAdmToken(text: String(inner.text.dropLast()), location: inner.location)
            service.schedulerFlags = try IPVSAdmParser.schedulerFlags(flags, scheduler: service.scheduler)
            index += 1
        }
        if index < words.count, words[index].text == "persistent" {
            service.persistence = try persistence(words, from: &index, family: key.family)
        }
        if index < words.count, words[index].text == "ops" {
            service.onePacket = true
            index += 1
        }
        if index < words.count {
            throw IPVSAdmLineError(words[index], "unexpected '\(words[index].text)' in a service line; after the scheduler come (flags), persistent N [mask M] [pe NAME] and ops, in that order")
        }
        if case .address(_, _, 0) = key, service.persistence == nil {
            throw IPVSAdmLineError(words[1], "port 0 (every port) needs persistence, and this service has none")
        }
        services[key] = service
        serviceLines[key] = words[0].location.line
        current = key
    }

    /// `persistent 360 [mask 255.255.255.0 | mask 64] [pe sip]`, from `index` (at `persistent`).
    private func persistence(_ words: [IPVSAdmToken], from index: inout Int, family: AddressFamily) throws(IPVSAdmLineError) -> Persistence {
        guard index + 1 < words.count else { throw IPVSAdmLineError(words[index], "'persistent' needs its timeout in seconds") }
        var persistence = Persistence(netmaskLength: family.bitWidth)
        persistence.timeout = try IPVSAdmValue.number(words[index + 1], "persistence timeout", in: 1...Persistence.maximumTimeout)
        index += 2
        if index + 1 < words.count, words[index].text == "mask" {
            persistence.netmaskLength = try IPVSAdmValue.netmaskLength(words[index + 1], family: family)
            index += 2
        }
        if index + 1 < words.count, words[index].text == "pe" {
            persistence.engine = try IPVSAdmValue.persistenceEngine(words[index + 1])
            index += 2
        }
        return persistence
    }

    /// `-> 203.0.113.11:80 Route 1 0 0`, with the columns of the layout.
    private mutating func readServer(_ words: [IPVSAdmToken]) throws(IPVSAdmLineError) {
        guard let key = current else {
            if currentRejected { return }
            throw IPVSAdmLineError(words[0], "a server line must follow its service's line (TCP, UDP, SCTP or FWM)")
        }
        let layout = try serverLayout(words)
        guard words.count == layout.wordCount else {
            throw IPVSAdmLineError(words[0], "a server line of this listing has \(layout.wordCount - 1) columns after '->'; this one has \(words.count - 1)")
        }
        let proto: IPProtocol = if case .address(let proto, _, _) = key { proto } else { .tcp }
        let (address, port) = try IPVSAdmValue.endpoint(words[1], "real server address", protocol: proto)
        let servicePort: UInt16 = if case .address(_, _, let port) = key { port } else { 0 }
        var server = RealServer(address: address, port: port ?? servicePort)
        let counters: ArraySlice<IPVSAdmToken>
        switch layout {
        case .plain, .tunnelInfo:
            server.forwarding = try forwarding(words[2], tunnelInfo: layout == .tunnelInfo ? words[3] : nil)
            let weight = words[layout == .tunnelInfo ? 4 : 3]
            server.weight = try IPVSAdmValue.number(weight, "weight", in: 0...RealServer.maximumWeight)
            counters = words[(layout == .tunnelInfo ? 5 : 4)...]
        case .thresholds:
            server.forwarding = Self.assumedForwarding(server, of: key, servicePort: servicePort)
            server.upperThreshold = try IPVSAdmValue.number(words[2], "upper threshold", in: 0...RealServer.maximumThreshold)
            server.lowerThreshold = try IPVSAdmValue.number(words[3], "lower threshold", in: 0...RealServer.maximumThreshold)
            if server.lowerThreshold > server.upperThreshold {
                throw IPVSAdmLineError(words[3], "lower threshold \(server.lowerThreshold) is above the upper threshold \(server.upperThreshold); the kernel refuses that")
            }
            counters = words[4...]
        case .persistentConnections:
            server.forwarding = Self.assumedForwarding(server, of: key, servicePort: servicePort)
            server.weight = try IPVSAdmValue.number(words[2], "weight", in: 0...RealServer.maximumWeight)
            counters = words[3...]
        }
        for counter in counters {
            _ = try IPVSAdmValue.number(counter, "connection count", in: UInt64(0)...UInt64.max)
        }
        if server.forwarding.isTunnel { sawTunnel = true }
        if address.family != key.family, !server.forwarding.isTunnel {
            throw IPVSAdmLineError(words[1], "real server \(address) is \(address.family) but the service is \(key.family); the kernel mixes families only for tunnelled servers")
        }
        if case .address = key, !server.forwarding.allowsPortMapping, server.port != servicePort {
            throw IPVSAdmLineError(words[1], "\(server.forwarding.name) server \(server.key) has another port than its service's \(servicePort); ipvsadm cannot build that, and lvsctl does not map ports without nat")
        }
        if let line = serverLines[key]?[server.key] {
            throw IPVSAdmLineError(words[1], "real server \(server.key) is already listed for this service at line \(line)")
        }
        servers[key, default: []].append(server)
        serverLines[key, default: [:]][server.key] = words[0].location.line
    }

    /// The layout, settling it from the first server line when the listing has no header lines:
    /// a word in the Forward column tells the plain and --tun-info layouts by word count; the
    /// --thresholds and --persistent-conn layouts are all numbers and need their header.
    private mutating func serverLayout(_ words: [IPVSAdmToken]) throws(IPVSAdmLineError) -> Layout {
        if let layout { return layout }
        guard words.count > 2, UInt64(words[2].text) == nil else {
            throw IPVSAdmLineError(words[0], "which columns this listing has is unknown without its header; keep the 'Prot LocalAddress:Port …' and '-> RemoteAddress:Port …' lines ipvsadm prints")
        }
        settle(words.count == Layout.tunnelInfo.wordCount ? .tunnelInfo : .plain, at: words[0])
        return layout!
    }

    /// The Forward column, and with --tun-info the TunnelInfo one: `n/a`, `ipip`,
    /// `gue:PORT:FLAGS`, `gre:FLAGS`, the flags `-c` (no checksum), `+c` (checksum) or `r+c`
    /// (remote checksum).
    private func forwarding(_ token: IPVSAdmToken, tunnelInfo: IPVSAdmToken?) throws(IPVSAdmLineError) -> Forwarding {
        guard let forwarding = Self.forwardings[token.text] else {
            throw IPVSAdmLineError(token, "unknown forwarding '\(token.text)'; a listing shows Route, Masq, Tunnel or Local")
        }
        guard let info = tunnelInfo else { return forwarding }
        guard forwarding.isTunnel else {
            guard info.text == "n/a" else {
                throw IPVSAdmLineError(info, "tunnel information '\(info.text)' on a \(token.text) server; only Tunnel servers have any (n/a)")
            }
            return forwarding
        }
        return .tunnel(try Self.tunnel(info))
    }

    private static func tunnel(_ token: IPVSAdmToken) throws(IPVSAdmLineError) -> Tunnel {
        let parts = token.text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let checksums: [String: TunnelChecksum] = ["-c": .none, "+c": .csum, "r+c": .remcsum]
        let invalid = IPVSAdmLineError(token, "tunnel information '\(token.text)' is not valid; a listing shows ipip, gue:PORT:FLAGS or gre:FLAGS, with FLAGS -c, +c or r+c")
        switch parts[0] {
        case "ipip" where parts.count == 1:
            return .ipip
        case "gue" where parts.count == 3:
            guard let checksum = checksums[parts[2]] else { throw invalid }
            let port = token.suffix(from: 4)
            return .gue(port: try IPVSAdmValue.number(IPVSAdmToken(text: parts[1], location: port.location),
                                                      "tunnel port", in: 1...UInt16.max), checksum: checksum)
        case "gre" where parts.count == 2:
            guard let checksum = checksums[parts[1]], checksum != .remcsum else { throw invalid }
            return .gre(checksum: checksum)
        default:
            throw invalid
        }
    }

    /// The forwarding of a server in a layout without a Forward column: the one ipvsadm's
    /// defaults and rules leave possible.
    private static func assumedForwarding(_ server: RealServer, of key: ServiceKey, servicePort: UInt16) -> Forwarding {
        if server.address.family != key.family { return .tunnel(.ipip) }
        if case .address = key, server.port != servicePort { return .nat }
        return .dr
    }

    /// `Timeout (tcp tcpfin udp): 900 120 300`, as `ipvsadm -L --timeout` prints it.
    private mutating func readTimeouts(_ words: [IPVSAdmToken]) throws(IPVSAdmLineError) {
        guard words.count == 7, words[1...3].map(\.text) == ["(tcp", "tcpfin", "udp):"] else {
            throw IPVSAdmLineError(words[0], "a timeout line reads 'Timeout (tcp tcpfin udp): 900 120 300'")
        }
        var seconds: [UInt32?] = []
        for word in words[4...] {
            let value = try IPVSAdmValue.number(word, "timeout", in: 0...Timeouts.maximum)
            seconds.append(value == 0 ? nil : value)
        }
        let read = Timeouts(tcp: seconds[0], tcpFin: seconds[1], udp: seconds[2])
        timeouts = read == Timeouts() ? nil : read
    }
}
