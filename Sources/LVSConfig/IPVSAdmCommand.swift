public import LVSModel

extension IPVSAdmFormat {
    /// The ipvsadm arguments (without `ipvsadm` itself) that carry out one operation, so a plan
    /// can be shown or run as ordinary ipvsadm commands (`lvsctl plan --output ipvsadm`).
    ///
    /// Edits (`-E`, `-e`) state the complete service or server, as ipvsadm replaces every field
    /// it sends: a setting left out is reset to ipvsadm's default. `--set` needs all three
    /// timeouts; one that is nil is sent as 0, which the kernel leaves unchanged. Local
    /// forwarding has no ipvsadm switch and is written `-g`, as ipvsadm itself saves it.
    public static func command(_ operation: IPVSOperation) -> [String] {
        switch operation {
        case .addService(let service):
            ["-A"] + serviceArguments(service)
        case .updateService(let service):
            ["-E"] + serviceArguments(service)
        case .deleteService(let key):
            ["-D"] + arguments(key)
        case .addServer(let server, let key):
            ["-a"] + arguments(key) + serverArguments(server)
        case .updateServer(let server, let key):
            ["-e"] + arguments(key) + serverArguments(server)
        case .deleteServer(let server, let key):
            ["-d"] + arguments(key) + ["-r", IPVSAdmValue.endpointText(server.address, server.port)]
        case .setTimeouts(let timeouts):
            ["--set"] + [timeouts.tcp, timeouts.tcpFin, timeouts.udp].map { "\($0 ?? 0)" }
        case .startSyncDaemon(let daemon):
            syncDaemonArguments(daemon)
        case .stopSyncDaemon(let state):
            ["--stop-daemon", state.rawValue]
        case .zeroCounters(let key):
            ["-Z"] + (key.map(arguments) ?? [])
        }
    }

    /// The operations as a shell script body: one `ipvsadm ARGS` line each, every argument
    /// that the shell would split, expand or glob (IPv6 brackets included) single-quoted.
    public static func script(_ operations: [IPVSOperation]) -> String {
        operations.map { operation in
            (["ipvsadm"] + command(operation).map(shellQuoted)).joined(separator: " ") + "\n"
        }.joined()
    }

    /// `-t 198.51.100.10:80`, `--sctp-service [2001:db8::10]:80`, `-f 10 -6`.
    static func arguments(_ key: ServiceKey) -> [String] {
        switch key {
        case .address(let proto, let address, let port):
            let option = switch proto {
            case .tcp: "-t"
            case .udp: "-u"
            case .sctp: "--sctp-service"
            }
            return [option, IPVSAdmValue.endpointText(address, port)]
        case .fwmark(let mark, let family):
            return ["-f", "\(mark)"] + (family == .ipv6 ? ["-6"] : [])
        }
    }

    /// The service and its settings in the order `ipvsadm -S` writes them.
    private static func serviceArguments(_ service: VirtualService) -> [String] {
        var words = arguments(service.key) + ["-s", service.scheduler.rawValue]
        if let persistence = service.persistence {
            words += ["-p", "\(persistence.timeout)"]
            if persistence.netmaskLength != service.key.family.bitWidth {
                words += ["-M", IPVSAdmValue.netmaskText(length: persistence.netmaskLength, family: service.key.family)]
            }
            if let engine = persistence.engine { words += ["--pe", engine] }
        }
        if service.onePacket { words.append("-o") }
        if !service.schedulerFlags.isEmpty {
            words += ["-b", service.schedulerFlags.names(for: service.scheduler).joined(separator: ",")]
        }
        return words
    }

    /// The server and its settings in the order `ipvsadm -S` writes them, thresholds last.
    private static func serverArguments(_ server: RealServer) -> [String] {
        var words = ["-r", IPVSAdmValue.endpointText(server.address, server.port)]
        switch server.forwarding {
        case .nat: words.append("-m")
        case .dr, .local: words.append("-g")
        case .tunnel: words.append("-i")
        }
        words += ["-w", "\(server.weight)"]
        if case .tunnel(let tunnel) = server.forwarding {
            words += ["--tun-type", tunnel.typeName]
            switch tunnel {
            case .ipip: break
            case .gue(let port, let checksum): words += ["--tun-port", "\(port)", checksumOption(checksum)]
            case .gre(let checksum): words.append(checksumOption(checksum))
            }
        }
        if server.upperThreshold != 0 || server.lowerThreshold != 0 {
            words += ["-x", "\(server.upperThreshold)", "-y", "\(server.lowerThreshold)"]
        }
        return words
    }

    private static func checksumOption(_ checksum: TunnelChecksum) -> String {
        switch checksum {
        case .none: "--tun-nocsum"
        case .csum: "--tun-csum"
        case .remcsum: "--tun-remcsum"
        }
    }

    private static func syncDaemonArguments(_ daemon: SyncDaemon) -> [String] {
        var words = ["--start-daemon", daemon.state.rawValue, "--mcast-interface", daemon.interface,
                     "--syncid", "\(daemon.syncID)"]
        if let maxLength = daemon.maxLength { words += ["--sync-maxlen", "\(maxLength)"] }
        if let group = daemon.group { words += ["--mcast-group", group.description] }
        if let port = daemon.port { words += ["--mcast-port", "\(port)"] }
        if let ttl = daemon.ttl { words += ["--mcast-ttl", "\(ttl)"] }
        return words
    }

    /// The word unchanged when the shell reads it literally, otherwise in single quotes.
    static func shellQuoted(_ word: String) -> String {
        let literal = !word.isEmpty && word.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "@%+=:,./_-".unicodeScalars.contains(scalar))
        }
        return literal ? word : "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: #"'\''"#) + "'"
    }
}
