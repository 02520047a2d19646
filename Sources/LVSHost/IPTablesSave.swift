import LVSModel

/// Reads one of lvsctl's chains out of `iptables-save` text (every table, each from its
/// `*TABLE` line to its `COMMIT`).
enum IPTablesSave {
    /// The chain's rules without their `-A NAME ` prefix, in order, and whether the hook chain
    /// holds the plain jump `-A HOOK -j NAME` — the rule `writeChain` inserts and `iptables -C`
    /// looks for, so that reading and writing agree on what "the jump exists" means. Only the
    /// chain's own table is read: hook chains such as PREROUTING exist in several.
    static func chainState(_ text: String, chain: FirewallChain) -> HostSnapshot.ChainState {
        let prefix = "-A \(chain.name) "
        let jump = "-A \(chain.hook) -j \(chain.name)"
        let header = "*\(chain.table)"
        var rules: [String] = []
        var jumpExists = false
        var inTable = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = line.trimmingSuffix(while: \.isWhitespace)
            if line.hasPrefix("*") {
                inTable = line == header
            } else if !inTable {
                continue
            } else if line.hasPrefix(prefix) {
                rules.append(String(line.dropFirst(prefix.count)))
            } else if line == jump {
                jumpExists = true
            }
        }
        return HostSnapshot.ChainState(rules: rules, jumpExists: jumpExists)
    }
}

extension Substring {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}
