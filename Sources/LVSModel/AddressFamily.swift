/// The two address families IPVS serves. Part of every service's identity: an IPv4 and an
/// IPv6 fwmark service with the same mark are two services.
public enum AddressFamily: String, Hashable, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case ipv4
    case ipv6

    /// The longest prefix (and the full netmask length) of the family.
    public var bitWidth: Int { self == .ipv4 ? 32 : 128 }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs == .ipv4 && rhs == .ipv6 }

    /// As one bit: a raw-value enum otherwise hashes its name, and every address of a large
    /// table is hashed when plans and snapshots are built.
    public func hash(into hasher: inout Hasher) { hasher.combine(self == .ipv6) }
}
