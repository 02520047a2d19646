/// The transport protocols an IPVS address service can match.
public enum IPProtocol: String, Hashable, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case tcp
    case udp
    case sctp

    /// The IANA protocol number the kernel uses.
    public var number: UInt16 {
        switch self {
        case .tcp: 6
        case .udp: 17
        case .sctp: 132
        }
    }

    public init?(number: UInt16) {
        guard let match = Self.allCases.first(where: { $0.number == number }) else { return nil }
        self = match
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.number < rhs.number }

    /// By number: a raw-value enum otherwise hashes its name, and every service key of a large
    /// table is hashed when plans and snapshots are built.
    public func hash(into hasher: inout Hasher) { hasher.combine(number) }
}
