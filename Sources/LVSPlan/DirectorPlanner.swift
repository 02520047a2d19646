public import LVSModel

/// Plans the director's side of the cluster: every VIP bound locally, forwarding for NAT and
/// FULLNAT, the IPVS sysctls the file declares, and the firewall chains.
public enum DirectorPlanner {
    /// The dummy device lvsctl creates for VIPs when `director.interface` names none (as
    /// kube-proxy's kube-ipvs0).
    public static let defaultDevice = "lvs0"

    /// The sysctls the director's plan compares.
    public static let sysctls = ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv4.vs.expire_nodest_conn",
                                 "net.ipv4.vs.expire_quiescent_template", "net.ipv4.vs.conntrack"]

    public static func changes(_ desired: DesiredState, host: HostSnapshot) -> [Change] {
        var changes: [Change?] = []
        let device = desired.director?.interface ?? defaultDevice
        let vips = Set(desired.table.services.compactMap { service -> IPAddress? in
            if case .address(_, let vip, _) = service.key { return vip }
            return desired.firewallMatches[service.key]?.vip
        }).sorted()

        if !vips.isEmpty {
            changes.append(HostChanges.device(device, kind: "dummy", in: host, reason: "VIPs are bound to it"))
        }
        for vip in vips {
            changes.append(HostChanges.address(vip, length: vip.family.bitWidth, on: device, in: host,
                                               reason: "the director must accept packets for its VIPs"))
        }
        changes += staleAddresses(desired, vips: Set(vips), device: device, host: host)

        let natFamilies = Set(desired.table.services.filter { $0.servers.contains { $0.forwarding == .nat } }.map(\.key.family))
        let forwardKeys: [AddressFamily: String] = [.ipv4: "net.ipv4.ip_forward", .ipv6: "net.ipv6.conf.all.forwarding"]
        for family in AddressFamily.allCases {
            let wanted = desired.director?.ipForward ?? (natFamilies.contains(family) ? true : nil)
            guard let wanted, let key = forwardKeys[family] else { continue }
            changes.append(HostChanges.sysctl(key, wanted ? "1" : "0", in: host,
                                              reason: desired.director?.ipForward != nil ? "director.ip_forward" : "NAT needs packet forwarding"))
        }
        if let value = desired.director?.expireNodestConn {
            changes.append(HostChanges.sysctl("net.ipv4.vs.expire_nodest_conn", value ? "1" : "0", in: host,
                                              reason: "director.expire_nodest_conn"))
        }
        if let value = desired.director?.expireQuiescentTemplate {
            changes.append(HostChanges.sysctl("net.ipv4.vs.expire_quiescent_template", value ? "1" : "0", in: host,
                                              reason: "director.expire_quiescent_template"))
        }
        if !desired.fullNATServers.isEmpty {
            changes.append(HostChanges.sysctl("net.ipv4.vs.conntrack", "1", in: host,
                                              reason: "FULLNAT's source rewrite needs IPVS connections in conntrack"))
        }
        return changes.compactMap { $0 } + FirewallPlanner.changes(desired, host: host)
    }

    /// Host addresses on a device lvsctl created, inside the scope, that no service needs any
    /// more. Addresses lvsctl did not add (another device, or outside the scope) are never removed.
    private static func staleAddresses(_ desired: DesiredState, vips: Set<IPAddress>, device: String,
                                       host: HostSnapshot) -> [Change] {
        guard host.devices[device]?.alias == HostSnapshot.ownedAlias else { return [] }
        return (host.addresses[device] ?? []).filter { entry in
            entry.prefixLength == entry.address.family.bitWidth && !vips.contains(entry.address)
                && desired.scope.contains(.address(.tcp, entry.address, port: 0))
        }.map { entry in
            Change(.delete, .host, before: [Attribute("address", entry.description)], reason: "no service uses this VIP any more",
                   hostActions: [.removeAddress(entry.address, prefixLength: entry.prefixLength, device: device)],
                   subject: "address \(entry) on \(device)")
        }
    }
}
