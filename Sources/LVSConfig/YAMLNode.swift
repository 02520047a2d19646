/// A composed YAML node that remembers where it stood in the file, so every schema error can
/// point at a line and column. Aliases are already expanded and `<<` merge keys applied.
struct YAMLNode: Sendable {
    enum Content: Sendable {
        /// The scalar's text and whether it was written plain (unquoted): only plain scalars
        /// can be numbers, booleans or null.
        case scalar(String, plain: Bool)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    var content: Content
    var location: SourceLocation

    /// An empty plain scalar or `~` / `null`: the value of `key:` with nothing after it.
    var isNull: Bool {
        guard case .scalar(let text, plain: true) = content else { return false }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// The word for this node's kind in error messages.
    var kindName: String {
        switch content {
        case .scalar: isNull ? "nothing" : "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}

struct YAMLPair: Sendable {
    var key: YAMLNode
    var value: YAMLNode
}
