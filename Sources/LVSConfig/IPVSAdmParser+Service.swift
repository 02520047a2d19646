import LVSModel

extension IPVSAdmParser {
    /// The service a line names with `-t`, `-u`, `--sctp-service` or `-f [-6]`, and the word
    /// that names it, for errors about the service as a whole.
    func serviceKey(_ arguments: IPVSAdmArguments,
                    command: IPVSAdmToken) throws(IPVSAdmLineError) -> (key: ServiceKey, token: IPVSAdmToken) {
        let kinds: [IPVSAdmOption] = [.tcpService, .udpService, .sctpService, .fwmarkService]
        let named = kinds.compactMap { kind in arguments[kind].map { (kind, $0) } }
            .sorted { $0.1.name.location < $1.1.name.location }
        guard let (kind, given) = named.first, let value = given.value else {
            throw IPVSAdmLineError(command, "\(command.text) needs the service: -t or -u or --sctp-service ADDRESS:PORT, or -f MARK")
        }
        if named.count > 1 {
            throw IPVSAdmLineError(named[1].1.name, "one service per line: \(kind.displayName) already names it")
        }
        let proto: IPProtocol
        switch kind {
        case .fwmarkService:
            return (.fwmark(try IPVSAdmValue.fwmark(value), arguments[.ipv6] == nil ? .ipv4 : .ipv6), value)
        case .udpService: proto = .udp
        case .sctpService: proto = .sctp
        default: proto = .tcp
        }
        if let ipv6 = arguments[.ipv6] {
            throw IPVSAdmLineError(ipv6.name, "-6 (--ipv6) makes a fwmark service (-f) IPv6; an address service takes its family from the address, like -t [2001:db8::10]:80")
        }
        let (address, port) = try IPVSAdmValue.endpoint(value, "service address", protocol: proto)
        return (.address(proto, address, port: port ?? 0), value)
    }

    /// The service an `-A` line adds, with ipvsadm's defaults for what the line leaves out;
    /// `token` is the word that names the service.
    func virtualService(_ key: ServiceKey, named token: IPVSAdmToken,
                        _ arguments: IPVSAdmArguments) throws(IPVSAdmLineError) -> VirtualService {
        var service = VirtualService(key: key)
        if let value = arguments[.scheduler]?.value {
            service.scheduler = try Self.scheduler(value)
        }
        service.persistence = try persistence(arguments, family: key.family)
        if let onePacket = arguments[.onePacket] {
            if case .address(let proto, _, _) = key, proto != .udp {
                throw IPVSAdmLineError(onePacket.name, "one-packet scheduling (-o) is only for UDP and fwmark services; this service is \(proto)")
            }
            service.onePacket = true
        }
        if let value = arguments[.schedulerFlags]?.value {
            service.schedulerFlags = try Self.schedulerFlags(value, scheduler: service.scheduler)
        }
        if case .address(_, _, 0) = key, service.persistence == nil {
            throw IPVSAdmLineError(token, "port 0 (every port) needs persistence: add -p, as ipvsadm requires")
        }
        return service
    }

    private func persistence(_ arguments: IPVSAdmArguments, family: AddressFamily) throws(IPVSAdmLineError) -> Persistence? {
        guard arguments[.persistent] != nil else {
            if let given = arguments[.netmask] ?? arguments[.persistenceEngine] {
                throw IPVSAdmLineError(given.name, "\(given.name.text) applies to persistent services; add -p [TIMEOUT]")
            }
            return nil
        }
        var persistence = Persistence(netmaskLength: family.bitWidth)
        if let value = arguments[.persistent]?.value {
            persistence.timeout = try IPVSAdmValue.number(value, "persistence timeout", in: 1...Persistence.maximumTimeout)
        }
        if let value = arguments[.netmask]?.value {
            persistence.netmaskLength = try IPVSAdmValue.netmaskLength(value, family: family)
        }
        if let value = arguments[.persistenceEngine]?.value {
            persistence.engine = try IPVSAdmValue.persistenceEngine(value)
        }
        return persistence
    }

    /// A scheduler's name, by the rule a config's `extra_schedulers` follows (`Scheduler.isValidName`).
    static func scheduler(_ token: IPVSAdmToken) throws(IPVSAdmLineError) -> Scheduler {
        let name = token.text
        guard Scheduler.isValidName(name) else {
            throw IPVSAdmLineError(token, "scheduler '\(name)' is not a kernel scheduler name; use 1–15 letters, digits or '_' (module ip_vs_NAME), like wlc")
        }
        return Scheduler(rawValue: name)
    }

    /// `-b`'s comma-separated names, as ipvsadm's `parse_sched_flags` reads them: `flag-1`…`flag-3`
    /// under any scheduler, the sh and mh names only under their scheduler.
    static func schedulerFlags(_ token: IPVSAdmToken, scheduler: Scheduler) throws(IPVSAdmLineError) -> SchedulerFlags {
        let generic: [String: SchedulerFlags] = ["flag-1": .flag1, "flag-2": .flag2, "flag-3": .flag3]
        let owned: [String: (Scheduler, SchedulerFlags)] = [
            "sh-fallback": (.sh, .flag1), "sh-port": (.sh, .flag2), "mh-fallback": (.mh, .flag1), "mh-port": (.mh, .flag2),
        ]
        var flags: SchedulerFlags = []
        var offset = 0
        for name in token.text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let at = token.suffix(from: offset)
            offset += name.unicodeScalars.count + 1
            if let flag = generic[name] {
                flags.insert(flag)
            } else if let (owner, flag) = owned[name] {
                guard owner == scheduler else {
                    throw IPVSAdmLineError(at, "scheduler flag '\(name)' belongs to the \(owner) scheduler; this service uses \(scheduler)")
                }
                flags.insert(flag)
            } else {
                let valid = Array(generic.keys.sorted()) + owned.filter { $0.value.0 == scheduler }.keys.sorted()
                throw IPVSAdmLineError(at, "unknown scheduler flag '\(name)'\(Suggestion.phrase(for: name, in: valid)); valid for \(scheduler): \(valid.joined(separator: ", "))")
            }
        }
        return flags
    }
}
