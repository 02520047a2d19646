internal import CYAML

/// A YAML syntax error, or a document that cannot be composed (unknown alias, alias bomb).
struct YAMLSyntaxError: Error, Sendable {
    var message: String
    var location: SourceLocation
}

/// Turns libyaml's event stream into a `YAMLDocument`. Aliases are expanded in place and merges
/// applied; every node written or copied on the way (for the document, for an anchor kept, for a
/// merge) counts against `nodeLimit`, so that a "billion laughs" file, nested anchors or nested
/// merges are refused at once instead of exhausting memory or time. Nesting is limited too: the
/// composer recurses once per level.
struct YAMLComposer {
    /// A config nests a few levels; this many is refused with a located error, long before the
    /// recursion could exhaust a thread's stack.
    static let maximumDepth = 64

    /// What a file of `bytes` bytes may compose to: a document without aliases has fewer nodes
    /// than half its bytes, so this leaves aliases and merges room to double it and a million
    /// more, and refuses only expansions (a 50,000-service table is about 2 million nodes).
    static func nodeLimit(forBytes bytes: Int) -> Int { 1_000_000 + bytes }

    private var parser = yaml_parser_t()
    /// The event last returned by `next()`; libyaml owns its scalar bytes until it is deleted.
    private var event = yaml_event_t()
    private var holdsEvent = false
    private var builder: YAMLBuilder
    /// Each anchor's nodes as first composed, and the index they stood at.
    private var anchors: [String: (records: [YAMLRecord], start: Int)] = [:]
    private var nodeCount = 0
    private let nodeLimit: Int

    /// Composes the single document in `bytes`; a document without nodes when the file holds
    /// no document at all.
    static func compose(_ bytes: [UInt8]) throws(YAMLSyntaxError) -> YAMLDocument {
        let nodeLimit = Self.nodeLimit(forBytes: bytes.count)
        var input = bytes
        let result: Result<YAMLDocument, YAMLSyntaxError> = input.withUnsafeMutableBufferPointer { buffer in
            var composer = YAMLComposer(nodeLimit: nodeLimit, expectedBytes: buffer.count)
            guard yaml_parser_initialize(&composer.parser) == 1 else {
                return .failure(YAMLSyntaxError(message: "out of memory", location: SourceLocation(line: 1, column: 1)))
            }
            defer {
                if composer.holdsEvent { yaml_event_delete(&composer.event) }
                yaml_parser_delete(&composer.parser)
            }
            yaml_parser_set_input_string(&composer.parser, buffer.baseAddress, buffer.count)
            return Result { () throws(YAMLSyntaxError) in
                try composer.stream()
                return composer.builder.finish()
            }
        }
        return try result.get()
    }

    private init(nodeLimit: Int, expectedBytes: Int) {
        self.nodeLimit = nodeLimit
        builder = YAMLBuilder(expectedBytes: expectedBytes)
    }

    private mutating func stream() throws(YAMLSyntaxError) {
        var next = try self.next()
        precondition(next.type == YAML_STREAM_START_EVENT)
        next = try self.next()
        if next.type == YAML_STREAM_END_EVENT { return }
        try node(after: try self.next(), depth: 1)
        let end = try self.next()
        guard end.type == YAML_DOCUMENT_END_EVENT else {
            throw YAMLSyntaxError(message: "expected the end of the document", location: end.location)
        }
        let after = try self.next()
        guard after.type == YAML_STREAM_END_EVENT else {
            throw YAMLSyntaxError(message: "the file holds more than one YAML document; lvsctl reads one",
                                  location: after.location)
        }
    }

    /// What the composer needs of an event; a scalar's bytes stay in `event` until the next call.
    private struct Event {
        var type: yaml_event_type_t
        var location: SourceLocation
        var anchor: String?
    }

    private mutating func next() throws(YAMLSyntaxError) -> Event {
        if holdsEvent {
            yaml_event_delete(&event)
            holdsEvent = false
        }
        guard yaml_parser_parse(&parser, &event) == 1 else {
            let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
            let context = parser.context.map { String(cString: $0) }
            let message = "YAML syntax error: " + (context.map { "\(problem) (\($0))" } ?? problem)
            throw YAMLSyntaxError(message: message, location: SourceLocation(
                line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1))
        }
        holdsEvent = true
        let anchor: UnsafeMutablePointer<yaml_char_t>? = switch event.type {
        case YAML_SCALAR_EVENT: event.data.scalar.anchor
        case YAML_ALIAS_EVENT: event.data.alias.anchor
        case YAML_SEQUENCE_START_EVENT: event.data.sequence_start.anchor
        case YAML_MAPPING_START_EVENT: event.data.mapping_start.anchor
        default: nil
        }
        return Event(type: event.type, location: SourceLocation(line: Int(event.start_mark.line) + 1,
                                                                column: Int(event.start_mark.column) + 1),
                     anchor: anchor.map { String(cString: $0) })
    }

    private mutating func count(_ added: Int, at location: SourceLocation) throws(YAMLSyntaxError) {
        nodeCount += added
        guard nodeCount <= nodeLimit else {
            throw YAMLSyntaxError(message: "aliases and '<<' merges expand this file to more than \(nodeLimit) nodes, far more than its own text holds; refusing it",
                                  location: location)
        }
    }

    private mutating func node(after event: Event, depth: Int) throws(YAMLSyntaxError) {
        let start = builder.count
        if event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT, depth > Self.maximumDepth {
            throw YAMLSyntaxError(message: "lists and mappings nest more than \(Self.maximumDepth) levels deep here; a config needs a few",
                                  location: event.location)
        }
        switch event.type {
        case YAML_ALIAS_EVENT:
            let name = event.anchor ?? ""
            guard let target = anchors[name] else {
                throw YAMLSyntaxError(message: "unknown alias '*\(name)'; define '&\(name)' before it",
                                      location: event.location)
            }
            try count(target.records.count, at: event.location)
            builder.append(copies: target.records, from: target.start)
            return
        case YAML_SCALAR_EVENT:
            try count(1, at: event.location)
            let scalar = self.event.data.scalar
            builder.scalar(UnsafeBufferPointer(start: scalar.value, count: scalar.length),
                           plain: scalar.style == YAML_PLAIN_SCALAR_STYLE, at: event.location)
        case YAML_SEQUENCE_START_EVENT:
            try count(1, at: event.location)
            let index = builder.open(.sequence, at: event.location)
            var children = 0
            while true {
                let item = try next()
                if item.type == YAML_SEQUENCE_END_EVENT { break }
                try node(after: item, depth: depth + 1)
                children += 1
            }
            builder.close(index, children: children)
        case YAML_MAPPING_START_EVENT:
            try count(1, at: event.location)
            let index = builder.open(.mapping, at: event.location)
            var children = 0
            var merges = false
            while true {
                let key = try next()
                if key.type == YAML_MAPPING_END_EVENT { break }
                let keyIndex = builder.count
                try node(after: key, depth: depth + 1)
                if builder.isMergeKey(keyIndex) {
                    // YAML 1.1 readers disagree on which of two `<<` keys wins.
                    guard !merges else {
                        throw YAMLSyntaxError(message: "a second '<<' key in one mapping; merge several mappings with one key: '<<: [*first, *second]'",
                                              location: key.location)
                    }
                    merges = true
                }
                try node(after: try next(), depth: depth + 1)
                children += 2
            }
            if merges { children = try applyMerges(mapping: index, at: event.location) }
            builder.close(index, children: children)
        default:
            throw YAMLSyntaxError(message: "unexpected YAML event", location: event.location)
        }
        if let anchor = event.anchor {
            // The copy kept for later aliases counts: anchors nested in anchors would each keep
            // the whole subtree again.
            try count(builder.count - start, at: event.location)
            anchors[anchor] = (Array(builder.records[start...]), start)
        }
    }

    /// A pair inside the document being built: where its key, its value and what follows stand.
    private typealias Pair = (key: Int, value: Int, end: Int)

    /// The pairs of the mapping at `mapping`, whose children end at `end`.
    private func pairs(of mapping: Int, end: Int) -> [Pair] {
        var pairs: [Pair] = []
        var position = mapping + 1
        while position < end {
            let value = builder.end(of: position)
            pairs.append((position, value, builder.end(of: value)))
            position = builder.end(of: value)
        }
        return pairs
    }

    /// Rewrites the children of the open mapping at `index`: its own pairs, then the pairs its
    /// `<<` keys bring in from one mapping or a list of them, except keys already set (earlier
    /// ones win, as in YAML 1.1). Returns the new number of children.
    private mutating func applyMerges(mapping index: Int, at mappingLocation: SourceLocation) throws(YAMLSyntaxError) -> Int {
        var own: [Pair] = []
        var merged: [Pair] = []
        for pair in pairs(of: index, end: builder.count) {
            guard builder.isMergeKey(pair.key) else {
                own.append(pair)
                continue
            }
            let value = builder.record(pair.value)
            switch value.kind {
            case .mapping:
                merged += pairs(of: pair.value, end: pair.end)
            case .sequence:
                var item = pair.value + 1
                while item < pair.end {
                    guard builder.record(item).kind == .mapping else {
                        throw YAMLSyntaxError(message: "a '<<' merge list may only hold mappings", location: location(item))
                    }
                    merged += pairs(of: item, end: builder.end(of: item))
                    item = builder.end(of: item)
                }
            case .plainScalar, .quotedScalar:
                throw YAMLSyntaxError(message: "'<<' merges a mapping (an alias such as *defaults), not a scalar",
                                      location: location(pair.value))
            }
        }
        var seen = Set(own.compactMap { builder.scalarBytes($0.key).map(Array.init) })
        let kept = own + merged.filter { pair in
            guard let key = builder.scalarBytes(pair.key) else { return false }
            return seen.insert(Array(key)).inserted
        }
        let base = index + 1
        // Every node is written again: nested merges would otherwise copy quadratically.
        try count(builder.count - base, at: mappingLocation)
        let saved = Array(builder.records[base...])
        builder.truncate(to: base)
        for pair in kept {
            builder.append(copies: saved[(pair.key - base)..<(pair.end - base)], from: pair.key)
        }
        return kept.count * 2
    }

    private func location(_ index: Int) -> SourceLocation {
        let record = builder.record(index)
        return SourceLocation(line: Int(record.line), column: Int(record.column))
    }
}
