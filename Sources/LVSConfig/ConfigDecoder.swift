import LVSModel

/// Walks the composed YAML and builds the desired state, collecting a diagnostic for every
/// problem instead of stopping at the first. Each `decode…` returns nil where it reported an error.
struct ConfigDecoder: Sendable {
    /// Past this many, further errors are summarised: a wrong file should not flood a terminal.
    static let diagnosticLimit = 200

    let file: String
    let document: YAMLView
    private let limit: Int
    private(set) var diagnostics: [Diagnostic] = []
    private var suppressed = 0

    /// - Parameter limit: how many diagnostics to keep; a decoder whose diagnostics another
    ///   one takes over keeps them all.
    init(file: String, document: YAMLView, limit: Int = diagnosticLimit) {
        self.file = file
        self.document = document
        self.limit = limit
    }

    /// The text of a scalar node; nil for collections.
    func text(_ node: YAMLNode) -> String? { document.text(node) }

    mutating func error(_ node: YAMLNode, _ message: String) {
        error(at: node.location, message)
    }

    mutating func error(at location: SourceLocation, _ message: String) {
        record(Diagnostic(.error, file: file, at: location, message))
    }

    mutating func warning(_ node: YAMLNode, _ message: String) {
        record(Diagnostic(.warning, file: file, at: node.location, message))
    }

    /// Keeps a diagnostic; past the limit, errors are counted in a summary and warnings dropped.
    mutating func record(_ diagnostic: Diagnostic) {
        if diagnostics.count < limit {
            diagnostics.append(diagnostic)
        } else if diagnostic.severity == .error {
            // The summary takes the place of the last error kept, which then counts as not shown.
            suppressed += suppressed == 0 ? 2 : 1
            let summary = "\(suppressed) more errors not shown; fix the ones above first"
            diagnostics[limit - 1] = Diagnostic(.error, file: file, at: SourceLocation(line: diagnostic.line,
                                                                                        column: diagnostic.column), summary)
        }
    }

    // MARK: Structure

    /// The keys of a mapping node, after checking it is a mapping, that every key is a known,
    /// unrepeated scalar, and reporting the unknown ones with a suggestion.
    mutating func fields<Key: ConfigKey>(_ node: YAMLNode, of what: String, _: Key.Type,
                                         ignoring ignored: (String) -> Bool = { _ in false }) -> Fields<Key>? {
        guard node.kind == .mapping else {
            error(node, "\(what) must be a mapping of keys (\(Key.table.names.joined(separator: ", "))), found \(node.kindName)")
            return nil
        }
        var fields = Fields<Key>(node: node, records: document.records)
        var children = document.children(node).makeIterator()
        while let keyNode = children.next(), let value = children.next() {
            guard keyNode.isScalar else {
                error(keyNode, "keys of \(what) must be plain words, found \(keyNode.kindName)")
                continue
            }
            guard let key = document.key(keyNode, of: Key.self) else {
                let name = text(keyNode) ?? ""
                if !ignored(name) {
                    let allowed = Key.table.names
                    error(keyNode, "unknown key '\(name)' in \(what)\(Suggestion.phrase(for: name, in: allowed)); valid keys: \(allowed.joined(separator: ", "))")
                }
                continue
            }
            if let first = fields.written(key) {
                let line = document.node(at: first.index - 1).location.line  // its key, a scalar, comes just before it
                error(keyNode, "duplicate key '\(key.name)' in \(what); it was already given at line \(line)")
                continue
            }
            // A key with nothing after it is what a file cut short ends with; read as "not
            // given" or "empty", it would widen a scope or empty a table.
            if value.isNull {
                error(keyNode, "'\(key.name)' in \(what) has no value; give one (an empty list is written '[]'), or remove the key for its default")
            }
            fields.insert(key, value: value)
        }
        return fields
    }

    /// The items of a list.
    mutating func items(_ node: YAMLNode, of what: @autoclosure () -> String) -> [YAMLNode]? {
        isList(node, of: what()) ? Array(document.children(node)) : nil
    }

    /// Whether `node` is a list, which `document.children` then walks; reports it when not.
    mutating func isList(_ node: YAMLNode, of what: @autoclosure () -> String) -> Bool {
        guard node.kind == .sequence else {
            error(node, "\(what()) must be a list, found \(node.kindName)")
            return false
        }
        return true
    }

    // MARK: Scalars

    mutating func string(_ node: YAMLNode, _ what: String) -> String? {
        guard let text = text(node), !node.isNull else {
            error(node, "\(what) must be a string, found \(node.kindName)")
            return nil
        }
        return text
    }

    /// Free text the config names things with (a service's name): one line of characters that
    /// show as themselves, at most `DesiredState.maximumNameBytes` bytes. Names reach plans, logs,
    /// metrics labels and script comments.
    mutating func freeText(_ node: YAMLNode, _ what: String) -> String? {
        guard let text = string(node, what) else { return nil }
        guard text.utf8.count <= DesiredState.maximumNameBytes else {
            error(node, "\(what) is \(text.utf8.count) bytes long; the limit is \(DesiredState.maximumNameBytes)")
            return nil
        }
        guard DisplayText.isPrintable(text) else {
            error(node, "\(what) '\(text)' holds a control character (a line break, tab, escape or direction mark); use printable characters on one line")
            return nil
        }
        return text
    }

    /// A whole number in `range`; quoted digits are accepted, as operators often quote ports.
    mutating func integer<T: FixedWidthInteger>(_ node: YAMLNode, _ what: String, in range: ClosedRange<T>) -> T? {
        guard node.isScalar, !node.isNull else {
            error(node, "\(what) must be a number from \(range.lowerBound) to \(range.upperBound), found \(node.kindName)")
            return nil
        }
        guard let value = document.integer(node) else {
            let found = text(node) ?? ""
            if document.hasLeadingZero(node) {
                error(node, "\(what) '\(found)' has a leading zero, which YAML 1.1 readers take for an octal number; write it without the zero")
            } else {
                error(node, "\(what) must be a number from \(range.lowerBound) to \(range.upperBound), found '\(found)'")
            }
            return nil
        }
        guard value >= Int64(range.lowerBound), value <= Int64(range.upperBound) else {
            error(node, "\(what) \(value) is out of range; valid: \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return T(value)
    }

    mutating func boolean(_ node: YAMLNode, _ what: String) -> Bool? {
        if node.kind == .plainScalar, let text = text(node) {
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default: break
            }
        }
        let found = text(node).map { "'\($0)'" } ?? node.kindName
        error(node, "\(what) must be true or false, found \(found)")
        return nil
    }

    /// One of `choices`, with a suggestion for a near miss.
    mutating func choice(_ node: YAMLNode, _ what: String, from choices: [String]) -> String? {
        if let choice = document.name(of: node, among: choices) { return choice }
        guard let text = string(node, what) else { return nil }
        guard choices.contains(text) else {
            error(node, "unknown \(what) '\(text)'\(Suggestion.phrase(for: text, in: choices)); valid: \(choices.joined(separator: ", "))")
            return nil
        }
        return text
    }

    mutating func address(_ node: YAMLNode, _ what: String) -> IPAddress? {
        if let address = document.dottedQuad(node) { return address }
        guard let text = string(node, what) else { return nil }
        guard let address = IPAddress(text) else {
            error(node, "\(what) '\(text)' is not an IP address; write an IPv4 address like 198.51.100.10 or an IPv6 address like 2001:db8::10")
            return nil
        }
        if let ipv4 = address.unmapped {
            error(node, "\(what) '\(text)' is an IPv4-mapped IPv6 address, which IPVS keeps apart from IPv4 and never matches IPv4 packets against; write \(ipv4)")
            return nil
        }
        return address
    }

    mutating func prefix(_ node: YAMLNode, _ what: String) -> IPPrefix? {
        guard let text = string(node, what) else { return nil }
        if let prefix = IPPrefix(text) { return prefix }
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, let address = IPAddress(String(parts[0])), let length = Int(parts[1]),
           (0...address.family.bitWidth).contains(length)
        {
            error(node, "\(what) '\(text)' has host bits set; did you mean \(address.masked(to: length))/\(length)?")
        } else {
            error(node, "\(what) '\(text)' is not an address prefix; write ADDRESS/LENGTH like 198.51.100.0/24 or 2001:db8::/64")
        }
        return nil
    }
}
