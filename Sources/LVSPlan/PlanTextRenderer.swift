import LVSModel

/// Renders a plan for people, in the manner of Terraform: one block per change with `+ ~ - -/+`,
/// changed values as `old → new`, and a closing count. Names, subjects, reasons and values are
/// written as `DisplayText`: a line break or terminal escape in a name must not forge a line of
/// the plan an operator confirms.
public struct PlanTextRenderer {
    /// ANSI colours; off for pipes, files and `NO_COLOR`.
    public var colored: Bool

    public init(colored: Bool) { self.colored = colored }

    public func render(_ plan: Plan) -> String {
        var out = ""
        write(plan, to: &out)
        return out
    }

    /// Writes the rendering to `output` change by change, so that the plan of a large table
    /// (hundreds of thousands of lines) streams out instead of being held whole.
    public func write(_ plan: Plan, to output: inout some TextOutputStream) {
        var out = ""
        if !plan.notManaged.isEmpty {
            painted(.dim, "Not managed (outside scope, left as they are): ", into: &out)
            out += plan.notManaged.map(\.description).joined(separator: ", ") + "\n\n"
        }
        guard !plan.isEmpty else {
            painted(.bold, "No changes.", into: &out)
            output.write(out + " The kernel matches the configuration.\n")
            return
        }
        output.write(out + "lvsctl will perform the following actions:\n\n")
        var text = ""
        text.reserveCapacity(1_024)
        var service = ServiceWords()
        for change in plan.changes {
            text.removeAll(keepingCapacity: true)
            block(change, service: &service, into: &text)
            output.write(text)
        }
        let s = plan.summary
        out = ""
        painted(.bold, "Plan:", into: &out)
        output.write(out + " \(s.create + s.replace) to add, \(s.update) to change, \(s.delete + s.replace) to destroy.\n")
    }

    /// How a block names its service, kept from one change to the next: a service's
    /// servers follow it in the plan, and a large plan would spell each name five times.
    private struct ServiceWords {
        var key: ServiceKey?
        var name: String?
        var description = ""
        var named = ""

        mutating func update(for change: Change) {
            guard change.service != key || change.name != name else { return }
            (key, name) = (change.service, change.name)
            description = key?.description ?? ""
            named = name.map { "\"\(DisplayText.escaped($0))\"" } ?? description
        }
    }

    private func block(_ change: Change, service words: inout ServiceWords, into text: inout String) {
        let (symbol, color, verb): (String, Color, String) = switch change.action {
        case .create: ("+", .green, "will be created")
        case .update: ("~", .yellow, "will be updated in place")
        case .delete: ("-", .red, "will be destroyed")
        case .replace: ("-/+", .magenta, "must be replaced")
        }
        words.update(for: change)
        let (service, named) = (words.description, words.named)
        let server = change.server?.description ?? ""
        let changeSubject = change.subject.map { DisplayText.escaped($0) } ?? ""
        let (title, subject): (String, String) = switch change.object {
        case .service: ("service " + named, service)
        case .server: ("server " + server + " of " + named, server + " in " + service)
        case .timeouts: ("timeouts", "tcp / tcpfin / udp")
        case .sync: ("sync daemon", DisplayText.escaped(change.before?.first?.value ?? change.after?.first?.value ?? ""))
        case .firewall: ("firewall chain " + changeSubject, changeSubject)
        case .host: ("host setting " + changeSubject, changeSubject)
        }
        painted(.dim, into: &text) {
            $0 += "  # "; $0 += title; $0 += " "; $0 += verb; $0 += " ("; $0 += DisplayText.escaped(change.reason); $0 += ")"
        }
        text += "\n"
        painted(color, into: &text) { $0 += "  "; $0 += symbol; $0 += " " }
        text += change.object.rawValue
        text += " "
        text += subject
        text += "\n"
        let attributes: [Attribute] = switch (change.action, change.object) {
        case (.create, _), (.update, .firewall): change.after ?? []
        case (.delete, _): change.before ?? []
        case (.update, _), (.replace, _): change.differences.map { Attribute($0.name, $0.transition) }
        }
        let width = attributes.reduce(0) { max($0, $1.name.utf8.count) }
        for attribute in attributes {
            text += "      "
            text += attribute.name
            text += ":"
            for _ in 0...(width - attribute.name.utf8.count) { text += " " }
            text += DisplayText.escaped(attribute.value)
            text += "\n"
        }
        text += "\n"
    }

    private enum Color: String {
        case green = "32", yellow = "33", red = "31", magenta = "35", bold = "1", dim = "2"
    }

    /// Appends what `write` appends, in `color` when colouring is on.
    private func painted(_ color: Color, into text: inout String, _ write: (inout String) -> Void) {
        if colored { text += "\u{1B}[" + color.rawValue + "m" }
        write(&text)
        if colored { text += "\u{1B}[0m" }
    }

    private func painted(_ color: Color, _ words: String, into text: inout String) {
        painted(color, into: &text) { $0 += words }
    }
}
