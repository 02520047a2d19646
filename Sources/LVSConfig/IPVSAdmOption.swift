import LVSModel

/// The ipvsadm options that can build a table, each with both of its spellings. This is the
/// part of ipvsadm's command line that `ipvsadm -S` writes, plus `-C`, which restore scripts
/// often start with.
enum IPVSAdmOption: CaseIterable, Hashable, Sendable {
    case addService, addServer, clear
    case tcpService, udpService, sctpService, fwmarkService, ipv6
    case scheduler, persistent, netmask, persistenceEngine, onePacket, schedulerFlags
    case realServer, gatewaying, ipip, masquerading, weight, upperThreshold, lowerThreshold
    case tunnelType, tunnelPort, tunnelNoChecksum, tunnelChecksum, tunnelRemoteChecksum

    /// Whether the option takes a value; `optional` is popt's optional argument (`-p [timeout]`):
    /// the next word is its value unless it starts with `-`.
    enum Argument {
        case none
        /// What the value is, for "needs a value" messages.
        case required(String)
        case optional
    }

    /// Which lines an option may appear on.
    enum Role {
        case command
        /// Selects the service: on both `-A` and `-a` lines.
        case service
        /// Only on `-A` lines.
        case serviceSetting
        /// Only on `-a` lines.
        case serverSetting
    }

    var spellings: (short: String?, long: String) {
        switch self {
        case .addService: ("-A", "--add-service")
        case .addServer: ("-a", "--add-server")
        case .clear: ("-C", "--clear")
        case .tcpService: ("-t", "--tcp-service")
        case .udpService: ("-u", "--udp-service")
        case .sctpService: (nil, "--sctp-service")
        case .fwmarkService: ("-f", "--fwmark-service")
        case .ipv6: ("-6", "--ipv6")
        case .scheduler: ("-s", "--scheduler")
        case .persistent: ("-p", "--persistent")
        case .netmask: ("-M", "--netmask")
        case .persistenceEngine: (nil, "--pe")
        case .onePacket: ("-o", "--ops")
        case .schedulerFlags: ("-b", "--sched-flags")
        case .realServer: ("-r", "--real-server")
        case .gatewaying: ("-g", "--gatewaying")
        case .ipip: ("-i", "--ipip")
        case .masquerading: ("-m", "--masquerading")
        case .weight: ("-w", "--weight")
        case .upperThreshold: ("-x", "--u-threshold")
        case .lowerThreshold: ("-y", "--l-threshold")
        case .tunnelType: (nil, "--tun-type")
        case .tunnelPort: (nil, "--tun-port")
        case .tunnelNoChecksum: (nil, "--tun-nocsum")
        case .tunnelChecksum: (nil, "--tun-csum")
        case .tunnelRemoteChecksum: (nil, "--tun-remcsum")
        }
    }

    var argument: Argument {
        switch self {
        case .tcpService, .udpService, .sctpService: .required("ADDRESS:PORT")
        case .fwmarkService: .required("the firewall mark, 1 to \(UInt32.max)")
        case .scheduler: .required("the scheduler name, like wlc")
        case .persistent: .optional
        case .netmask: .required("a dotted IPv4 netmask or an IPv6 prefix length")
        case .persistenceEngine: .required("the persistence engine, like sip")
        case .schedulerFlags: .required("comma-separated scheduler flags, like sh-fallback,sh-port")
        case .realServer: .required("the real server's ADDRESS[:PORT]")
        case .weight: .required("the weight, 0 to \(RealServer.maximumWeight)")
        case .upperThreshold, .lowerThreshold: .required("a connection count, 0 to \(RealServer.maximumThreshold)")
        case .tunnelType: .required("the tunnel type: \(Tunnel.typeNames.joined(separator: ", "))")
        case .tunnelPort: .required("the UDP port of the gue tunnel, 1 to 65535")
        default: .none
        }
    }

    var role: Role {
        switch self {
        case .addService, .addServer, .clear: .command
        case .tcpService, .udpService, .sctpService, .fwmarkService, .ipv6: .service
        case .scheduler, .persistent, .netmask, .persistenceEngine, .onePacket, .schedulerFlags: .serviceSetting
        default: .serverSetting
        }
    }

    /// `-w (--weight)`, or the long spelling alone when there is no short one.
    var displayName: String {
        let (short, long) = spellings
        return short.map { "\($0) (\(long))" } ?? long
    }

    /// The option spelt `name`, in either spelling.
    static func named(_ name: String) -> IPVSAdmOption? {
        allCases.first { $0.spellings.short == name || $0.spellings.long == name }
    }

    static var allSpellings: [String] { allCases.flatMap { [$0.spellings.short, $0.spellings.long].compactMap { $0 } } + [setTimeouts, startDaemon] }

    /// `--set TCP TCPFIN UDP`: its three values do not fit the option-and-value shape of the
    /// other lines, so the parser reads it apart.
    static let setTimeouts = "--set"
    /// `--start-daemon STATE` and its own options (`--mcast-interface`, `--syncid`, …), read apart too.
    static let startDaemon = "--start-daemon"

    /// ipvsadm commands that change or show a running table. A saved table never contains
    /// them, so they are named in the error rather than reported as unknown.
    static let otherCommands: [String: String] = [
        "-E": "edits a service", "--edit-service": "edits a service",
        "-D": "deletes a service", "--delete-service": "deletes a service",
        "-e": "edits a real server", "--edit-server": "edits a real server",
        "-d": "deletes a real server", "--delete-server": "deletes a real server",
        "-Z": "zeroes counters", "--zero": "zeroes counters",
        "--stop-daemon": "stops a sync daemon",
        "-L": "lists the table", "-l": "lists the table", "--list": "lists the table",
        "-S": "saves the table", "--save": "saves the table",
        "-R": "restores a table", "--restore": "restores a table",
    ]
}
