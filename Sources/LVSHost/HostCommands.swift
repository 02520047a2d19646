import LVSModel

/// The tool invocations behind each host action, shared by `LinuxHost`, which runs them, and
/// `HostScript`, which prints them, so that a script does what `rs apply` would.
enum HostCommands {
    /// The module whose loading creates a tunnel kind's fallback device (`tunl0`, `gre0`, …):
    /// once it is loaded, `ip link add tunl0 type ipip` fails with "File exists".
    static func module(forKind kind: String) -> String? {
        ["ipip": "ipip", "gre": "ip_gre", "sit": "sit", "ip6tnl": "ip6_tunnel", "ip6gre": "ip6_gre"][kind]
    }

    static func addLink(_ name: String, kind: String) -> [String] { ["link", "add", name, "type", kind] }

    static func setOwnedAlias(_ name: String) -> [String] { ["link", "set", "dev", name, "alias", HostSnapshot.ownedAlias] }

    static func setUp(_ name: String) -> [String] { ["link", "set", "dev", name, "up"] }

    /// `replace` rather than `add`: the same result when the address is missing, and no
    /// "File exists" when it is there, so that a rerun (or a script run twice) is harmless.
    /// IPv6 addresses skip duplicate address detection: a VIP is present on many hosts by design.
    static func replaceAddress(_ address: IPAddress, prefixLength: Int, device: String) -> [String] {
        ["address", "replace", "\(address)/\(prefixLength)", "dev", device] + (address.family == .ipv6 ? ["nodad"] : [])
    }

    static func deleteAddress(_ address: IPAddress, prefixLength: Int, device: String) -> [String] {
        ["address", "del", "\(address)/\(prefixLength)", "dev", device]
    }

    static func replaceDefaultRoute(via gateway: IPAddress) -> [String] {
        (gateway.family == .ipv6 ? ["-6"] : []) + ["route", "replace", "default", "via", gateway.description]
    }

    static func addGUEPort(_ port: UInt16) -> [String] { ["fou", "add", "port", "\(port)", "gue"] }

    /// `iptables` or `ip6tables`, with `suffix` (`-save`, `-restore`).
    static func iptables(_ family: AddressFamily, _ suffix: String = "") -> String {
        (family == .ipv4 ? "iptables" : "ip6tables") + suffix
    }

    /// Exits 0 when the hook chain already jumps to the chain. `-w` waits for the xtables lock.
    static func checkJump(_ chain: FirewallChain) -> [String] {
        ["-w", "-t", chain.table, "-C", chain.hook, "-j", chain.name]
    }

    static func insertJump(_ chain: FirewallChain) -> [String] {
        ["-w", "-t", chain.table, "-I", chain.hook, "1", "-j", chain.name]
    }

    static let restoreArguments = ["-w", "--noflush"]
}
