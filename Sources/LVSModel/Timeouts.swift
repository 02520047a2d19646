/// The kernel's connection timeouts, in seconds. A field left nil is not managed: lvsctl
/// neither reads it into a plan nor changes it.
public struct Timeouts: Hashable, Sendable, Codable {
    /// The largest value every kernel accepts (`INT_MAX / HZ` with HZ up to 1000).
    public static let maximum: UInt32 = 2_147_483

    public var tcp: UInt32?
    public var tcpFin: UInt32?
    public var udp: UInt32?

    public init(tcp: UInt32? = nil, tcpFin: UInt32? = nil, udp: UInt32? = nil) {
        self.tcp = tcp
        self.tcpFin = tcpFin
        self.udp = udp
    }
}
