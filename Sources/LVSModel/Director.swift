/// Settings of the host that runs IPVS. Each field left nil is not managed.
public struct Director: Hashable, Sendable, Codable {
    /// The dummy device lvsctl creates for VIPs when `interface` names none (as kube-proxy's
    /// kube-ipvs0).
    public static let defaultInterface = "lvs0"

    /// Who binds the VIPs on this host.
    public enum VIPs: String, Hashable, Sendable, Codable, CaseIterable {
        /// lvsctl binds every VIP on `interface` (default `lvs0`), and unbinds those no service needs.
        case bind
        /// Something else does (keepalived, the network's own setup, an operator by hand):
        /// lvsctl never binds or removes a VIP.
        case external
    }

    /// Where VIPs are bound.
    public var interface: String?
    /// Who binds the VIPs; nil is `bind`.
    public var vips: VIPs?
    /// The director's address towards the real servers (DIP): NAT servers route through it.
    public var address: IPAddress?
    /// Packet forwarding (`net.ipv4.ip_forward`, `net.ipv6.conf.all.forwarding`); NAT needs it.
    public var ipForward: Bool?
    /// `net.ipv4.vs.expire_nodest_conn`: drop connections to removed servers at once.
    public var expireNodestConn: Bool?
    /// `net.ipv4.vs.expire_quiescent_template`: stop persistence to weight-0 servers.
    public var expireQuiescentTemplate: Bool?
    /// Where the VIPs this director can serve are announced to its routers; nil: not managed.
    public var announce: Announce?
    /// The connection-sync and failover sysctls under `net.ipv4.vs`.
    public var sync: SyncSettings

    public init(interface: String? = nil, vips: VIPs? = nil, address: IPAddress? = nil, ipForward: Bool? = nil,
                expireNodestConn: Bool? = nil, expireQuiescentTemplate: Bool? = nil, announce: Announce? = nil,
                sync: SyncSettings = SyncSettings()) {
        self.interface = interface
        self.vips = vips
        self.address = address
        self.ipForward = ipForward
        self.expireNodestConn = expireNodestConn
        self.expireQuiescentTemplate = expireQuiescentTemplate
        self.announce = announce
        self.sync = sync
    }

    /// Whether lvsctl binds the VIPs (`vips` is nil or `bind`).
    public var bindsVIPs: Bool { vips != .external }
}

/// Health-gated announcement: each VIP whose services can all be served (each has a server of
/// weight above 0) is bound on a device of its own, and taken off it when one cannot. A
/// routing daemon exports the device's addresses as routes (BIRD's `protocol direct`, FRR's
/// `redistribute connected` with a route map on the interface), so a director draws traffic
/// to a VIP only while it can serve it; docs/ecmp.md.
public struct Announce: Hashable, Sendable, Codable {
    /// The device lvsctl creates for it (a dummy device marked as its own), default `lvs-announce`.
    public var interface: String

    public static let defaultInterface = "lvs-announce"

    public init(interface: String = Announce.defaultInterface) {
        self.interface = interface
    }
}
