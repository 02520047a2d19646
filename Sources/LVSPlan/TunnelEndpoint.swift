public import LVSModel

/// The device that receives a tunnel's packets on a real server: the fallback device that the
/// tunnel's module creates and that accepts packets from any remote address.
///
/// | tunnel | server IPv4 | server IPv6 |
/// | --- | --- | --- |
/// | ipip | IPv4 VIP: `tunl0`; IPv6 VIP: `sit0` | IPv6 VIP: `ip6tnl0`; IPv4 VIP: not supported |
/// | gue  | as ipip, plus a GUE port | not supported |
/// | gre  | `gre0` | `ip6gre0` |
///
/// IPv4 inside IPv6 would need an `ip6tnl` device in `ipip6` mode (the fallback `ip6tnl0` takes
/// only IPv6 inside), and GUE over IPv6 an `ip -6 fou` port: both are left to the operator.
public struct TunnelEndpoint: Hashable, Sendable {
    public var device: String
    /// The `ip link` kind, which also names the module to load.
    public var kind: String

    /// The endpoint for `tunnel` from a director to a server at an address of `outer` family,
    /// carrying packets for a VIP of `inner` family, or why there is none.
    public static func of(_ tunnel: Tunnel, outer: AddressFamily, inner: AddressFamily) -> Result<TunnelEndpoint, Unsupported> {
        switch (tunnel, outer, inner) {
        case (.ipip, .ipv4, .ipv4), (.gue, .ipv4, .ipv4): .success(TunnelEndpoint(device: "tunl0", kind: "ipip"))
        case (.ipip, .ipv4, .ipv6), (.gue, .ipv4, .ipv6): .success(TunnelEndpoint(device: "sit0", kind: "sit"))
        case (.ipip, .ipv6, .ipv6): .success(TunnelEndpoint(device: "ip6tnl0", kind: "ip6tnl"))
        case (.ipip, .ipv6, .ipv4):
            .failure(Unsupported(reason: "IPv4 inside IPv6 needs an ip6tnl device in ipip6 mode, which lvsctl does not create"))
        case (.gue, .ipv6, _):
            .failure(Unsupported(reason: "GUE to an IPv6 server needs an IPv6 fou port, which lvsctl does not create"))
        case (.gre, .ipv4, _): .success(TunnelEndpoint(device: "gre0", kind: "gre"))
        case (.gre, .ipv6, _): .success(TunnelEndpoint(device: "ip6gre0", kind: "ip6gre"))
        }
    }

    /// A tunnel lvsctl cannot set up, and why.
    public struct Unsupported: Error, Hashable, Sendable {
        public var reason: String
    }
}
