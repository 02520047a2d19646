import LVSModel

/// How each entry is shown in a plan: the values an operator compares, in config notation.
enum Attributes {
    static func of(_ service: VirtualService) -> [Attribute] {
        var list = [Attribute("scheduler", service.scheduler.rawValue)]
        let flags = (service.onePacket ? ["one-packet"] : []) + service.schedulerFlags.names(for: service.scheduler)
        list.append(Attribute("flags", flags.isEmpty ? "none" : flags.joined(separator: ",")))
        if let persistence = service.persistence {
            list.append(Attribute("persistence", "\(persistence.timeout)s"))
            list.append(Attribute("netmask", "/\(persistence.netmaskLength)"))
            list.append(Attribute("engine", persistence.engine ?? "none"))
        } else {
            list.append(Attribute("persistence", "off"))
        }
        return list
    }

    static func of(_ server: RealServer) -> [Attribute] {
        var list = [Attribute("forward", server.forwarding.name)]
        list.reserveCapacity(5)
        if case .tunnel(let tunnel) = server.forwarding {
            switch tunnel {
            case .ipip: list.append(Attribute("tunnel", "ipip"))
            case .gue(let port, let checksum): list.append(Attribute("tunnel", "gue port \(port) checksum \(checksum.rawValue)"))
            case .gre(let checksum): list.append(Attribute("tunnel", "gre checksum \(checksum.rawValue)"))
            }
        }
        list.append(Attribute("weight", "\(server.weight)"))
        list.append(Attribute("max_conns", "\(server.upperThreshold)"))
        list.append(Attribute("min_conns", "\(server.lowerThreshold)"))
        return list
    }

    static func of(_ timeouts: Timeouts) -> [Attribute] {
        [("tcp", timeouts.tcp), ("tcpfin", timeouts.tcpFin), ("udp", timeouts.udp)].compactMap { name, value in
            value.map { Attribute(name, "\($0)s") }
        }
    }

    static func of(_ daemon: SyncDaemon) -> [Attribute] {
        var list = [Attribute("state", daemon.state.rawValue), Attribute("interface", daemon.interface),
                    Attribute("syncid", "\(daemon.syncID)")]
        if let value = daemon.maxLength { list.append(Attribute("maxlen", "\(value)")) }
        if let value = daemon.group { list.append(Attribute("group", value.description)) }
        if let value = daemon.port { list.append(Attribute("port", "\(value)")) }
        if let value = daemon.ttl { list.append(Attribute("ttl", "\(value)")) }
        return list
    }
}
