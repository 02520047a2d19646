/// One change to the host around the IPVS table: a device, an address, a sysctl, a route, a
/// tunnel port, or the rules of one of lvsctl's firewall chains. Values, so that plans can hold,
/// show and save them; `LVSHost` carries them out with `ip`, `/proc/sys` and `iptables-restore`.
public enum HostAction: Hashable, Sendable, Codable {
    /// `ip link add NAME type KIND`, up, with the alias that marks it as lvsctl's. The kind's
    /// module is loaded first; for tunnel kinds loading it may already create the device
    /// (`tunl0`, `gre0`: the fallback device that receives every tunnelled packet), which is kept.
    case createDevice(name: String, kind: String)
    /// `ip link set NAME up`.
    case setLinkUp(String)
    /// A /32 or /128 (or other prefix) on a device.
    case addAddress(IPAddress, prefixLength: Int, device: String)
    case removeAddress(IPAddress, prefixLength: Int, device: String)
    /// Writes `/proc/sys/<key with dots as slashes>`.
    case setSysctl(key: String, value: String)
    /// `ip route replace default via GATEWAY`.
    case replaceDefaultRoute(via: IPAddress)
    /// `ip fou add port PORT gue`: a receive port for Generic UDP Encapsulation. GUE, not plain
    /// FOU (`ipproto N`): IPVS puts a GUE header naming the inner protocol before the packet.
    case addGUEPort(UInt16)
    /// Rewrites one of lvsctl's chains atomically (`iptables-restore --noflush`), creating it and
    /// its jump from the built-in chain when missing.
    case writeChain(FirewallChain, rules: [String])
}

/// A chain lvsctl owns, and the built-in chain that jumps to it.
public struct FirewallChain: Hashable, Sendable, Codable, CustomStringConvertible {
    public var family: AddressFamily
    /// `mangle` or `nat`.
    public var table: String
    public var name: String
    /// The built-in chain holding the jump: `PREROUTING` or `POSTROUTING`.
    public var hook: String

    public init(family: AddressFamily, table: String, name: String, hook: String) {
        self.family = family
        self.table = table
        self.name = name
        self.hook = hook
    }

    /// Where firewall-mark services get their marks.
    public static func marks(_ family: AddressFamily) -> FirewallChain {
        FirewallChain(family: family, table: "mangle", name: "LVSCTL-MARK", hook: "PREROUTING")
    }

    /// Where FULLNAT rewrites the source of packets to real servers.
    public static func fullNAT(_ family: AddressFamily) -> FirewallChain {
        FirewallChain(family: family, table: "nat", name: "LVSCTL-FULLNAT", hook: "POSTROUTING")
    }

    public var description: String { "\(family == .ipv4 ? "iptables" : "ip6tables") -t \(table) \(name)" }
}

/// What lvsctl reads of a host before planning its setup: only the parts it may change.
public struct HostSnapshot: Hashable, Sendable, Codable {
    /// Devices by name, with their kind (`dummy`, `ipip`, …; empty when unknown), alias and state.
    public var devices: [String: Device]
    /// Addresses per device.
    public var addresses: [String: [InterfaceAddress]]
    /// Sysctl values by dotted key, for the keys that were asked for.
    public var sysctls: [String: String]
    /// The current default gateways, per family.
    public var defaultGateways: [AddressFamily: IPAddress]
    /// GUE receive ports (`ip fou` ports in `gue` mode; plain FOU ports are not listed).
    public var guePorts: [UInt16]
    /// The rules of lvsctl's chains in `iptables-save` form (without `-A CHAIN`), and whether
    /// the jump to each chain exists.
    public var chains: [FirewallChain: ChainState]

    public struct Device: Hashable, Sendable, Codable {
        public var kind: String
        public var alias: String?
        public var isUp: Bool

        public init(kind: String, alias: String? = nil, isUp: Bool) {
            self.kind = kind
            self.alias = alias
            self.isUp = isUp
        }
    }

    public struct ChainState: Hashable, Sendable, Codable {
        public var rules: [String]
        public var jumpExists: Bool

        public init(rules: [String], jumpExists: Bool) {
            self.rules = rules
            self.jumpExists = jumpExists
        }
    }

    public init(devices: [String: Device] = [:], addresses: [String: [InterfaceAddress]] = [:], sysctls: [String: String] = [:],
                defaultGateways: [AddressFamily: IPAddress] = [:], guePorts: [UInt16] = [],
                chains: [FirewallChain: ChainState] = [:]) {
        self.devices = devices
        self.addresses = addresses
        self.sysctls = sysctls
        self.defaultGateways = defaultGateways
        self.guePorts = guePorts
        self.chains = chains
    }

    /// The alias lvsctl gives devices it creates; only addresses on such devices are ever removed.
    public static let ownedAlias = "managed by lvsctl"
}

/// An address on an interface, host bits and all (`192.0.2.5/24`).
public struct InterfaceAddress: Hashable, Sendable, Codable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: Int

    public init(_ address: IPAddress, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    public var description: String { "\(address)/\(prefixLength)" }
}

/// A failed host action, with the command's own words.
public struct HostError: Error, Hashable, Sendable, CustomStringConvertible {
    public var action: String
    public var message: String

    public init(action: String, message: String) {
        self.action = action
        self.message = message
    }

    public var description: String { "\(action): \(message)" }
}

/// Reading and changing a host's setup: the Linux host, or a fake in unit tests.
public protocol HostAccess {
    /// Reads the devices and addresses, the given sysctls and chains, and with `routes` the
    /// default gateways and GUE receive ports (which only a real server's setup compares).
    func snapshot(sysctls: [String], chains: [FirewallChain], routes: Bool) throws(HostError) -> HostSnapshot
    func perform(_ action: HostAction) throws(HostError)
}
