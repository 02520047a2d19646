public import LVSModel

/// Plans lvsctl's iptables chains: the mangle MARK rules of firewall-mark services, and the
/// source rewriting of FULLNAT servers. Rules are compared in `iptables-save` form, so what
/// lvsctl writes is exactly what it reads back.
public enum FirewallPlanner {
    /// Every chain lvsctl may own; all are read so that rules the file dropped are seen.
    public static let chains = FirewallChain.owned

    /// The rules each chain should hold.
    public static func rules(for desired: DesiredState) -> [FirewallChain: [String]] {
        var rules: [FirewallChain: [String]] = [:]
        for (key, match) in desired.firewallMatches.sorted(by: { $0.key < $1.key }) {
            guard case .fwmark(let mark, let family) = key else { continue }
            rules[.marks(family), default: []].append(markRule(match, mark: mark))
        }
        for (key, servers) in desired.fullNATServers.sorted(by: { $0.key < $1.key }) {
            guard case .address(_, let vip, let port) = key, let dip = desired.director?.address else { continue }
            for server in servers.sorted() {
                // iptables-save prints the ipvs match's address without a prefix length.
                let rule = "-d \(host(server.address)) -m ipvs --vaddr \(vip) --vport \(port) -j SNAT --to-source \(dip)"
                if !(rules[.fullNAT(key.family)] ?? []).contains(rule) { rules[.fullNAT(key.family), default: []].append(rule) }
            }
        }
        return rules
    }

    /// `-d VIP/32 -p tcp -m multiport --dports 80,443 -j MARK --set-xmark 0xa/0xffffffff`, as
    /// iptables-save prints it.
    static func markRule(_ match: FirewallMatch, mark: UInt32) -> String {
        var rule = "-d \(host(match.vip)) -p \(match.protocol)"
        if !match.ports.isEmpty {
            rule += " -m multiport --dports " + match.ports.map(\.iptablesForm).joined(separator: ",")
        }
        return rule + " -j MARK --set-xmark 0x\(String(mark, radix: 16))/0xffffffff"
    }

    private static func host(_ address: IPAddress) -> String { "\(address)/\(address.family.bitWidth)" }

    /// For each chain: rules to add are written before the table changes (a mark exists before
    /// its service), rules to drop after them (a mark goes after its service).
    public static func changes(_ desired: DesiredState, host: HostSnapshot) -> [Change] {
        let wanted = rules(for: desired)
        var changes: [Change] = []
        for chain in chains {
            let want = wanted[chain] ?? []
            let state = host.chains[chain] ?? HostSnapshot.ChainState(rules: [], jumpExists: false)
            let added = want.filter { !state.rules.contains($0) }
            let dropped = state.rules.filter { !want.contains($0) }
            if !added.isEmpty || (!want.isEmpty && !state.jumpExists) {
                let reason = added.isEmpty ? "the jump from \(chain.hook) is missing" : "rules the config needs are missing"
                changes.append(Change(state.rules.isEmpty && !state.jumpExists ? .create : .update, .firewall,
                                      after: added.enumerated().map { Attribute("add \($0.offset + 1)", $0.element) },
                                      reason: reason, hostActions: [.writeChain(chain, rules: want + dropped)],
                                      subject: chain.description))
            }
            if !dropped.isEmpty {
                changes.append(Change(.delete, .firewall,
                                      before: dropped.enumerated().map { Attribute("remove \($0.offset + 1)", $0.element) },
                                      reason: "rules no service in the config needs", hostActions: [.writeChain(chain, rules: want)],
                                      subject: chain.description))
            }
        }
        return changes
    }
}
