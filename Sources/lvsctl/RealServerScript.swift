import LVSHost
import LVSModel
import LVSPlan

/// `rs plan --output script`: a real server's setup as a POSIX sh script, each change under a
/// comment that says why.
enum RealServerScript {
    static func render(_ plan: Plan, node: IPAddress, file: String, warnings: [String]) -> String {
        var lines = [
            "#!/bin/sh",
            "# Real-server setup of \(node) for the services in \(file), written by 'lvsctl rs plan --output script'.",
            "# Run as root. Every command can run again without harm; nothing is removed.",
            "set -e",
        ]
        lines += warnings.map { "# warning: \($0)" }
        if plan.changes.isEmpty { lines.append("# Nothing to set up: the director does all the work for this server.") }
        for change in plan.changes {
            lines.append("")
            lines.append("# \(change.subject ?? change.object.rawValue): \(change.reason)")
            lines += change.hostActions.flatMap(HostScript.lines(for:))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
