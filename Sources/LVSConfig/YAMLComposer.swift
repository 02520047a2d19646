internal import CYAML

/// A YAML syntax error, or a document that cannot be composed (unknown alias, alias bomb).
struct YAMLSyntaxError: Error, Sendable {
    var message: String
    var location: SourceLocation
}

/// Turns libyaml's event stream into `YAMLNode`s. Aliases are expanded in place; the number of
/// nodes an expansion may create is capped so that a "billion laughs" file is refused at once
/// instead of exhausting memory.
struct YAMLComposer {
    /// Far above any real config (16,000 services × 4 servers is under 600,000 nodes).
    static let defaultNodeLimit = 2_000_000

    private var parser = yaml_parser_t()
    private var anchors: [String: YAMLNode] = [:]
    private var anchorSizes: [String: Int] = [:]
    private var nodeCount = 0
    private let nodeLimit: Int

    /// Composes the single document in `bytes`; nil when the file holds no document at all.
    static func compose(_ bytes: [UInt8], nodeLimit: Int = defaultNodeLimit) throws(YAMLSyntaxError) -> YAMLNode? {
        var input = bytes
        let result: Result<YAMLNode?, YAMLSyntaxError> = input.withUnsafeMutableBufferPointer { buffer in
            var composer = YAMLComposer(nodeLimit: nodeLimit)
            guard yaml_parser_initialize(&composer.parser) == 1 else {
                return .failure(YAMLSyntaxError(message: "out of memory", location: SourceLocation(line: 1, column: 1)))
            }
            defer { yaml_parser_delete(&composer.parser) }
            yaml_parser_set_input_string(&composer.parser, buffer.baseAddress, buffer.count)
            return Result { () throws(YAMLSyntaxError) in try composer.stream() }
        }
        return try result.get()
    }

    private init(nodeLimit: Int) { self.nodeLimit = nodeLimit }

    private mutating func stream() throws(YAMLSyntaxError) -> YAMLNode? {
        var event = try next()
        precondition(event.type == YAML_STREAM_START_EVENT)
        event = try next()
        if event.type == YAML_STREAM_END_EVENT { return nil }
        let root = try node(after: try next())
        let end = try next()
        guard end.type == YAML_DOCUMENT_END_EVENT else {
            throw YAMLSyntaxError(message: "expected the end of the document", location: end.location)
        }
        let after = try next()
        guard after.type == YAML_STREAM_END_EVENT else {
            throw YAMLSyntaxError(message: "the file holds more than one YAML document; lvsctl reads one",
                                  location: after.location)
        }
        return root
    }

    /// An event copied out of libyaml, so nothing points into the parser once it is deleted.
    private struct Event {
        var type: yaml_event_type_t
        var location: SourceLocation
        var anchor: String?
        var value: String = ""
        var plain = false
    }

    private mutating func next() throws(YAMLSyntaxError) -> Event {
        var raw = yaml_event_t()
        guard yaml_parser_parse(&parser, &raw) == 1 else {
            let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
            let context = parser.context.map { String(cString: $0) }
            let message = "YAML syntax error: " + (context.map { "\(problem) (\($0))" } ?? problem)
            throw YAMLSyntaxError(message: message, location: SourceLocation(
                line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1))
        }
        defer { yaml_event_delete(&raw) }
        var event = Event(type: raw.type, location: SourceLocation(
            line: Int(raw.start_mark.line) + 1, column: Int(raw.start_mark.column) + 1))
        switch raw.type {
        case YAML_SCALAR_EVENT:
            let scalar = raw.data.scalar
            event.anchor = scalar.anchor.map { String(cString: $0) }
            event.value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            event.plain = scalar.style == YAML_PLAIN_SCALAR_STYLE
        case YAML_ALIAS_EVENT:
            event.value = raw.data.alias.anchor.map { String(cString: $0) } ?? ""
        case YAML_SEQUENCE_START_EVENT:
            event.anchor = raw.data.sequence_start.anchor.map { String(cString: $0) }
        case YAML_MAPPING_START_EVENT:
            event.anchor = raw.data.mapping_start.anchor.map { String(cString: $0) }
        default:
            break
        }
        return event
    }

    private mutating func count(_ added: Int, at location: SourceLocation) throws(YAMLSyntaxError) {
        nodeCount += added
        guard nodeCount <= nodeLimit else {
            throw YAMLSyntaxError(message: "aliases expand to more than \(nodeLimit) nodes; refusing a file this large",
                                  location: location)
        }
    }

    private mutating func node(after event: Event) throws(YAMLSyntaxError) -> YAMLNode {
        let start = nodeCount
        let composed: YAMLNode
        switch event.type {
        case YAML_ALIAS_EVENT:
            guard let target = anchors[event.value] else {
                throw YAMLSyntaxError(message: "unknown alias '*\(event.value)'; define '&\(event.value)' before it",
                                      location: event.location)
            }
            try count(anchorSizes[event.value] ?? 1, at: event.location)
            return target
        case YAML_SCALAR_EVENT:
            try count(1, at: event.location)
            composed = YAMLNode(content: .scalar(event.value, plain: event.plain), location: event.location)
        case YAML_SEQUENCE_START_EVENT:
            try count(1, at: event.location)
            var items: [YAMLNode] = []
            while true {
                let item = try next()
                if item.type == YAML_SEQUENCE_END_EVENT { break }
                items.append(try node(after: item))
            }
            composed = YAMLNode(content: .sequence(items), location: event.location)
        case YAML_MAPPING_START_EVENT:
            try count(1, at: event.location)
            var pairs: [YAMLPair] = []
            var merged: [YAMLPair] = []
            while true {
                let keyEvent = try next()
                if keyEvent.type == YAML_MAPPING_END_EVENT { break }
                let key = try node(after: keyEvent)
                let value = try node(after: try next())
                if case .scalar("<<", plain: true) = key.content {
                    merged += try mergeSources(value)
                } else {
                    pairs.append(YAMLPair(key: key, value: value))
                }
            }
            if !merged.isEmpty {
                var seen = Set(pairs.compactMap(\.key.scalarText))
                for pair in merged {
                    guard let name = pair.key.scalarText, seen.insert(name).inserted else { continue }
                    pairs.append(pair)
                }
            }
            composed = YAMLNode(content: .mapping(pairs), location: event.location)
        default:
            throw YAMLSyntaxError(message: "unexpected YAML event", location: event.location)
        }
        if let anchor = event.anchor {
            anchors[anchor] = composed
            anchorSizes[anchor] = nodeCount - start
        }
        return composed
    }

    /// The pairs a `<<` merge key brings in: from one mapping, or from a list of mappings
    /// (earlier ones win, as in YAML 1.1).
    private func mergeSources(_ value: YAMLNode) throws(YAMLSyntaxError) -> [YAMLPair] {
        switch value.content {
        case .mapping(let pairs):
            return pairs
        case .sequence(let items):
            var pairs: [YAMLPair] = []
            for item in items {
                guard case .mapping(let more) = item.content else {
                    throw YAMLSyntaxError(message: "a '<<' merge list may only hold mappings", location: item.location)
                }
                pairs += more
            }
            return pairs
        case .scalar:
            throw YAMLSyntaxError(message: "'<<' merges a mapping (an alias such as *defaults), not a scalar",
                                  location: value.location)
        }
    }
}

extension YAMLNode {
    /// The text of a scalar node; nil for collections.
    var scalarText: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }
}
