import LVSHost
import LVSModel
import LVSPlan

/// `rs plan --output script`: a real server's setup as a POSIX sh script, each change under a
/// comment that says why. Comments quote names from the config; a line break in one would end
/// the comment and run the rest, so every comment is one line of `DisplayText`.
enum RealServerScript {
    static func render(_ plan: Plan, node: IPAddress, file: String, warnings: [String]) -> String {
        var lines = [
            "#!/bin/sh",
            comment("Real-server setup of \(node) for the services in \(file), written by 'lvsctl rs plan --output script'."),
            "# Run as root. Every command can run again without harm; nothing is removed.",
            "set -e",
        ]
        lines += warnings.map { comment("warning: \($0)") }
        if plan.changes.isEmpty { lines.append("# Nothing to set up: the director does all the work for this server.") }
        for change in plan.changes {
            lines.append("")
            lines.append(comment("\(change.subject ?? change.object.rawValue): \(change.reason)"))
            lines += change.hostActions.flatMap(HostScript.lines(for:))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func comment(_ text: String) -> String { "# " + DisplayText.escaped(text) }
}
