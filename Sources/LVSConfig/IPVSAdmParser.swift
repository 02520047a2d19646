import LVSModel

/// Builds a table from ipvsadm lines, collecting a diagnostic for each bad line instead of
/// stopping at the first. Lines are applied in order, as `ipvsadm -R` applies them.
struct IPVSAdmParser {
    let file: String
    private var report: IPVSAdmDiagnostics
    private var services: [ServiceKey: VirtualService] = [:]
    /// Kept apart from `services` and sorted once at the end: appending to
    /// `VirtualService.servers` re-sorts on every insert.
    private var servers: [ServiceKey: [RealServer]] = [:]
    private var serviceLines: [ServiceKey: Int] = [:]
    private var serverLines: [ServiceKey: [ServerKey: Int]] = [:]
    /// Services whose `-A` line was rejected: their `-a` lines are not reported again as
    /// referring to a missing service.
    private var rejectedServices: Set<ServiceKey> = []
    /// What `--set` lines set; nil (not managed) until one sets a timeout.
    private var timeouts: Timeouts?
    /// What `--start-daemon` lines start; nil (not managed) until one does.
    private var syncDaemons: [SyncDaemon]?
    private var daemonLines: [SyncDaemon.State: Int] = [:]

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
        }, timeouts: timeouts, syncDaemons: syncDaemons)
    }

    mutating func read(_ lines: [IPVSAdmLine]) {
        for line in lines {
            if let unprintable = line.unprintable {
                report.refuse(unprintable)
                continue
            }
            var words = line.words
            if words.first?.text == "ipvsadm" { words.removeFirst() }
            guard let first = words.first else { continue }
            do {
                if first.text == IPVSAdmOption.setTimeouts {
                    try readTimeouts(words.dropFirst(), command: first)
                } else if first.text == IPVSAdmOption.startDaemon || first.text.hasPrefix(IPVSAdmOption.startDaemon + "=") {
                    try readSyncDaemon(words, command: first)
                } else {
                    try readLine(IPVSAdmArguments(words), first: first)
                }
            } catch {
                report.error(at: error.location, error.message)
            }
        }
    }

    mutating func warn(_ token: IPVSAdmToken, _ message: String) {
        report.warning(at: token.location, message)
    }

    private mutating func readLine(_ arguments: IPVSAdmArguments, first: IPVSAdmToken) throws(IPVSAdmLineError) {
        guard let (command, commandToken) = arguments.command else {
            throw IPVSAdmLineError(first, "this line has no command; start it with -A (add a service) or -a (add a real server)")
        }
        for (option, given) in arguments.inOrder where !Self.allows(command, option) {
            throw IPVSAdmLineError(given.name, Self.misplaced(option, on: command))
        }
        switch command {
        case .addService:
            let (key, token) = try serviceKey(arguments, command: commandToken)
            if let line = serviceLines[key] {
                throw IPVSAdmLineError(commandToken, "service \(IPVSAdmFormat.arguments(key).joined(separator: " ")) is already added at line \(line)")
            }
            do {
                services[key] = try virtualService(key, named: token, arguments)
                serviceLines[key] = commandToken.location.line
            } catch {
                rejectedServices.insert(key)
                throw error
            }
        case .addServer:
            let (key, token) = try serviceKey(arguments, command: commandToken)
            guard services[key] != nil else {
                if rejectedServices.contains(key) { return }
                throw IPVSAdmLineError(token,
                                       "service \(IPVSAdmFormat.arguments(key).joined(separator: " ")) is not added before this line; an -A line for it must come first")
            }
            let server = try realServer(arguments, service: key, command: commandToken)
            if let line = serverLines[key]?[server.key] {
                throw IPVSAdmLineError(arguments[.realServer]?.value ?? commandToken,
                                       "real server \(server.key) is already added to \(IPVSAdmFormat.arguments(key).joined(separator: " ")) at line \(line)")
            }
            servers[key, default: []].append(server)
            serverLines[key, default: [:]][server.key] = commandToken.location.line
        default:  // -C, the only other command: later lines start from an empty table; timeouts and daemons stay.
            services = [:]
            servers = [:]
            serviceLines = [:]
            serverLines = [:]
            rejectedServices = []
        }
    }

    /// `--start-daemon STATE [OPTIONS]`: the kernel runs at most one daemon of each state.
    private mutating func readSyncDaemon(_ words: [IPVSAdmToken], command: IPVSAdmToken) throws(IPVSAdmLineError) {
        let daemon = try Self.syncDaemon(words)
        if let line = daemonLines[daemon.state] {
            throw IPVSAdmLineError(command, "a \(daemon.state.rawValue) sync daemon is already started at line \(line); the kernel runs one of each state")
        }
        daemonLines[daemon.state] = command.location.line
        syncDaemons = (syncDaemons ?? []) + [daemon]
    }

    /// `--set TCP TCPFIN UDP`, in seconds. A 0 leaves that timeout as it is, in ipvsadm as in
    /// the kernel, so here it stays as an earlier line set it, or unmanaged.
    private mutating func readTimeouts(_ values: ArraySlice<IPVSAdmToken>, command: IPVSAdmToken) throws(IPVSAdmLineError) {
        let usage = "--set takes three timeouts in seconds, TCP TCPFIN UDP, like --set 900 120 300 (0 leaves one unchanged)"
        guard values.count == 3 else {
            throw IPVSAdmLineError(values.count > 3 ? values[values.startIndex + 3] : command, usage)
        }
        var seconds: [UInt32?] = []
        for value in values {
            let number = try IPVSAdmValue.number(value, "timeout", in: 0...Timeouts.maximum)
            seconds.append(number == 0 ? nil : number)
        }
        let earlier = timeouts ?? Timeouts()
        let merged = Timeouts(tcp: seconds[0] ?? earlier.tcp, tcpFin: seconds[1] ?? earlier.tcpFin, udp: seconds[2] ?? earlier.udp)
        timeouts = merged == Timeouts() ? nil : merged
    }

    private static func allows(_ command: IPVSAdmOption, _ option: IPVSAdmOption) -> Bool {
        switch (command, option.role) {
        case (.clear, _): false
        case (_, .service): true
        case (.addService, .serviceSetting), (.addServer, .serverSetting): true
        default: false
        }
    }

    private static func misplaced(_ option: IPVSAdmOption, on command: IPVSAdmOption) -> String {
        switch (command, option.role) {
        case (.clear, _): "\(command.displayName) clears the table and takes no options; remove \(option.displayName)"
        case (_, .serviceSetting): "\(option.displayName) is a service setting: it belongs on the service's -A line, not on an \(command.displayName) line"
        default: "\(option.displayName) is a real-server setting: it belongs on an -a line, not on an \(command.displayName) line"
        }
    }
}
