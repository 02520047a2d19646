import LVSModel

/// `forward` and `tunnel` as one level of the file states them (defaults, service or server);
/// inner levels override outer ones key by key.
struct ForwardingSpec: Sendable {
    var method: String?
    var tunnel: Tunnel?
    /// Where `tunnel` was written, to point at it when it does not apply.
    var tunnelNode: YAMLNode?

    func overlaid(by inner: ForwardingSpec) -> ForwardingSpec {
        ForwardingSpec(method: inner.method ?? method, tunnel: inner.tunnel ?? tunnel,
                       tunnelNode: inner.tunnelNode ?? tunnelNode)
    }

    /// The method lvsctl uses when no level names one, as ipvsadm does.
    static let defaultMethod = "dr"

    /// The kernel's methods, and FULLNAT, which lvsctl builds from masquerading plus a source rewrite.
    static let methods = Forwarding.names + ["fullnat"]

    var isFullNAT: Bool { method == "fullnat" }

    /// What the kernel's table holds: FULLNAT is masquerading there.
    var forwarding: Forwarding {
        switch method ?? Self.defaultMethod {
        case "nat", "fullnat": .nat
        case "tun": .tunnel(tunnel ?? .ipip)
        case "local": .local
        default: .dr
        }
    }
}

extension ConfigDecoder {
    /// Reads the `forward` and `tunnel` values of one mapping, and refuses a `tunnel` written
    /// where the method in force is not `tun`.
    mutating func forwardingSpec(forward: YAMLNode?, tunnel tunnelNode: YAMLNode?,
                                 inheriting outer: ForwardingSpec = ForwardingSpec()) -> ForwardingSpec {
        var spec = ForwardingSpec()
        if let n = forward { spec.method = choice(n, "forwarding method", from: ForwardingSpec.methods) }
        if let n = tunnelNode {
            spec.tunnel = tunnel(n)
            spec.tunnelNode = n
            let method = spec.method ?? outer.method ?? ForwardingSpec.defaultMethod
            if method != "tun" {
                error(n, "tunnel settings apply only to 'forward: tun', but this forwarding is '\(method)'; remove 'tunnel' or set 'forward: tun'")
            }
        }
        return spec
    }

    private mutating func tunnel(_ node: YAMLNode) -> Tunnel? {
        if node.isScalar {
            guard let type = choice(node, "tunnel type", from: Tunnel.typeNames) else { return nil }
            switch type {
            case "ipip": return .ipip
            case "gue": error(node, "a gue tunnel needs a port; write 'tunnel: { type: gue, port: 6080 }'"); return nil
            default: return .gre(checksum: .none)
            }
        }
        guard let f = fields(node, of: "tunnel", ConfigKeys.Tunnel.self) else { return nil }
        guard let typeNode = f[.type] else {
            error(node, "tunnel needs a 'type': \(Tunnel.typeNames.joined(separator: ", "))")
            return nil
        }
        guard let type = choice(typeNode, "tunnel type", from: Tunnel.typeNames) else { return nil }
        let checksumNames = TunnelChecksum.allCases.map(\.rawValue)
        let checksum = f[.checksum].flatMap { choice($0, "tunnel checksum", from: checksumNames) }
            .flatMap(TunnelChecksum.init(rawValue:))
        switch type {
        case "ipip":
            for key in [ConfigKeys.Tunnel.port, .checksum] where f[key] != nil {
                error(f[key]!, "an ipip tunnel takes no '\(key.name)'; only gue has a port, and gue or gre a checksum")
            }
            return .ipip
        case "gue":
            guard let portNode = f[.port] else {
                error(typeNode, "a gue tunnel needs 'port', the UDP port the real server decapsulates on (e.g. 6080)")
                return nil
            }
            guard let port = integer(portNode, "tunnel port", in: UInt16(1)...UInt16.max) else { return nil }
            return .gue(port: port, checksum: checksum ?? .none)
        default:
            if let n = f[.port] { error(n, "a gre tunnel takes no port; only gue does") }
            if checksum == .remcsum, let n = f[.checksum] {
                error(n, "a gre tunnel cannot use remcsum; valid: none, csum")
                return nil
            }
            return .gre(checksum: checksum ?? .none)
        }
    }
}
