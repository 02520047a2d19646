import LVSModel

/// The input `iptables-restore --noflush` takes to rewrite one of lvsctl's chains in a single
/// transaction: other chains and tables are left as they are.
enum RestoreInput {
    /// Declaring a user chain with `--noflush` creates it, or empties it when it exists; the rules
    /// follow, then the jump from the hook chain when it is missing (inserted first, so that
    /// marks are set before any ACCEPT further down the hook chain).
    static func chain(_ chain: FirewallChain, rules: [String], addJump: Bool) -> String {
        var lines = ["*\(chain.table)", ":\(chain.name) - [0:0]"]
        lines += rules.map { "-A \(chain.name) \($0)" }
        if addJump { lines.append("-I \(chain.hook) 1 -j \(chain.name)") }
        lines.append("COMMIT")
        return lines.joined(separator: "\n") + "\n"
    }
}
