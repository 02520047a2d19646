internal import Glibc

/// An IPv4 or IPv6 address as the kernel stores it, kept in two integers so that tables with
/// tens of thousands of entries hash and compare without allocating.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let family: AddressFamily
    /// Bytes 0–7 of an IPv6 address, big-endian; zero for IPv4.
    @usableFromInline let high: UInt64
    /// Bytes 8–15 of an IPv6 address, or the IPv4 address in the low 32 bits, big-endian.
    @usableFromInline let low: UInt64

    /// An IPv4 address from its 32-bit value in host order (`0xC000_0201` is 192.0.2.1).
    public init(ipv4 value: UInt32) {
        family = .ipv4
        high = 0
        low = UInt64(value)
    }

    /// An IPv6 address from its two halves in host order.
    public init(ipv6High high: UInt64, low: UInt64) {
        family = .ipv6
        self.high = high
        self.low = low
    }

    /// An address from network-order bytes: 4 for IPv4, 16 for IPv6.
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4:
            self.init(ipv4: bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            let hi = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let lo = bytes.dropFirst(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self.init(ipv6High: hi, low: lo)
        default:
            return nil
        }
    }

    /// Parses the textual forms `inet_pton` accepts: a dotted quad (`init(dottedQuad:)`) or
    /// RFC 4291 IPv6. Any other character, a NUL among them, is refused: `inet_pton` would
    /// read only up to it.
    public init?(_ text: String) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            guard text.utf8.allSatisfy({ Self.isIPv6Character($0) }) else { return nil }
            var raw = in6_addr()
            guard inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
            self.init(bytes: withUnsafeBytes(of: raw) { Array($0) })
        } else {
            var text = text
            guard let address = text.withUTF8({ IPAddress(dottedQuad: $0) }) else { return nil }
            self = address
        }
    }

    private static func isIPv6Character(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"),
             UInt8(ascii: ":"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }

    /// Parses a dotted quad from its UTF-8 bytes exactly as `inet_pton` does (four decimal
    /// parts of 0–255, no leading zeros), without making a string: a large config holds tens
    /// of thousands of addresses. Nil for anything else, IPv6 included.
    public init?(dottedQuad bytes: UnsafeBufferPointer<UInt8>) {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                parts += 1
                (part, digits) = (0, 0)
            } else {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits == 0 || part != 0 else { return nil }
                part = part * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard part <= 255 else { return nil }
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        self.init(ipv4: value << 8 | part)
    }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch family {
        case .ipv4:
            return (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * UInt64($0))) }
        case .ipv6:
            let h = (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
            return h + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
        }
    }

    /// The IPv4 value in host order; nil for IPv6.
    public var ipv4Value: UInt32? { family == .ipv4 ? UInt32(truncatingIfNeeded: low) : nil }

    /// Calls `body` with the network-order bytes (4 or 16) without allocating, as netlink
    /// requests carry addresses (`bytes` allocates an array each time).
    @inlinable
    public func withNetworkBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result) throws(Failure) -> Result {
        switch family {
        case .ipv4: try withUnsafeBytes(of: UInt32(truncatingIfNeeded: low).bigEndian, body)
        case .ipv6: try withUnsafeBytes(of: (high.bigEndian, low.bigEndian), body)
        }
    }

    /// `::ffff:a.b.c.d`: an IPv4 address in IPv6 clothing. IPVS keys services by family, so a
    /// service on one would never see the IPv4 packets it names.
    public var isIPv4Mapped: Bool { family == .ipv6 && high == 0 && low >> 32 == 0xFFFF }

    /// The IPv4 address an `isIPv4Mapped` address carries.
    public var unmapped: IPAddress? { isIPv4Mapped ? IPAddress(ipv4: UInt32(truncatingIfNeeded: low)) : nil }

    public var isMulticast: Bool {
        switch family {
        case .ipv4: return low >> 28 == 0xE
        case .ipv6: return high >> 56 == 0xFF
        }
    }

    /// The canonical text (`inet_ntop` form), without brackets.
    public var description: String {
        if family == .ipv4 {
            let value = UInt32(truncatingIfNeeded: low)
            return "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
        }
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { target in
            for index in 0..<8 {
                target[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index)))
                target[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index)))
            }
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(INET6_ADDRSTRLEN)) { buffer in
            guard inet_ntop(AF_INET6, &raw, buffer.baseAddress, socklen_t(buffer.count)) != nil else { return "::" }
            return String(cString: buffer.baseAddress!)
        }
    }

    /// `addr` for IPv4, `[addr]` for IPv6: the form that can be followed by `:port`.
    public var bracketed: String { family == .ipv6 ? "[\(description)]" : description }

    /// Keeps the first `length` bits and clears the rest.
    public func masked(to length: Int) -> IPAddress {
        switch family {
        case .ipv4:
            let mask: UInt64 = length <= 0 ? 0 : (0xFFFF_FFFF << UInt64(32 - min(length, 32))) & 0xFFFF_FFFF
            return IPAddress(ipv4: UInt32(truncatingIfNeeded: low & mask))
        case .ipv6:
            let highMask: UInt64 = length <= 0 ? 0 : (length >= 64 ? ~0 : ~0 << UInt64(64 - length))
            let lowMask: UInt64 = length <= 64 ? 0 : (length >= 128 ? ~0 : ~0 << UInt64(128 - length))
            return IPAddress(ipv6High: high & highMask, low: low & lowMask)
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.family, lhs.high, lhs.low) < (rhs.family, rhs.high, rhs.low)
    }
}

extension IPAddress: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not an IP address"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
