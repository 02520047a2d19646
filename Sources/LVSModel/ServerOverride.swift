/// An operator's word on a server, outside the config: out of rotation for maintenance
/// (`lvsctl server disable`), until enabled again or until `until`. A disabled server keeps its
/// place in the table at weight 0, so its connections finish.
public struct ServerOverride: Hashable, Sendable, Codable {
    public var address: IPAddress
    /// nil: the server on every port.
    public var port: UInt16?
    /// The service's name (or its key as plans write it); nil: in every service.
    public var service: String?
    public var reason: String?
    /// Seconds since the epoch.
    public var since: Double
    /// When it lapses, in seconds since the epoch; nil: when enabled again.
    public var until: Double?

    public init(address: IPAddress, port: UInt16? = nil, service: String? = nil, reason: String? = nil, since: Double,
                until: Double? = nil) {
        self.address = address
        self.port = port
        self.service = service
        self.reason = reason
        self.since = since
        self.until = until
    }

    public func isActive(at now: Double) -> Bool { until.map { now < $0 } ?? true }

    /// Whether this override and `other` name the same server(s): a new one replaces it.
    public func sameSubject(as other: ServerOverride) -> Bool {
        address == other.address && port == other.port && service == other.service
    }

    public func matches(_ server: ServerKey, in key: ServiceKey, named name: String?) -> Bool {
        server.address == address && (port == nil || port == server.port)
            && (service == nil || service == name || service == key.description)
    }

    /// `203.0.113.11:8080 of web`, `203.0.113.11`.
    public var subject: String {
        let server = port.map { ServerKey(address: address, port: $0).description } ?? address.description
        return service.map { "\(server) of \(DisplayText.escaped($0))" } ?? server
    }

    /// How plans and `server list` explain it.
    public var note: String {
        "disabled by an operator" + (reason.map { ": \(DisplayText.escaped($0))" } ?? "")
    }
}
