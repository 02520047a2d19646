/// An address prefix such as `198.51.100.0/24`, used by `scope` to say which VIPs lvsctl owns.
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let length: Int

    /// Fails when the length does not fit the family or host bits are set (`198.51.100.1/24`),
    /// since such a prefix usually hides a typo.
    public init?(address: IPAddress, length: Int) {
        guard (0...address.family.bitWidth).contains(length), address.masked(to: length) == address else { return nil }
        self.address = address
        self.length = length
    }

    /// Parses `ADDRESS/LENGTH`, or a bare address as a full-length prefix.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        if parts.count == 1 {
            self.init(address: address, length: address.family.bitWidth)
        } else {
            guard let length = Int(parts[1]) else { return nil }
            self.init(address: address, length: length)
        }
    }

    public func contains(_ other: IPAddress) -> Bool {
        other.family == address.family && other.masked(to: length) == address
    }

    public var description: String { "\(address)/\(length)" }
}

extension IPPrefix: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let prefix = IPPrefix(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not an address prefix"))
        }
        self = prefix
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
