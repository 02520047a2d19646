/// Settings of the host that runs IPVS. Each field left nil is not managed.
public struct Director: Hashable, Sendable, Codable {
    /// Where VIPs are bound.
    public var interface: String?
    /// The director's address towards the real servers (DIP): NAT servers route through it.
    public var address: IPAddress?
    /// Packet forwarding (`net.ipv4.ip_forward`, `net.ipv6.conf.all.forwarding`); NAT needs it.
    public var ipForward: Bool?
    /// `net.ipv4.vs.expire_nodest_conn`: drop connections to removed servers at once.
    public var expireNodestConn: Bool?
    /// `net.ipv4.vs.expire_quiescent_template`: stop persistence to weight-0 servers.
    public var expireQuiescentTemplate: Bool?

    public init(interface: String? = nil, address: IPAddress? = nil, ipForward: Bool? = nil,
                expireNodestConn: Bool? = nil, expireQuiescentTemplate: Bool? = nil) {
        self.interface = interface
        self.address = address
        self.ipForward = ipForward
        self.expireNodestConn = expireNodestConn
        self.expireQuiescentTemplate = expireQuiescentTemplate
    }
}
