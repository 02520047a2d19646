import LVSModel

/// Health checks (`check`) and what a service does with its servers' health (`on_failure`,
/// `quorum`, `sorry_server`); docs/config.md.
extension ConfigDecoder {
    /// What a `check` key says: a check, or `none` (no check at this level and below).
    enum CheckSetting: Sendable, Equatable {
        case none
        case check(HealthCheck)

        var check: HealthCheck? { if case .check(let check) = self { check } else { nil } }
    }

    private static let probeTypes = ["tcp", "http", "https", "dns", "exec", "none"]
    private static let dnsTypes: [(String, UInt16)] = [("A", 1), ("NS", 2), ("CNAME", 5), ("SOA", 6), ("PTR", 12),
                                                       ("MX", 15), ("TXT", 16), ("AAAA", 28), ("SRV", 33)]
    private static let rcodes = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"]
    /// The keys each probe type reads beyond the common ones.
    private static let probeKeys: [String: [ConfigKeys.Check]] = [
        "tcp": [], "http": [.method, .path, .host, .status, .body], "https": [.method, .path, .host, .status, .body, .server_name, .verify],
        "dns": [.query, .query_type, .transport, .rcode], "exec": [.command],
    ]

    /// `check: none`, `check: tcp` (a type alone), or a mapping with `type` and its settings.
    mutating func checkSetting(_ node: YAMLNode) -> CheckSetting? {
        if node.isScalar {
            guard let type = choice(node, "check type", from: Self.probeTypes) else { return nil }
            if type == "none" { return CheckSetting.none }
            guard type == "tcp" else {
                error(node, "a '\(type)' check needs settings; write it as a mapping, like 'check: { type: \(type), \(Self.example[type] ?? "") }'")
                return nil
            }
            return .check(HealthCheck(probe: .tcp))
        }
        guard let f = fields(node, of: "check", ConfigKeys.Check.self) else { return nil }
        guard let typeNode = f[.type] else {
            error(node, "a check needs 'type': one of \(Self.probeTypes.joined(separator: ", "))")
            return nil
        }
        guard let type = choice(typeNode, "check type", from: Self.probeTypes) else { return nil }
        if type == "none" {
            for key in ConfigKeys.Check.allCases where key != .type {
                if let n = f[key] { error(n, "'check: none' turns checking off and takes no '\(key.name)'") }
            }
            return CheckSetting.none
        }
        let allowed = Self.probeKeys[type] ?? []
        for key in ConfigKeys.Check.allCases where key.rawValue >= ConfigKeys.Check.method.rawValue && !allowed.contains(key) {
            if let n = f[key] {
                error(n, "'\(key.name)' is not a setting of a \(type) check\(allowed.isEmpty ? "" : "; its settings: \(allowed.map(\.name).joined(separator: ", "))")")
            }
        }
        var check = HealthCheck(probe: .tcp)
        var valid = true
        if let n = f[.interval] { if let d = duration(n, "check interval", atLeast: .milliseconds(100)) { check.interval = d } else { valid = false } }
        if let n = f[.timeout] { if let d = duration(n, "check timeout", atLeast: .milliseconds(10)) { check.timeout = d } else { valid = false } }
        if check.timeout >= check.interval {
            error(f[.timeout] ?? f[.interval] ?? node, "check timeout \(DurationText.format(check.timeout)) must be below the interval \(DurationText.format(check.interval)), so that a probe ends before the next one starts")
            valid = false
        }
        if let n = f[.rise] { if let v = integer(n, "check rise", in: 1...100) { check.rise = v } else { valid = false } }
        if let n = f[.fall] { if let v = integer(n, "check fall", in: 1...100) { check.fall = v } else { valid = false } }
        if let n = f[.address] { if let a = address(n, "check address") { check.address = a } else { valid = false } }
        if let n = f[.port] { if let p = integer(n, "check port", in: UInt16(1)...UInt16.max) { check.port = p } else { valid = false } }
        let probe: HealthCheck.Probe?
        switch type {
        case "http": probe = httpProbe(f).map { .http($0) }
        case "https":
            let tls = HealthCheck.TLSProbe(serverName: f[.server_name].flatMap { hostName($0, "check server_name") },
                                           verify: f[.verify].flatMap { boolean($0, "check verify") } ?? true)
            probe = httpProbe(f).map { .https($0, tls) }
        case "dns": probe = dnsProbe(f, node: node).map { .dns($0) }
        case "exec": probe = execProbe(f, node: node).map { .exec($0) }
        default: probe = .tcp
        }
        guard valid, let probe else { return nil }
        check.probe = probe
        return .check(check)
    }

    private static let example = ["http": "path: /healthz", "https": "path: /healthz", "dns": "query: example.org",
                                  "exec": "command: [/usr/local/bin/check]"]

    private mutating func httpProbe(_ f: borrowing Fields<ConfigKeys.Check>) -> HealthCheck.HTTPProbe? {
        var probe = HealthCheck.HTTPProbe()
        var valid = true
        if let n = f[.method] {
            if let method = string(n, "check method"), !method.isEmpty, method.count <= 16,
               method.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) {
                probe.method = method
            } else {
                error(n, "check method must be an HTTP method in capitals, like GET or HEAD")
                valid = false
            }
        }
        if let n = f[.path] {
            if let path = string(n, "check path"), path.hasPrefix("/"), path.utf8.count <= 2048,
               path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
                probe.path = path
            } else {
                error(n, "check path must start with '/' and hold printable ASCII without spaces (escape others as %XX), at most 2048 bytes")
                valid = false
            }
        }
        if let n = f[.host] { if let host = hostName(n, "check host") { probe.host = host } else { valid = false } }
        if let n = f[.status] { if let statuses = statuses(n) { probe.statuses = statuses } else { valid = false } }
        if let n = f[.body] {
            if let body = freeText(n, "check body text"), !body.isEmpty { probe.body = body } else { valid = false }
        }
        return valid ? probe : nil
    }

    /// A `Host` header or TLS server name: letters, digits, '-', '.', ':' and brackets (an
    /// address with a port), nothing that could end the header line.
    private mutating func hostName(_ node: YAMLNode, _ what: String) -> String? {
        guard let text = string(node, what) else { return nil }
        let allowed: (UInt8) -> Bool = {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || Array("-.:[]_".utf8).contains($0)
        }
        guard !text.isEmpty, text.utf8.count <= 255, text.utf8.allSatisfy(allowed) else {
            error(node, "\(what) '\(text)' is not a host name; use letters, digits, '-' and '.', like www.example.org (optionally with :PORT)")
            return nil
        }
        return text
    }

    /// `200`, `"200-399"`, or a list of them.
    private mutating func statuses(_ node: YAMLNode) -> [ClosedRange<Int>]? {
        let list = node.kind == .sequence ? Array(document.children(node)) : [node]
        guard !list.isEmpty else {
            error(node, "check status needs at least one code or range, like 200 or \"200-399\"")
            return nil
        }
        var ranges: [ClosedRange<Int>] = []
        for item in list {
            let text = text(item) ?? ""
            let ends = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard item.isScalar, (1...2).contains(ends.count), let low = ends.first ?? nil, let high = ends.last ?? nil,
                  100 <= low, low <= high, high <= 599 else {
                error(item, "check status '\(text)' is not a status code (100–599) or a range of them like \"200-399\"")
                return nil
            }
            ranges.append(low...high)
        }
        return ranges
    }

    private mutating func dnsProbe(_ f: borrowing Fields<ConfigKeys.Check>, node: YAMLNode) -> HealthCheck.DNSProbe? {
        guard let n = f[.query] else {
            error(node, "a dns check needs 'query', the name to ask for, like 'query: example.org'")
            return nil
        }
        guard let name = string(n, "check query") else { return nil }
        let labels = name.hasSuffix(".") ? name.dropLast().split(separator: ".", omittingEmptySubsequences: false)
                                         : name.split(separator: ".", omittingEmptySubsequences: false)
        guard name.utf8.count <= 253, !labels.isEmpty, labels.allSatisfy({ (1...63).contains($0.utf8.count) }),
              name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            error(n, "check query '\(name)' is not a domain name; write labels of 1–63 printable characters joined by '.', like example.org")
            return nil
        }
        var probe = HealthCheck.DNSProbe(name: name)
        if let n = f[.query_type] {
            if let text = text(n), let number = UInt16(text) {
                probe.type = number
            } else if let type = choice(n, "check query_type", from: Self.dnsTypes.map(\.0)) {
                probe.type = Self.dnsTypes.first { $0.0 == type }!.1
            } else {
                return nil
            }
        }
        if let n = f[.transport] {
            guard let transport = choice(n, "check transport", from: HealthCheck.DNSProbe.Transport.allCases.map(\.rawValue)) else { return nil }
            probe.transport = HealthCheck.DNSProbe.Transport(rawValue: transport) ?? .udp
        }
        if let n = f[.rcode] {
            if let text = text(n), let number = UInt8(text), number <= 15 {
                probe.rcode = number
            } else if let rcode = choice(n, "check rcode", from: Self.rcodes) {
                probe.rcode = UInt8(Self.rcodes.firstIndex(of: rcode)!)
            } else {
                return nil
            }
        }
        return probe
    }

    /// An argument array; the program is named by an absolute path, as no shell or PATH is used.
    private mutating func execProbe(_ f: borrowing Fields<ConfigKeys.Check>, node: YAMLNode) -> [String]? {
        guard let n = f[.command] else {
            error(node, "an exec check needs 'command', an argument list like [/usr/local/bin/check, --fast]")
            return nil
        }
        guard n.kind == .sequence else {
            error(n, "check command must be a list of arguments, like [/usr/local/bin/check, --fast]; it is run without a shell, so a string would not be split")
            return nil
        }
        var arguments: [String] = []
        for item in document.children(n) {
            guard let argument = string(item, "check command argument") else { return nil }
            guard argument.utf8.count <= 4096, !argument.utf8.contains(0) else {
                error(item, "check command argument is longer than 4096 bytes or holds a NUL byte")
                return nil
            }
            arguments.append(argument)
        }
        guard let program = arguments.first, program.hasPrefix("/") else {
            error(n, "check command must start with the program's absolute path, like /usr/local/bin/check; no PATH is searched")
            return nil
        }
        return arguments
    }

    private mutating func duration(_ node: YAMLNode, _ what: String, atLeast minimum: Duration) -> Duration? {
        let text = text(node) ?? ""
        guard node.isScalar, let duration = DurationText.parse(text), duration >= minimum, duration <= .seconds(3600) else {
            error(node, "\(what) '\(text)' is not a duration from \(DurationText.format(minimum)) to 1h; write 5s, 500ms, 2m or a number of seconds")
            return nil
        }
        return duration
    }

    mutating func failureAction(_ node: YAMLNode) -> HealthPolicy.FailureAction? {
        choice(node, "on_failure", from: HealthPolicy.FailureAction.allCases.map(\.rawValue)).flatMap(HealthPolicy.FailureAction.init(rawValue:))
    }

    /// `quorum: N` (healthy servers), `{servers: N}` or `{weight: W}` (healthy weight).
    mutating func quorum(_ node: YAMLNode) -> HealthPolicy.Quorum? {
        if node.isScalar { return integer(node, "quorum (healthy servers)", in: 1...1_000_000).map { .servers($0) } }
        guard let f = fields(node, of: "quorum", ConfigKeys.Quorum.self) else { return nil }
        switch (f[.servers], f[.weight]) {
        case (let n?, nil): return integer(n, "quorum servers", in: 1...1_000_000).map { .servers($0) }
        case (nil, let n?): return integer(n, "quorum weight", in: UInt32(1)...UInt32.max).map { .weight($0) }
        default:
            error(node, "quorum takes one of 'servers' (healthy servers) or 'weight' (their total weight)")
            return nil
        }
    }
}
