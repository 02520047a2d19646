import LVSModel

extension ConfigDecoder {
    /// A real server, written as a mapping or as a bare `ADDRESS`, `ADDRESS:PORT` or `[IPv6]:PORT`,
    /// whether it is reached by FULLNAT, and its health check (its own, else the service's).
    mutating func server(_ node: YAMLNode, of key: ServiceKey, forwarding outer: ForwardingSpec, weight defaultWeight: UInt32,
                         check outerCheck: CheckSetting? = nil) -> (server: RealServer, fullNAT: Bool, check: HealthCheck?)? {
        let servicePort: UInt16 = if case .address(_, _, let port) = key { port } else { 0 }
        var server: RealServer
        var portNode: YAMLNode?
        var spec = outer
        var healthCheck = outerCheck
        if node.isScalar {
            guard let (address, port) = addressAndPort(node) else { return nil }
            server = RealServer(address: address, port: port ?? servicePort, forwarding: spec.forwarding, weight: defaultWeight)
            if port != nil { portNode = node }
        } else {
            guard let f = fields(node, of: "a real server", ConfigKeys.Server.self) else { return nil }
            guard let addressNode = f[.address] else {
                error(node, "a real server needs 'address'")
                return nil
            }
            guard let (address, inlinePort) = addressAndPort(addressNode) else { return nil }
            portNode = f[.port] ?? (inlinePort != nil ? addressNode : nil)
            var port = inlinePort ?? servicePort
            if let n = f[.port] {
                guard inlinePort == nil else {
                    error(n, "the port is given twice, in 'address' and in 'port'; keep one")
                    return nil
                }
                guard let value = integer(n, "server port", in: UInt16(0)...UInt16.max) else { return nil }
                port = value
            }
            spec = outer.overlaid(by: forwardingSpec(forward: f[.forward], tunnel: f[.tunnel], inheriting: outer))
            server = RealServer(address: address, port: port, forwarding: spec.forwarding, weight: defaultWeight)
            let weight = f[.weight].map { integer($0, "weight", in: 0...RealServer.maximumWeight) }
            guard thresholds(f, into: &server), let weight = weight ?? defaultWeight else { return nil }
            server.weight = weight
            if let n = f[.check] {
                guard let own = checkSetting(n) else { return nil }
                healthCheck = own
            }
        }
        return check(server, portNode: portNode, node: node, key: key, servicePort: servicePort)
            ? (server, spec.isFullNAT, healthCheck?.check) : nil
    }

    private mutating func thresholds(_ f: borrowing Fields<ConfigKeys.Server>, into server: inout RealServer) -> Bool {
        let range = UInt32(0)...RealServer.maximumThreshold
        if let n = f[.max_conns] {
            guard let value = integer(n, "max_conns", in: range) else { return false }
            server.upperThreshold = value
        }
        if let n = f[.min_conns] {
            guard let value = integer(n, "min_conns", in: range) else { return false }
            server.lowerThreshold = value
            if server.upperThreshold == 0 {
                error(n, "min_conns needs max_conns: the server is only taken out of rotation at max_conns and back below min_conns")
                return false
            }
            if value > server.upperThreshold {
                error(n, "min_conns \(value) is above max_conns \(server.upperThreshold); min_conns must be at most max_conns")
                return false
            }
        }
        return true
    }

    /// The kernel's rules on a destination, checked here so they never reach it.
    private mutating func check(_ server: RealServer, portNode: YAMLNode?, node: YAMLNode, key: ServiceKey,
                                servicePort: UInt16) -> Bool {
        if server.address.family != key.family, !server.forwarding.isTunnel {
            error(node, "real server \(server.address) is \(server.address.family) but the service is \(key.family); the kernel mixes families only with 'forward: tun'")
            return false
        }
        // A fwmark service has no port of its own: ipvsadm keeps any server port as given, and
        // the kernel holds it as part of the server's identity, so the file can say it too.
        if case .address = key, !server.forwarding.allowsPortMapping, server.port != servicePort {
            let expected = servicePort == 0 ? "0 (leave the port out)" : "\(servicePort), the service's port (or leave it out)"
            error(portNode ?? node, "real server port \(server.port) differs from the service's, but '\(server.forwarding.name)' forwarding cannot map ports; use \(expected), or 'forward: nat' to map ports")
            return false
        }
        return true
    }

    /// `ADDRESS`, `ADDRESS:PORT` or `[IPv6]:PORT`.
    private mutating func addressAndPort(_ node: YAMLNode) -> (IPAddress, UInt16?)? {
        if let address = document.dottedQuad(node) { return (address, nil) }
        guard let text = string(node, "server address") else { return nil }
        let (host, port) = Self.splitHostPort(text)
        guard let address = IPAddress(host) else {
            error(node, "server address '\(text)' is not valid; write 203.0.113.11, 203.0.113.11:8080, 2001:db8::11 or [2001:db8::11]:8080")
            return nil
        }
        guard let port else { return (address, nil) }
        guard let value = UInt16(port) else {
            error(node, "server port '\(port)' in '\(text)' is not a number from 0 to 65535")
            return nil
        }
        return (address, value)
    }

    /// Splits on the port separator, working on bytes: a bare IPv6 address has several colons
    /// and no port, a bracketed one may be followed by `:PORT`.
    static func splitHostPort(_ text: String) -> (host: String, port: String?) {
        let bytes = text.utf8
        let colon = UInt8(ascii: ":")
        if bytes.first == UInt8(ascii: "["), let close = bytes.firstIndex(of: UInt8(ascii: "]")) {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return (host, nil) }
            if rest.utf8.first == colon { return (host, String(rest.dropFirst())) }
            return (text, nil)
        }
        guard let first = bytes.firstIndex(of: colon), bytes[bytes.index(after: first)...].firstIndex(of: colon) == nil else {
            return (text, nil)
        }
        return (String(text[..<first]), String(text[text.index(after: first)...]))
    }
}
