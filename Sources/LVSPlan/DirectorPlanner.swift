public import LVSModel

/// Plans the director's side of the cluster: every VIP bound locally (unless `director.vips` is
/// `external`), forwarding for NAT and FULLNAT, the IPVS sysctls the file declares, and the
/// firewall chains.
public enum DirectorPlanner {
    /// The dummy device lvsctl creates for VIPs when `director.interface` names none (as
    /// kube-proxy's kube-ipvs0).
    public static let defaultDevice = "lvs0"

    /// The sysctls the director's plan compares.
    public static let sysctls = ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv4.vs.expire_nodest_conn",
                                 "net.ipv4.vs.expire_quiescent_template", "net.ipv4.vs.conntrack"]
        + SyncSettings.names.map { "net.ipv4.vs." + $0 }

    public static func changes(_ desired: DesiredState, host: HostSnapshot) -> [Change] {
        var changes: [Change?] = []
        if desired.director?.bindsVIPs ?? true { changes += vipChanges(desired, host: host) }

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
        for (name, value) in desired.director?.sync.values ?? [] {
            changes.append(HostChanges.sysctl("net.ipv4.vs." + name, value, in: host, reason: "director." + name))
        }
        if !desired.fullNATServers.isEmpty {
            changes.append(HostChanges.sysctl("net.ipv4.vs.conntrack", "1", in: host,
                                              reason: "FULLNAT's source rewrite needs IPVS connections in conntrack"))
        }
        return changes.compactMap { $0 } + FirewallPlanner.changes(desired, host: host)
    }

    /// The `director` section that describes this host as it is, so that the config `lvsctl get`
    /// prints plans no change to it; nil when the defaults describe it.
    ///
    /// VIPs are left to lvsctl (`bind`, the default) only when they are exactly what it would
    /// bind: every address service's VIP on `lvs0`, and, when lvsctl created `lvs0`, no other
    /// host address there that it would take away. Otherwise something else binds them
    /// (keepalived, an operator on `eth0` or `lo`, or no one: the network routes them here),
    /// and the section says `vips: external`. A table with NAT servers while forwarding is
    /// off in both families gets `ip_forward: false`, where the default would turn it on.
    public static func observed(_ table: IPVSTable, host: HostSnapshot) -> Director? {
        var director = Director()
        var vips: Set<IPAddress> = []
        var natFamilies: Set<AddressFamily> = []
        for service in table.services {
            if case .address(_, let vip, _) = service.key { vips.insert(vip) }
            if service.servers.contains(where: { $0.forwarding == .nat }) { natFamilies.insert(service.key.family) }
        }
        let bound = (host.addresses[defaultDevice] ?? []).filter { $0.prefixLength == $0.address.family.bitWidth }.map(\.address)
        let owned = host.devices[defaultDevice]?.alias == HostSnapshot.ownedAlias
        if !vips.isSubset(of: bound) || (owned && !Set(bound).isSubset(of: vips)) { director.vips = .external }
        let forwarding = ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"].map { host.sysctls[$0] }
        if !natFamilies.isEmpty, forwarding.allSatisfy({ $0 == "0" }) { director.ipForward = false }
        return director == Director() ? nil : director
    }

    /// Every VIP — of address services, and each firewall-mark service's `match.vip` — bound on
    /// the VIP device, and those no service needs any more taken off it.
    private static func vipChanges(_ desired: DesiredState, host: HostSnapshot) -> [Change?] {
        let device = desired.director?.interface ?? defaultDevice
        let vips = Set(desired.table.services.compactMap { service -> IPAddress? in
            if case .address(_, let vip, _) = service.key { return vip }
            return desired.firewallMatches[service.key]?.vip
        }).sorted()
        var changes: [Change?] = []
        if !vips.isEmpty {
            changes.append(HostChanges.device(device, kind: "dummy", in: host, reason: "VIPs are bound to it"))
        }
        for vip in vips {
            changes.append(HostChanges.address(vip, length: vip.family.bitWidth, on: device, in: host,
                                               reason: "the director must accept packets for its VIPs"))
        }
        return changes + staleAddresses(desired, vips: Set(vips), device: device, host: host)
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
