/// How lvsctl decides that a real server can take traffic: a probe, how often it runs, and how
/// many results in a row change the verdict. One check runs per distinct `CheckTarget`, however
/// many services share it.
public struct HealthCheck: Hashable, Sendable, Codable {
    public static let defaultInterval = Duration.seconds(5)
    public static let defaultTimeout = Duration.seconds(2)
    public static let defaultRise = 2
    public static let defaultFall = 3

    public var probe: Probe
    public var interval: Duration
    /// Below `interval`: a probe never overlaps the next one of the same target.
    public var timeout: Duration
    /// Successes in a row that make a failing server healthy.
    public var rise: Int
    /// Failures in a row that make a healthy server failing.
    public var fall: Int
    /// Where to probe instead of the server's own address and port: a DR or TUN server is
    /// reached at its real address, but it may answer health checks on another one.
    public var address: IPAddress?
    public var port: UInt16?

    public init(probe: Probe, interval: Duration = Self.defaultInterval, timeout: Duration = Self.defaultTimeout,
                rise: Int = Self.defaultRise, fall: Int = Self.defaultFall, address: IPAddress? = nil, port: UInt16? = nil) {
        self.probe = probe
        self.interval = interval
        self.timeout = timeout
        self.rise = rise
        self.fall = fall
        self.address = address
        self.port = port
    }

    /// What one probe does; a success is decided by the probe alone.
    public enum Probe: Hashable, Sendable, Codable {
        /// A TCP connection is accepted.
        case tcp
        /// An HTTP request gets an expected status (and body text).
        case http(HTTPProbe)
        /// The same over TLS.
        case https(HTTPProbe, TLSProbe)
        /// A DNS query gets an answer with the expected rcode.
        case dns(DNSProbe)
        /// A program exits 0. Run from an argument array, never a shell string, with the
        /// target in its environment (`LVSCTL_CHECK_ADDRESS`, `LVSCTL_CHECK_PORT`).
        case exec([String])

        /// The name the config and metrics use.
        public var type: String {
            switch self {
            case .tcp: "tcp"
            case .http: "http"
            case .https: "https"
            case .dns: "dns"
            case .exec: "exec"
            }
        }
    }

    public struct HTTPProbe: Hashable, Sendable, Codable {
        public var method: String
        public var path: String
        /// The `Host` header; nil sends the target's address.
        public var host: String?
        /// Statuses that count as healthy, as inclusive ranges (`200-399`).
        public var statuses: [ClosedRange<Int>]
        /// Text the body must contain; only the first `maximumBodyBytes` are read.
        public var body: String?

        public static let maximumBodyBytes = 64 * 1024

        public init(method: String = "GET", path: String = "/", host: String? = nil,
                    statuses: [ClosedRange<Int>] = [200...399], body: String? = nil) {
            self.method = method
            self.path = path
            self.host = host
            self.statuses = statuses
            self.body = body
        }

        public func accepts(status: Int) -> Bool { statuses.contains { $0.contains(status) } }
    }

    public struct TLSProbe: Hashable, Sendable, Codable {
        /// Server name sent in the TLS handshake; nil sends none (or `host` when given).
        public var serverName: String?
        /// Whether the certificate must chain to a trusted root and match the name.
        public var verify: Bool

        public init(serverName: String? = nil, verify: Bool = true) {
            self.serverName = serverName
            self.verify = verify
        }
    }

    public struct DNSProbe: Hashable, Sendable, Codable {
        public enum Transport: String, Hashable, Sendable, Codable, CaseIterable { case udp, tcp }

        public var name: String
        /// The query type's number (1 = A, 28 = AAAA, …).
        public var type: UInt16
        public var transport: Transport
        /// The rcode that counts as healthy (0 = NOERROR).
        public var rcode: UInt8

        public init(name: String, type: UInt16 = 1, transport: Transport = .udp, rcode: UInt8 = 0) {
            self.name = name
            self.type = type
            self.transport = transport
            self.rcode = rcode
        }
    }
}

/// One distinct check: what is probed, where. Services whose servers share address, port and
/// check share one `CheckTarget`, and the checker runs it once.
public struct CheckTarget: Hashable, Sendable, Codable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16
    public var check: HealthCheck

    public init(address: IPAddress, port: UInt16, check: HealthCheck) {
        self.address = address
        self.port = port
        self.check = check
    }

    /// The target of `check` for `server`: its overrides, else the server's own address and port.
    /// The overrides are resolved into the target, so that a check naming the server's own port
    /// and one naming none are one target.
    public init(server: ServerKey, check: HealthCheck) {
        var resolved = check
        resolved.address = nil
        resolved.port = nil
        self.init(address: check.address ?? server.address, port: check.port ?? server.port, check: resolved)
    }

    public var description: String { "\(check.probe.type) \(ServerKey(address: address, port: port))" }
}

/// What a service does with its servers' health.
public struct HealthPolicy: Hashable, Sendable, Codable {
    /// What happens to a failing server.
    public enum FailureAction: String, Hashable, Sendable, Codable, CaseIterable {
        /// Weight 0: no new connections, existing ones finish.
        case quiesce
        /// Deleted from the service.
        case remove
    }

    /// The fewest healthy servers (or the least healthy weight) a service serves with.
    public enum Quorum: Hashable, Sendable, Codable {
        case servers(Int)
        case weight(UInt32)
    }

    /// What a service below its quorum does.
    public enum BelowQuorum: Hashable, Sendable, Codable {
        /// Every server stays in with its configured weight, healthy or not: a degraded answer
        /// beats none (Envoy's panic mode).
        case failOpen
        /// The failing servers go as usual, and this server takes the traffic.
        case sorryServer(RealServer)
    }

    public var onFailure: FailureAction
    public var quorum: Quorum
    public var belowQuorum: BelowQuorum

    /// A quorum of one healthy server, failing open below it: a service never silently ends up
    /// with no server taking connections.
    public init(onFailure: FailureAction = .quiesce, quorum: Quorum = .servers(1), belowQuorum: BelowQuorum = .failOpen) {
        self.onFailure = onFailure
        self.quorum = quorum
        self.belowQuorum = belowQuorum
    }
}
