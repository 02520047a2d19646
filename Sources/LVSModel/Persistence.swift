/// Client affinity: connections from one client network go to the same real server while a
/// template lives (`timeout` seconds, refreshed by traffic).
public struct Persistence: Hashable, Sendable, Codable {
    /// ipvsadm's default, used when the file names none.
    public static let defaultTimeout: UInt32 = 360
    /// The longest timeout ipvsadm accepts (31 days).
    public static let maximumTimeout: UInt32 = 2_678_400

    public var timeout: UInt32
    /// Clients are grouped by this many leading bits: an IPv4 netmask as a prefix length, or an
    /// IPv6 prefix length. The full width (32 / 128) means one client per address.
    public var netmaskLength: Int
    /// An alternative persistence engine (`sip`), loaded as module `ip_vs_pe_<name>`.
    public var engine: String?

    public init(timeout: UInt32 = Persistence.defaultTimeout, netmaskLength: Int, engine: String? = nil) {
        self.timeout = timeout
        self.netmaskLength = netmaskLength
        self.engine = engine
    }

    /// The engines of the mainline kernel.
    public static let mainlineEngines = ["sip"]
}
