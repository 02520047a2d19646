import LVSModel

extension IPVSAdmParser {
    /// The real server an `-a` line adds, with ipvsadm's defaults (`-g`, weight 1, no thresholds)
    /// and its port rule: an omitted port is the service's, and a direct-routing or tunnelled
    /// server of an address service always gets the service's port.
    mutating func realServer(_ arguments: IPVSAdmArguments, service key: ServiceKey,
                             command: IPVSAdmToken) throws(IPVSAdmLineError) -> RealServer {
        guard let given = arguments[.realServer], let value = given.value else {
            throw IPVSAdmLineError(command, "\(command.text) needs the real server: -r ADDRESS[:PORT]")
        }
        // ipvsadm gives a fwmark service the protocol tcp "to a sane value"; port names resolve under it.
        let proto: IPProtocol = if case .address(let proto, _, _) = key { proto } else { .tcp }
        let (address, port) = try IPVSAdmValue.endpoint(value, "real server address", protocol: proto)
        let forwarding = try Self.forwarding(arguments)
        var server = RealServer(address: address, port: port ?? 0, forwarding: forwarding)
        if case .address(_, _, let servicePort) = key {
            if let port, port != servicePort, forwarding != .nat {
                warn(value, "port \(port) is ignored: \(forwarding.name) forwarding cannot map ports, so ipvsadm uses the service's port \(servicePort); use -m (NAT) to map ports")
            }
            if port == nil || forwarding != .nat { server.port = servicePort }
        }
        if address.family != key.family, !forwarding.isTunnel {
            throw IPVSAdmLineError(value, "real server \(address) is \(address.family) but the service is \(key.family); the kernel mixes families only for tunnelled servers (-i)")
        }
        if let value = arguments[.weight]?.value {
            server.weight = try IPVSAdmValue.number(value, "weight", in: 0...RealServer.maximumWeight)
        }
        if let value = arguments[.upperThreshold]?.value {
            server.upperThreshold = try IPVSAdmValue.number(value, "upper threshold", in: 0...RealServer.maximumThreshold)
        }
        if let value = arguments[.lowerThreshold]?.value {
            server.lowerThreshold = try IPVSAdmValue.number(value, "lower threshold", in: 0...RealServer.maximumThreshold)
            if server.lowerThreshold > server.upperThreshold {
                throw IPVSAdmLineError(value, "lower threshold \(server.lowerThreshold) is above the upper threshold \(server.upperThreshold) (-x); the kernel refuses that")
            }
        }
        return server
    }

    /// `-g`, `-i` (with its tunnel options) or `-m`; `-g` when none is given.
    private static func forwarding(_ arguments: IPVSAdmArguments) throws(IPVSAdmLineError) -> Forwarding {
        let methods = [IPVSAdmOption.gatewaying, .ipip, .masquerading].compactMap { method in arguments[method].map { (method, $0) } }
            .sorted { $0.1.name.location < $1.1.name.location }
        if methods.count > 1 {
            throw IPVSAdmLineError(methods[1].1.name, "one forwarding method per server: \(methods[0].0.displayName) is already given")
        }
        let tunnelOptions = arguments.inOrder.filter {
            [.tunnelType, .tunnelPort, .tunnelNoChecksum, .tunnelChecksum, .tunnelRemoteChecksum].contains($0.0)
        }
        switch methods.first?.0 {
        case .ipip?:
            return .tunnel(try tunnel(arguments))
        case let method:
            if let (option, given) = tunnelOptions.first {
                throw IPVSAdmLineError(given.name, "\(option.displayName) applies to tunnelled servers only; add -i (--ipip) or remove it")
            }
            return method == .masquerading ? .nat : .dr
        }
    }

    /// The tunnel of an `-i` server, by ipvsadm's rules: ipip takes no port or checksum option,
    /// gue needs `--tun-port` and takes one checksum option, gre takes `--tun-nocsum` or `--tun-csum`.
    private static func tunnel(_ arguments: IPVSAdmArguments) throws(IPVSAdmLineError) -> Tunnel {
        let checksums: [(IPVSAdmOption, TunnelChecksum)] = [
            (.tunnelNoChecksum, .none), (.tunnelChecksum, .csum), (.tunnelRemoteChecksum, .remcsum),
        ]
        let given = checksums.compactMap { option, checksum in arguments[option].map { ($0, checksum) } }
            .sorted { $0.0.name.location < $1.0.name.location }
        if given.count > 1 {
            throw IPVSAdmLineError(given[1].0.name, "\(given[1].0.name.text) conflicts with \(given[0].0.name.text): a tunnel has one checksum mode")
        }
        var type = "ipip"
        if let value = arguments[.tunnelType]?.value {
            guard Tunnel.typeNames.contains(value.text) else {
                throw IPVSAdmLineError(value, "unknown tunnel type '\(value.text)'\(Suggestion.phrase(for: value.text, in: Tunnel.typeNames)); valid: \(Tunnel.typeNames.joined(separator: ", "))")
            }
            type = value.text
        }
        let checksum = given.first?.1 ?? .none
        let port = arguments[.tunnelPort]
        switch type {
        case "gue":
            guard let value = port?.value else {
                throw IPVSAdmLineError(arguments[.tunnelType]!.name, "a gue tunnel needs --tun-port, the UDP port the real server decapsulates on")
            }
            return .gue(port: try IPVSAdmValue.number(value, "tunnel port", in: 1...UInt16.max), checksum: checksum)
        case "gre":
            if let port { throw IPVSAdmLineError(port.name, "--tun-port applies to gue tunnels only; a gre tunnel has no port") }
            if checksum == .remcsum {
                throw IPVSAdmLineError(given[0].0.name, "a gre tunnel cannot use --tun-remcsum; use --tun-nocsum or --tun-csum")
            }
            return .gre(checksum: checksum)
        default:
            if let offending = port ?? given.first?.0 {
                throw IPVSAdmLineError(offending.name, "\(offending.name.text) does not apply to an ipip tunnel; use --tun-type gue or gre")
            }
            return .ipip
        }
    }
}
