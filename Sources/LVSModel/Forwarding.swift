/// How the director hands a packet to a real server (the packet-forwarding method).
public enum Forwarding: Hashable, Sendable {
    /// NAT / masquerading: destination rewritten, replies must come back through the director.
    case nat
    /// Direct routing / gatewaying: only the MAC is rewritten; same L2 segment, VIP on the server's lo.
    case dr
    /// IP tunnelling: the packet is encapsulated towards the server.
    case tunnel(Tunnel)
    /// Local delivery to the director itself.
    case local

    /// The name used in the config file and in plans.
    public var name: String {
        switch self {
        case .nat: "nat"
        case .dr: "dr"
        case .tunnel: "tun"
        case .local: "local"
        }
    }

    public var isTunnel: Bool {
        if case .tunnel = self { return true }
        return false
    }

    /// Whether the server may listen on a port other than the service's: only NAT rewrites ports.
    public var allowsPortMapping: Bool { self == .nat }

    /// The forwarding methods the config file accepts.
    public static let names = ["nat", "dr", "tun", "local"]
}

/// The encapsulation of a tunnelled real server.
public enum Tunnel: Hashable, Sendable {
    case ipip
    /// Generic UDP Encapsulation to `port` on the server (kernel ≥ 5.2).
    case gue(port: UInt16, checksum: TunnelChecksum)
    /// GRE (kernel ≥ 5.3); remote checksum offload is not available for GRE.
    case gre(checksum: TunnelChecksum)

    public var typeName: String {
        switch self {
        case .ipip: "ipip"
        case .gue: "gue"
        case .gre: "gre"
        }
    }

    public static let typeNames = ["ipip", "gue", "gre"]
}

/// Checksum handling of a GUE or GRE tunnel.
public enum TunnelChecksum: String, Hashable, Sendable, Codable, CaseIterable {
    case none
    case csum
    case remcsum
}

extension Forwarding: Codable {
    private enum CodingKeys: String, CodingKey { case method, tunnel, port, checksum }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .method) {
        case "nat": self = .nat
        case "dr": self = .dr
        case "local": self = .local
        case "tun":
            let checksum = try c.decodeIfPresent(TunnelChecksum.self, forKey: .checksum) ?? .none
            switch try c.decodeIfPresent(String.self, forKey: .tunnel) ?? "ipip" {
            case "gue": self = .tunnel(.gue(port: try c.decode(UInt16.self, forKey: .port), checksum: checksum))
            case "gre": self = .tunnel(.gre(checksum: checksum))
            default: self = .tunnel(.ipip)
            }
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .method, in: c,
                                                   debugDescription: "unknown forwarding method '\(other)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .method)
        guard case .tunnel(let tunnel) = self else { return }
        try c.encode(tunnel.typeName, forKey: .tunnel)
        switch tunnel {
        case .ipip: break
        case .gue(let port, let checksum):
            try c.encode(port, forKey: .port)
            try c.encode(checksum, forKey: .checksum)
        case .gre(let checksum):
            try c.encode(checksum, forKey: .checksum)
        }
    }
}
