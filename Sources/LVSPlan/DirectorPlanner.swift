public import LVSModel

/// Plans the director's side of the cluster: every VIP bound locally (unless `director.vips` is
/// `external`), forwarding for NAT and FULLNAT, the IPVS sysctls the file declares, and the
/// firewall chains.
public enum DirectorPlanner {
    /// The dummy device lvsctl creates for VIPs when `director.interface` names none.
    public static let defaultDevice = Director.defaultInterface

    /// The sysctls the director's plan compares.
    public static let sysctls = ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv4.vs.expire_nodest_conn",
                                 "net.ipv4.vs.expire_quiescent_template", "net.ipv4.vs.conntrack"]
        + SyncSettings.names.map { "net.ipv4.vs." + $0 }

    public static func changes(_ desired: DesiredState, host: HostSnapshot) -> [Change] {
        var changes: [Change?] = []
        if desired.director?.bindsVIPs ?? true { changes += vipChanges(desired, host: host) }
        if let announce = desired.director?.announce { changes += announceChanges(desired, device: announce.interface, host: host) }

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
        let vips = Set(desired.table.services.compactMap { vip(of: $0, in: desired) }).sorted()
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

    /// The address a service's packets are sent to: its VIP, or its firewall match's.
    private static func vip(of service: VirtualService, in desired: DesiredState) -> IPAddress? {
        if case .address(_, let vip, _) = service.key { return vip }
        return desired.firewallMatches[service.key]?.vip
    }

    /// The VIPs this director can serve: those whose every service has a server of weight
    /// above 0 (as seesaw announces an anycast VIP only while all its services are healthy).
    /// A failing health check sets its server's weight to 0 in the desired table, so the VIP
    /// goes when the last server of one of its services does.
    public static func announcedVIPs(_ desired: DesiredState) -> [IPAddress] {
        var servable: [IPAddress: Bool] = [:]
        for service in desired.table.services {
            guard let vip = vip(of: service, in: desired) else { continue }
            let canServe = service.servers.contains { $0.weight > 0 } && !desired.withoutHealthyServer.contains(service.key)
            servable[vip] = (servable[vip] ?? true) && canServe
        }
        return servable.filter(\.value).keys.sorted()
    }

    /// The announce device, and on it the VIPs this director can serve; the others taken off.
    private static func announceChanges(_ desired: DesiredState, device: String, host: HostSnapshot) -> [Change?] {
        let vips = announcedVIPs(desired)
        var changes: [Change?] = [HostChanges.device(device, kind: "dummy", in: host,
                                                     reason: "the VIPs this director can serve are announced from it")]
        for vip in vips {
            changes.append(HostChanges.address(vip, length: vip.family.bitWidth, on: device, in: host,
                                               reason: "every service of this VIP has a server of weight above 0: announce it"))
        }
        return changes + staleAddresses(desired, vips: Set(vips), device: device, host: host,
                                        reason: "a service of this VIP has no server of weight above 0, or none uses it: withdraw it")
    }

    /// Takes every address in the scope off the announce device, so that routers stop sending
    /// this director traffic for its VIPs: what the reconcile daemon does when it stops (an
    /// announcement nobody keeps up must not outlive its keeper). Returns the changes carried
    /// out; does nothing without `director.announce` or before the device exists. The next
    /// reconcile announces again.
    public static func withdraw(_ desired: DesiredState, host: any HostAccess) throws(HostError) -> [Change] {
        guard let device = desired.director?.announce?.interface else { return [] }
        let snapshot = try host.snapshot(sysctls: [], chains: [], routes: false)
        let changes = staleAddresses(desired, vips: [], device: device, host: snapshot,
                                     reason: "the reconcile daemon is stopping: withdraw every VIP")
        for change in changes {
            for action in change.hostActions { try host.perform(action) }
        }
        return changes
    }

    /// Host addresses on a device lvsctl created, inside the scope, that no service needs any
    /// more. Addresses lvsctl did not add (another device, or outside the scope) are never removed.
    private static func staleAddresses(_ desired: DesiredState, vips: Set<IPAddress>, device: String, host: HostSnapshot,
                                       reason: String = "no service uses this VIP any more") -> [Change] {
        guard host.devices[device]?.alias == HostSnapshot.ownedAlias else { return [] }
        return (host.addresses[device] ?? []).filter { entry in
            entry.prefixLength == entry.address.family.bitWidth && !vips.contains(entry.address)
                && desired.scope.contains(.address(.tcp, entry.address, port: 0))
        }.map { entry in
            Change(.delete, .host, before: [Attribute("address", entry.description)], reason: reason,
                   hostActions: [.removeAddress(entry.address, prefixLength: entry.prefixLength, device: device)],
                   subject: "address \(entry) on \(device)")
        }
    }
}
