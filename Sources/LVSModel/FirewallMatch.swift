/// A range of ports, `lower...upper`; a single port has both ends equal.
public struct PortRange: Hashable, Sendable, Codable, CustomStringConvertible {
    public var lower: UInt16
    public var upper: UInt16

    public init(_ lower: UInt16, _ upper: UInt16? = nil) {
        self.lower = lower
        self.upper = upper ?? lower
    }

    /// `80` or `8000:8080`, the form iptables' multiport match takes.
    public var iptablesForm: String { lower == upper ? "\(lower)" : "\(lower):\(upper)" }

    public var description: String { lower == upper ? "\(lower)" : "\(lower)-\(upper)" }
}

/// What a firewall-mark service's mangle rule matches: packets to `vip` with `protocol` on `ports`
/// get the service's mark.
public struct FirewallMatch: Hashable, Sendable, Codable {
    public var vip: IPAddress
    public var `protocol`: IPProtocol
    /// Empty: every port.
    public var ports: [PortRange]

    public init(vip: IPAddress, protocol: IPProtocol = .tcp, ports: [PortRange] = []) {
        self.vip = vip
        self.protocol = `protocol`
        self.ports = ports
    }
}
