import LVSModel

/// Renders a plan for people, in the manner of Terraform: one block per change with `+ ~ - -/+`,
/// changed values as `old → new`, and a closing count.
public struct PlanTextRenderer {
    /// ANSI colours; off for pipes, files and `NO_COLOR`.
    public var colored: Bool

    public init(colored: Bool) { self.colored = colored }

    public func render(_ plan: Plan) -> String {
        var out = ""
        if !plan.notManaged.isEmpty {
            out += paint("Not managed (outside scope, left as they are): ", .dim)
                + plan.notManaged.map(\.description).joined(separator: ", ") + "\n\n"
        }
        guard !plan.isEmpty else { return out + paint("No changes.", .bold) + " The kernel matches the configuration.\n" }
        out += "lvsctl will perform the following actions:\n\n"
        for change in plan.changes { out += block(change) + "\n" }
        let s = plan.summary
        out += paint("Plan:", .bold) + " \(s.create + s.replace) to add, \(s.update) to change, \(s.delete + s.replace) to destroy.\n"
        return out
    }

    private func block(_ change: Change) -> String {
        let (symbol, color, verb): (String, Color, String) = switch change.action {
        case .create: ("+", .green, "will be created")
        case .update: ("~", .yellow, "will be updated in place")
        case .delete: ("-", .red, "will be destroyed")
        case .replace: ("-/+", .magenta, "must be replaced")
        }
        let service = change.service?.description ?? ""
        let named = change.name.map { "\"\($0)\"" } ?? service
        let (title, subject): (String, String) = switch change.object {
        case .service: ("service \(named)", service)
        case .server:
            ("server \(change.server?.description ?? "") of \(named)", "\(change.server?.description ?? "") in \(service)")
        case .timeouts: ("timeouts", "tcp / tcpfin / udp")
        case .sync: ("sync daemon", change.before?.first?.value ?? change.after?.first?.value ?? "")
        case .firewall: ("firewall chain \(change.subject ?? "")", change.subject ?? "")
        case .host: ("host setting \(change.subject ?? "")", change.subject ?? "")
        }
        var text = paint("  # \(title) \(verb) (\(change.reason))", .dim) + "\n"
        text += paint("  \(symbol) ", color) + "\(change.object.rawValue) \(subject)\n"
        let attributes: [(String, String)] = switch (change.action, change.object) {
        case (.create, _), (.update, .firewall): (change.after ?? []).map { ($0.name, $0.value) }
        case (.delete, _): (change.before ?? []).map { ($0.name, $0.value) }
        case (.update, _), (.replace, _): change.differences.map { ($0.name, $0.transition) }
        }
        let width = attributes.map(\.0.utf8.count).max() ?? 0
        for (name, value) in attributes {
            text += "      \(name):"
            text += String(repeating: " ", count: width - name.utf8.count + 1)
            text += value
            text += "\n"
        }
        return text
    }

    private enum Color: String {
        case green = "32", yellow = "33", red = "31", magenta = "35", bold = "1", dim = "2"
    }

    private func paint(_ text: String, _ color: Color) -> String {
        colored ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }
}
