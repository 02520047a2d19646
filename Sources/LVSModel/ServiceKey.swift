/// What identifies a virtual service in the kernel. Changing any part of it means deleting the
/// service and creating another; everything else about a service can be edited in place.
public enum ServiceKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// A service matched by protocol, VIP and port (port 0: every port).
    case address(IPProtocol, IPAddress, port: UInt16)
    /// A service matched by a packet mark that a firewall rule sets.
    case fwmark(UInt32, AddressFamily)

    public var family: AddressFamily {
        switch self {
        case .address(_, let address, _): address.family
        case .fwmark(_, let family): family
        }
    }

    /// `tcp/198.51.100.10:80`, `fwmark/10`, `fwmark/10/ipv6`: short, unambiguous and stable.
    public var description: String {
        switch self {
        case .address(let proto, let address, let port): "\(proto)/\(address.bracketed):\(port)"
        case .fwmark(let mark, let family): family == .ipv6 ? "fwmark/\(mark)/ipv6" : "fwmark/\(mark)"
        }
    }

    /// ipvsadm's order: address services before fwmark services, then by family, protocol,
    /// address and port.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case let (.address(lp, la, lport), .address(rp, ra, rport)):
            return (la.family, lp, la, lport) < (ra.family, rp, ra, rport)
        case (.address, .fwmark): return true
        case (.fwmark, .address): return false
        case let (.fwmark(lm, lf), .fwmark(rm, rf)): return (lm, lf) < (rm, rf)
        }
    }
}

extension ServiceKey: Codable {
    private enum CodingKeys: String, CodingKey { case `protocol`, address, port, fwmark, family }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let mark = try c.decodeIfPresent(UInt32.self, forKey: .fwmark) {
            self = .fwmark(mark, try c.decodeIfPresent(AddressFamily.self, forKey: .family) ?? .ipv4)
        } else {
            self = .address(try c.decode(IPProtocol.self, forKey: .protocol),
                            try c.decode(IPAddress.self, forKey: .address),
                            port: try c.decode(UInt16.self, forKey: .port))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .address(let proto, let address, let port):
            try c.encode(proto, forKey: .protocol)
            try c.encode(address, forKey: .address)
            try c.encode(port, forKey: .port)
        case .fwmark(let mark, let family):
            try c.encode(mark, forKey: .fwmark)
            try c.encode(family, forKey: .family)
        }
    }
}
