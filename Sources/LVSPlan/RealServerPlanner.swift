public import LVSModel

/// What a real server needs so that the services it backs can reach it, by forwarding method:
///
/// - DR: each VIP on `lo` (/32, /128), which must be up; for IPv4 VIPs `arp_ignore=1` and
///   `arp_announce=2` on `all` and `lo`, so that only the director answers ARP for the VIP.
///   (IPv6 needs nothing alike: Linux answers neighbour solicitations only for addresses of the
///   interface they arrive on.)
/// - TUN: the tunnel's receiving device (see `TunnelEndpoint`) with the VIP on it; for IPv4
///   VIPs the ARP settings on `all` and that device, and `rp_filter=0` on both, because the
///   decapsulated packets come from clients that are not routed through the tunnel; for GUE the
///   receive port.
/// - NAT: the default route through the director (`director.address`), which rewrites replies.
/// - FULLNAT and local: nothing; the director rewrites both addresses, or is the server itself.
///
/// Pure: the host only enters when the setup is planned against its snapshot.
public enum RealServerPlanner {
    /// The setup `node` needs for every service it is a real server of.
    public static func setup(desired: DesiredState, node: IPAddress) throws(RealServerPlanError) -> RealServerSetup {
        var setup = RealServerSetup()
        var backsAService = false
        for service in desired.table.services {
            let name = desired.names[service.key]
            let label = name.map { "service \($0)" } ?? service.key.description
            for server in service.servers where server.address == node {
                backsAService = true
                if desired.fullNATServers[service.key]?.contains(server.key) == true { continue }
                let context = Context(service: service.key, name: name, label: label, node: node)
                switch server.forwarding {
                case .dr:
                    directRouting(context, vips: vips(of: service.key, in: desired, warnings: &setup.warnings), into: &setup)
                case .tunnel(let tunnel):
                    try tunnelling(tunnel, context, vips: vips(of: service.key, in: desired, warnings: &setup.warnings), into: &setup)
                case .nat:
                    try masquerading(context, director: desired.director?.address, into: &setup)
                case .local:
                    break
                }
            }
        }
        guard backsAService else { throw .notAServer(node) }
        return setup
    }

    /// The changes that bring `host` to what `node` needs.
    public static func plan(desired: DesiredState, node: IPAddress, host: HostSnapshot) throws(RealServerPlanError) -> Plan {
        try setup(desired: desired, node: node).plan(against: host)
    }

    /// The sysctl values that keep a host from answering ARP for a VIP it holds.
    static let arpSettings = [("arp_ignore", "1", "answer ARP only for addresses of the interface asked on: the director answers for the VIP"),
                              ("arp_announce", "2", "never use the VIP as the source of ARP requests: the director answers for it")]

    private struct Context {
        var service: ServiceKey
        var name: String?
        var label: String
        var node: IPAddress
    }

    private static func directRouting(_ c: Context, vips: [IPAddress], into setup: inout RealServerSetup) {
        for vip in vips {
            setup.require(.linkUp("lo"), for: c.service, name: c.name, reason: "direct-routing VIPs live on lo")
            setup.require(.address(vip, prefixLength: vip.family.bitWidth, device: "lo"), for: c.service, name: c.name,
                          reason: "\(c.label) forwards by direct routing: packets still carry the VIP, so this server must own it")
            if vip.family == .ipv4 { arp(on: ["all", "lo"], c, into: &setup) }
        }
    }

    private static func tunnelling(_ tunnel: Tunnel, _ c: Context, vips: [IPAddress],
                                   into setup: inout RealServerSetup) throws(RealServerPlanError) {
        for vip in vips {
            let endpoint: TunnelEndpoint
            switch TunnelEndpoint.of(tunnel, outer: c.node.family, inner: vip.family) {
            case .success(let found): endpoint = found
            case .failure(let unsupported): throw .tunnel(c.label, node: c.node, vip: vip, unsupported)
            }
            let device = endpoint.device
            setup.require(.device(name: device, kind: endpoint.kind), for: c.service, name: c.name,
                          reason: "\(c.label) tunnels to this server (\(tunnel.typeName)); \(device) decapsulates")
            setup.require(.address(vip, prefixLength: vip.family.bitWidth, device: device), for: c.service, name: c.name,
                          reason: "\(c.label) tunnels packets for the VIP: this server must own it")
            if vip.family == .ipv4 {
                arp(on: ["all", device], c, into: &setup)
                for scope in ["all", device] {
                    setup.require(.sysctl(key: "net.ipv4.conf.\(scope).rp_filter", value: "0"), for: c.service, name: c.name,
                                  reason: "decapsulated packets come from clients not routed via \(device): reverse-path filtering would drop them")
                }
            }
            if case .gue(let port, _) = tunnel {
                setup.require(.guePort(port), for: c.service, name: c.name, reason: "\(c.label) sends GUE to UDP port \(port)")
            }
        }
    }

    private static func masquerading(_ c: Context, director: IPAddress?, into setup: inout RealServerSetup) throws(RealServerPlanError) {
        guard let gateway = director else { throw .noDirectorAddress }
        guard gateway.family == c.node.family else { throw .gatewayFamily(gateway, node: c.node) }
        setup.require(.defaultRoute(via: gateway), for: c.service, name: c.name,
                      reason: "\(c.label) forwards by NAT: replies must pass the director to be rewritten")
    }

    private static func arp(on scopes: [String], _ c: Context, into setup: inout RealServerSetup) {
        for (setting, value, reason) in arpSettings {
            for scope in scopes {
                setup.require(.sysctl(key: "net.ipv4.conf.\(scope).\(setting)", value: value), for: c.service, name: c.name, reason: reason)
            }
        }
    }

    /// A service's VIP: its address, or for a firewall-mark service the one its match names.
    /// Marks set by rules outside the config carry VIPs lvsctl cannot know: a warning says so.
    private static func vips(of key: ServiceKey, in desired: DesiredState, warnings: inout [String]) -> [IPAddress] {
        switch key {
        case .address(_, let vip, _):
            return [vip]
        case .fwmark:
            if let match = desired.firewallMatches[key] { return [match.vip] }
            let warning = "\(key) has no 'match' in the config, so lvsctl does not know the VIPs it carries: bind them on this server by hand"
            if !warnings.contains(warning) { warnings.append(warning) }
            return []
        }
    }
}
