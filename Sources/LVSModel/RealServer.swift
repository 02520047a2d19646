/// Identifies a real server inside its service: the kernel keys destinations by address and port.
public struct ServerKey: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var description: String { "\(address.bracketed):\(port)" }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.address, lhs.port) < (rhs.address, rhs.port) }
}

/// A backend of a virtual service (the kernel's "destination").
public struct RealServer: Hashable, Sendable, Codable {
    /// The highest weight ipvsadm accepts; the kernel takes up to `Int32.max`.
    public static let maximumWeight: UInt32 = 65_535
    /// The kernel reads thresholds as signed integers.
    public static let maximumThreshold: UInt32 = UInt32(Int32.max)

    public var address: IPAddress
    public var port: UInt16
    public var forwarding: Forwarding
    /// 0 is quiescent: no new connections, existing ones continue (used to drain).
    public var weight: UInt32
    /// Upper connection threshold: at this many connections the server gets no new ones. 0 = none.
    public var upperThreshold: UInt32
    /// Lower connection threshold: below it the server is used again. 0 = three quarters of the upper one.
    public var lowerThreshold: UInt32

    public init(address: IPAddress, port: UInt16, forwarding: Forwarding = .dr, weight: UInt32 = 1,
                upperThreshold: UInt32 = 0, lowerThreshold: UInt32 = 0) {
        self.address = address
        self.port = port
        self.forwarding = forwarding
        self.weight = weight
        self.upperThreshold = upperThreshold
        self.lowerThreshold = lowerThreshold
    }

    public var key: ServerKey { ServerKey(address: address, port: port) }
}
