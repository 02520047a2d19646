internal import Dispatch
internal import Glibc
import LVSModel
internal import Synchronization

extension ConfigDecoder {
    mutating func decodeServices(_ node: YAMLNode, defaults: ServiceDefaults, extraSchedulers: [Scheduler],
                                 scope: Scope, into state: inout DesiredState) {
        let dip = state.director?.address
        guard let list = items(node, of: "services") else { return }
        var keys: [ServiceKey: Int] = [:]
        var names: [String: Int] = [:]
        var services: [VirtualService] = []
        keys.reserveCapacity(list.count)
        names.reserveCapacity(list.count)
        state.names.reserveCapacity(list.count)
        services.reserveCapacity(list.count)
        var decodedList = decodeEach(list, defaults: defaults, extraSchedulers: extraSchedulers)
        for (item, index) in zip(list, decodedList.indices) {
            // Moved out rather than copied: a copy counts a reference on each of its parts.
            guard let decoded = decodedList[index].take() else { continue }
            let service = decoded.service
            if let line = keys[service.key] {
                error(item, "duplicate service \(service.key); it is already defined at line \(line)")
                continue
            }
            keys[service.key] = item.location.line
            if !scope.contains(service.key) {
                error(item, "service \(service.key) is outside 'scope', so lvsctl would never manage it; widen the scope or remove the service")
            }
            if let name = decoded.name {
                if let line = names[name] {
                    error(decoded.nameNode ?? item, "duplicate service name '\(name)'; it is already used at line \(line)")
                }
                names[name] = item.location.line
                state.names[service.key] = name
            }
            if let match = decoded.match { state.firewallMatches[service.key] = match }
            if let policy = decoded.policy {
                state.checks[service.key] = decoded.checks
                state.healthPolicies[service.key] = policy
            }
            if !decoded.fullNAT.isEmpty {
                if dip == nil {
                    error(item, "FULLNAT rewrites the source of packets to the director's address towards the servers; set director.address")
                } else if let dip, dip.family != service.key.family {
                    error(item, "FULLNAT rewrites the source to director.address \(dip), which is \(dip.family), but this service is \(service.key.family)")
                }
                state.fullNATServers[service.key] = decoded.fullNAT
            }
            services.append(service)
        }
        state.table.services = services
    }

    /// Services in a list shorter than this are decoded on the calling thread.
    private static let parallelThreshold = 2_000

    /// Each service of `list` on its own, on one thread per CPU when the list is long: a
    /// service's entry does not depend on the others (repeated keys and names are found
    /// afterwards, in file order), and a large config then loads in a fraction of the time.
    /// Each thread writes its share of the entries in place in the result, and the diagnostics
    /// come back in file order.
    private mutating func decodeEach(_ list: [YAMLNode], defaults: ServiceDefaults,
                                     extraSchedulers: [Scheduler]) -> [DecodedService?] {
        let workers = list.count < Self.parallelThreshold ? 1 : max(1, min(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 8))
        let shares = (0..<workers).map { list.count * $0 / workers..<list.count * ($0 + 1) / workers }
        let diagnostics = Mutex([[Diagnostic]](repeating: [], count: workers))
        let base = ConfigDecoder(file: file, document: document, limit: .max)
        let decoded = [DecodedService?](unsafeUninitializedCapacity: list.count) { buffer, count in
            // Each share initializes its own range of `buffer`, and only that.
            nonisolated(unsafe) let entries = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { share in
                var decoder = base
                for index in shares[share] {
                    (entries.baseAddress! + index).initialize(
                        to: decoder.decodeService(list[index], defaults: defaults, extraSchedulers: extraSchedulers))
                }
                diagnostics.withLock { $0[share] = decoder.diagnostics }
            }
            count = list.count
        }
        diagnostics.withLock { $0.joined().forEach { record($0) } }
        return decoded
    }

    private struct DecodedService: Sendable {
        var service: VirtualService
        var name: String?
        var nameNode: YAMLNode?
        var match: FirewallMatch?
        var fullNAT: Set<ServerKey> = []
        var checks: [ServerKey: HealthCheck] = [:]
        /// Present when a server is checked.
        var policy: HealthPolicy?
    }

    private mutating func decodeService(_ node: YAMLNode, defaults: ServiceDefaults,
                                        extraSchedulers: [Scheduler]) -> DecodedService? {
        guard let f = fields(node, of: "a service", ConfigKeys.Service.self) else { return nil }
        let name = f[.name].flatMap { freeText($0, "service name") }
        let key = serviceKey(f)
        var chosen: Scheduler? = defaults.scheduler
        if let n = f[.scheduler] { chosen = scheduler(n, extra: extraSchedulers) }
        guard let key, let chosen else { return nil }
        var service = VirtualService(key: key, scheduler: chosen)
        if let n = f[.flags] { decodeFlags(n, into: &service) }
        if let n = f[.persistence] { service.persistence = persistence(n, family: key.family) }
        checkPortZero(service, f)

        let match = f[.match].flatMap { firewallMatch($0, key: key) }
        let forwarding = defaults.forwarding.overlaid(by: forwardingSpec(forward: f[.forward], tunnel: f[.tunnel],
                                                                         inheriting: defaults.forwarding))
        let weight = f[.weight].flatMap { integer($0, "weight", in: 0...RealServer.maximumWeight) } ?? defaults.weight
        func what() -> String { name.map { "service '\($0)'" } ?? "service \(key)" }
        let check = f[.check].map { checkSetting($0) } ?? defaults.check
        var decoded: [(server: RealServer, fullNAT: Bool, check: HealthCheck?, item: YAMLNode)] = []
        if let list = f[.servers], isList(list, of: "servers of \(what())") {
            decoded.reserveCapacity(Int(list.record.count))
            for item in document.children(list) {
                guard let entry = server(item, of: key, forwarding: forwarding, weight: weight, check: check) else { continue }
                decoded.append((entry.server, entry.fullNAT, entry.check, item))
            }
        }
        // Repeated servers are found side by side once sorted, which a service does to its
        // servers anyway; of each run, the first listed is kept.
        decoded.sort { ($0.server.key, $0.item.index) < ($1.server.key, $1.item.index) }
        var servers: [RealServer] = []
        servers.reserveCapacity(decoded.count)
        var fullNAT: Set<ServerKey> = []
        var checks: [ServerKey: HealthCheck] = [:]
        var kept: (key: ServerKey, line: Int)?
        for entry in decoded {
            if let kept, kept.key == entry.server.key {
                error(entry.item, "duplicate real server \(kept.key) in \(what()); it is already listed at line \(kept.line)")
                continue
            }
            kept = (entry.server.key, entry.item.location.line)
            servers.append(entry.server)
            if entry.fullNAT { fullNAT.insert(entry.server.key) }
            if let check = entry.check {
                if entry.server.port == 0, check.port == nil, check.probe.type != "exec" {
                    error(entry.item, "server \(entry.server.key.address) has no port (a fwmark or all-ports service), so its \(check.probe.type) check has none to probe; give the check a 'port'")
                }
                checks[entry.server.key] = check
            }
        }
        service.servers = servers
        let policy = healthPolicy(f, checked: checks.count, servers: servers, key: key, scheduler: service.scheduler,
                                  forwarding: forwarding, weight: weight,
                                  onFailure: defaults.onFailure)
        return DecodedService(service: service, name: name, nameNode: f[.name], match: match, fullNAT: fullNAT,
                              checks: checks, policy: policy)
    }

    /// What the service does with its servers' health; nil when none is checked (and then its
    /// health settings are pointless, which is said).
    private mutating func healthPolicy(_ f: borrowing Fields<ConfigKeys.Service>, checked: Int, servers: [RealServer], key: ServiceKey,
                                       scheduler: Scheduler,
                                       forwarding: ForwardingSpec, weight: UInt32,
                                       onFailure: HealthPolicy.FailureAction) -> HealthPolicy? {
        guard checked > 0 else {
            for setting in [ConfigKeys.Service.on_failure, .quorum, .sorry_server] {
                if let n = f[setting] { warning(n, "'\(setting.name)' has no effect: no server of this service has a check") }
            }
            return nil
        }
        var policy = HealthPolicy(onFailure: onFailure)
        if let n = f[.on_failure], let action = failureAction(n) { policy.onFailure = action }
        if policy.onFailure == .remove, scheduler == .mh {
            error(f[.on_failure] ?? f.node, "an mh service quiesces failing servers: removing one reshuffles the lookup table every director must share (docs/ecmp.md); use 'on_failure: quiesce'")
        }
        if let n = f[.quorum], let quorum = quorum(n) {
            if case .servers(let count) = quorum, count > servers.count {
                error(n, "quorum \(count) is more servers than the service has (\(servers.count)); it could never be met")
            }
            policy.quorum = quorum
        }
        if let n = f[.sorry_server], let sorry = server(n, of: key, forwarding: forwarding, weight: weight) {
            if n.isScalar || sorry.check == nil {
                if servers.contains(where: { $0.key == sorry.server.key }) {
                    error(n, "sorry server \(sorry.server.key) is also one of the service's servers; use an address and port of its own")
                }
                policy.belowQuorum = .sorryServer(sorry.server)
            } else {
                error(n, "a sorry server takes no 'check': it is used only when too few checked servers are healthy")
            }
        }
        return policy
    }

    /// The service's identity: `fwmark` (with an optional `family`), or `vip` + `protocol` + `port`.
    private mutating func serviceKey(_ f: borrowing Fields<ConfigKeys.Service>) -> ServiceKey? {
        if let markNode = f[.fwmark] {
            for key in [ConfigKeys.Service.vip, .port, .protocol] where f[key] != nil {
                error(f[key]!, "a fwmark service is selected by its mark alone and takes no '\(key.name)'; put the addresses and ports to mark under 'match'")
            }
            guard let mark = integer(markNode, "fwmark", in: UInt32(0)...UInt32.max) else { return nil }
            guard mark != 0 else {
                error(markNode, "fwmark 0 means 'no mark' to the kernel; use a mark from 1 to \(UInt32.max)")
                return nil
            }
            var family = AddressFamily.ipv4
            if let n = f[.family] {
                guard let name = choice(n, "family", from: AddressFamily.allCases.map(\.rawValue)) else { return nil }
                family = AddressFamily(rawValue: name) ?? .ipv4
            } else if let vip = f[.match].flatMap({ matchVIP($0) }) {
                family = vip.family
            }
            return .fwmark(mark, family)
        }
        if let n = f[.family] {
            error(n, "'family' is only for fwmark services; an address service's family follows from its vip")
        }
        guard let vipNode = f[.vip] else {
            error(f.node, "a service needs either 'vip' with 'port' (and 'protocol', default tcp) or 'fwmark'")
            return nil
        }
        let vip = address(vipNode, "vip")
        let proto = f[.`protocol`].flatMap { choice($0, "protocol", from: IPProtocol.allCases.map(\.rawValue)) }
            .flatMap(IPProtocol.init(rawValue:))
        guard let portNode = f[.port] else {
            error(vipNode, "a service with a vip needs 'port' (0 serves every port and needs persistence)")
            return nil
        }
        let port = integer(portNode, "port", in: UInt16(0)...UInt16.max)
        guard let vip, let port, f[.`protocol`] == nil || proto != nil else { return nil }
        if let n = f[.match] {
            error(n, "'match' belongs to fwmark services: it writes the rule that marks packets; an address service matches by vip and port itself")
        }
        return .address(proto ?? .tcp, vip, port: port)
    }

    /// The vip inside `match`, read quietly: `firewallMatch` reports its errors.
    private func matchVIP(_ node: YAMLNode) -> IPAddress? {
        guard let vip = document.pairs(node).first(where: { text($0.key) == "vip" }).flatMap({ text($0.value) }) else {
            return nil
        }
        return IPAddress(vip)
    }

    private mutating func decodeFlags(_ node: YAMLNode, into service: inout VirtualService) {
        let flagNames = service.scheduler.flagNames ?? [:]
        let valid = ["one-packet"] + flagNames.sorted { $0.key.rawValue < $1.key.rawValue }.map(\.value)
        for item in items(node, of: "flags") ?? [] {
            guard let name = string(item, "flag") else { continue }
            if name == "one-packet" {
                if case .address(let proto, _, _) = service.key, proto != .udp {
                    error(item, "one-packet scheduling is for UDP (or fwmark) services; this service is \(proto)")
                }
                service.onePacket = true
            } else if let bit = flagNames.first(where: { $0.value == name })?.key {
                service.schedulerFlags.insert(bit)
            } else if let owner = ["sh-fallback": "sh", "sh-port": "sh", "mh-fallback": "mh", "mh-port": "mh"][name] {
                error(item, "flag '\(name)' only affects the \(owner) scheduler; this service uses \(service.scheduler), which ignores it")
            } else {
                error(item, "unknown flag '\(name)'\(Suggestion.phrase(for: name, in: valid)); valid for scheduler \(service.scheduler): \(valid.joined(separator: ", "))")
            }
        }
    }

    private mutating func persistence(_ node: YAMLNode, family: AddressFamily) -> Persistence? {
        guard let f = fields(node, of: "persistence", ConfigKeys.Persistence.self) else { return nil }
        var persistence = Persistence(netmaskLength: family.bitWidth)
        if let n = f[.timeout] {
            if text(n) == "0" {
                error(n, "a persistence timeout of 0 turns persistence off; use 1 to \(Persistence.maximumTimeout) seconds, or remove 'persistence'")
            } else if let timeout = integer(n, "persistence timeout (seconds)", in: UInt32(1)...Persistence.maximumTimeout) {
                persistence.timeout = timeout
            }
        }
        if let n = f[.netmask], let length = netmaskLength(n, family: family) { persistence.netmaskLength = length }
        if let n = f[.engine] {
            persistence.engine = choice(n, "persistence engine", from: Persistence.mainlineEngines)
        }
        return persistence
    }

    /// IPv4: a dotted netmask (`255.255.255.0`) or a prefix length; IPv6: a prefix length 1–128.
    private mutating func netmaskLength(_ node: YAMLNode, family: AddressFamily) -> Int? {
        if let text = text(node), let mask = IPAddress(text) {
            guard family == .ipv4, mask.family == .ipv4 else {
                error(node, family == .ipv6
                    ? "an IPv6 service groups clients by prefix length; write a number from 1 to 128, like 'netmask: 64'"
                    : "netmask '\(text)' is IPv6, but this is an IPv4 service; write a dotted mask like 255.255.255.0 or a length 0–32")
                return nil
            }
            let value = mask.ipv4Value ?? 0
            let length = value.leadingZeroBitCount == 32 ? 0 : (~value).leadingZeroBitCount
            guard length == 32 || value << UInt32(length) == 0 else {
                error(node, "netmask \(text) is not contiguous; write a mask like 255.255.255.0 (ones then zeros)")
                return nil
            }
            return length
        }
        switch family {
        case .ipv4:
            if let text = text(node), let n = Int(text), n > 32 {
                error(node, "netmask /\(n) is longer than an IPv4 address; for an IPv4 service use 0–32 or a dotted mask like 255.255.255.0")
                return nil
            }
            return integer(node, "netmask prefix length", in: 0...32)
        case .ipv6:
            return integer(node, "IPv6 netmask prefix length", in: 1...128)
        }
    }

    private mutating func checkPortZero(_ service: VirtualService, _ f: borrowing Fields<ConfigKeys.Service>) {
        guard case .address(_, _, 0) = service.key, service.persistence == nil, let n = f[.port] else { return }
        error(n, "port 0 (every port) needs persistence, or connections of one client would be spread over servers; add 'persistence: { timeout: 360 }'")
    }

    private mutating func firewallMatch(_ node: YAMLNode, key: ServiceKey) -> FirewallMatch? {
        guard case .fwmark(_, let family) = key,
              let f = fields(node, of: "match", ConfigKeys.Match.self) else { return nil }
        guard let vipNode = f[.vip] else {
            error(node, "match needs 'vip', the address whose packets get the mark")
            return nil
        }
        guard let vip = address(vipNode, "match vip") else { return nil }
        if vip.family != family {
            error(vipNode, "match vip \(vip) is \(vip.family), but the service's family is \(family)")
        }
        var match = FirewallMatch(vip: vip)
        if let n = f[.`protocol`] {
            guard let name = choice(n, "protocol", from: IPProtocol.allCases.map(\.rawValue)),
                  let proto = IPProtocol(rawValue: name) else { return nil }
            match.protocol = proto
        }
        for item in f[.ports].flatMap({ items($0, of: "match ports") }) ?? [] {
            if let range = portRange(item) { match.ports.append(range) }
        }
        return match
    }

    private mutating func portRange(_ node: YAMLNode) -> PortRange? {
        guard let text = text(node), text.contains("-") else {
            return integer(node, "match port", in: UInt16(1)...UInt16.max).map { PortRange($0) }
        }
        let ends = text.split(separator: "-", omittingEmptySubsequences: false).map { UInt16($0) }
        guard ends.count == 2, let lower = ends[0], let upper = ends[1], lower >= 1, lower <= upper else {
            error(node, "port range '\(text)' is not valid; write LOW-HIGH with 1 ≤ LOW ≤ HIGH ≤ 65535, like \"8000-8080\"")
            return nil
        }
        return PortRange(lower, upper)
    }
}
