/// Parses the YAML that config files are made of, several times faster than libyaml: block
/// mappings and lists, one-line flow mappings and lists, plain and quoted one-line scalars,
/// comments. It builds exactly the document libyaml's composer builds (same nodes, same
/// locations) or, at the first thing outside that subset or in any doubt (anchors, aliases,
/// tags, block scalars, multi-line scalars or flow collections, escapes, tabs, non-ASCII text,
/// document markers, and every syntax error), gives up and returns nil: the caller then reads
/// the file with libyaml, which also words the errors. A 16,000-service config is read in a
/// fraction of libyaml's time, which matters to a periodic `apply` on a small director.
struct BlockYAMLParser {
    /// Something outside the subset: the file goes to libyaml.
    private struct Unsupported: Error {}

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var line = 1
    private var lineStart = 0
    /// Where the key `startsKey` found ends (at its `:`).
    private var keyEnd = 0
    private var builder: YAMLBuilder
    /// How many collections are open; past `YAMLComposer.maximumDepth` libyaml's path words the error.
    private var depth = 0

    /// libyaml reads a key only when its `:` follows within 1,024 characters; longer ones go
    /// there to be refused.
    private static let maximumKeyLength = 1_000

    /// The document in `source`, or nil when it is not (certainly) in the subset. Scalars stay
    /// where they stand in `source`, which the document keeps. It has fewer nodes than half its
    /// bytes, so it never reaches the composer's node limit.
    static func parse(_ source: [UInt8]) -> YAMLDocument? {
        source.withUnsafeBufferPointer { bytes in
            guard isPrintableASCII(bytes) else { return nil }
            var parser = BlockYAMLParser(bytes: bytes, builder: YAMLBuilder(source: source))
            do {
                try parser.document()
            } catch {
                return nil
            }
            return parser.builder.finish()
        }
    }

    /// Whether every byte is printable ASCII or a newline (no tabs, control characters or
    /// non-ASCII text). Eight bytes at a time: a word none of whose bytes is below 0x20 or above
    /// 0x7E is passed whole, and only the others (one in four or five, for its newline) byte by
    /// byte; a byte at a time took a third of parsing a large config.
    static func isPrintableASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        func allowed(_ byte: UInt8) -> Bool { (0x20..<0x7F).contains(byte) || byte == newline }
        guard let base = UnsafeRawPointer(bytes.baseAddress) else { return true }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        var index = 0
        while index + 8 <= bytes.count {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            // High bits of bytes below 0x20, and of bytes from 0x7F (0x7F + 1 reaches 0x80):
            // possibly of a few others too, never missing one.
            let below = (word &- ones &* 0x20) & ~word & highBits
            let above = (word | (word &+ ones)) & highBits
            if below | above != 0, !bytes[index..<(index + 8)].allSatisfy(allowed) { return false }
            index += 8
        }
        return bytes[index...].allSatisfy(allowed)
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, builder: YAMLBuilder) {
        self.bytes = bytes
        self.builder = builder
    }

    /// Opens a collection, one level deeper.
    private mutating func open(_ kind: YAMLRecord.Kind) throws(Unsupported) -> Int {
        depth += 1
        guard depth <= YAMLComposer.maximumDepth else { throw Unsupported() }
        return builder.open(kind, at: location)
    }

    private mutating func close(_ index: Int, children: Int) {
        depth -= 1
        builder.close(index, children: children)
    }

    // MARK: Block structure

    private mutating func document() throws(Unsupported) {
        guard let indent = nextContentLine() else { return }
        guard indent == 0, startsKey() else { throw Unsupported() }
        try blockMapping(indent: 0)
    }

    /// A block mapping whose keys stand at column `indent` (0-based); the first key is at the
    /// current position. Ends with the position at the next content line's first character.
    private mutating func blockMapping(indent: Int) throws(Unsupported) {
        let index = try open(.mapping)
        var children = 0
        while true {
            let afterColon = try key()
            try value(blockIndent: indent, emptyAt: afterColon)
            children += 2
            guard let next = currentIndent, next >= indent else { break }
            guard next == indent, startsKey() else { throw Unsupported() }
        }
        close(index, children: children)
    }

    /// A block list whose `-` stand at column `indent`. An indentless list (a mapping's value
    /// written at the mapping's own indentation) ends at the next key; any other ends only by
    /// dedenting.
    private mutating func blockSequence(indent: Int, indentless: Bool) throws(Unsupported) {
        let index = try open(.sequence)
        var children = 0
        while true {
            position += 1
            let afterDash = location
            skipSpaces()
            if atLineEnd {
                try emptyOrNested(blockIndent: indent, emptyAt: afterDash, allowsIndentless: false)
            } else if startsKey() {
                try blockMapping(indent: position - lineStart)
            } else {
                try inlineNode(blockIndent: indent)
            }
            children += 1
            guard let next = currentIndent, next >= indent else { break }
            guard next == indent else { throw Unsupported() }
            guard startsSequenceEntry() else {
                if indentless { break }
                throw Unsupported()
            }
        }
        close(index, children: children)
    }

    /// The key that `startsKey` just found, and its `:`; returns where the colon ends, which is
    /// where libyaml places an empty value.
    private mutating func key() throws(Unsupported) -> SourceLocation {
        let start = position
        let keyLocation = location
        position = keyEnd
        scalar(start..<position, plain: true, at: keyLocation)
        position += 1
        let afterColon = location
        skipSpaces()
        return afterColon
    }

    /// A mapping value: on the key's line, or on the lines below, or nothing.
    private mutating func value(blockIndent: Int, emptyAt: SourceLocation) throws(Unsupported) {
        if atLineEnd {
            try emptyOrNested(blockIndent: blockIndent, emptyAt: emptyAt, allowsIndentless: true)
        } else {
            try inlineNode(blockIndent: blockIndent)
        }
    }

    /// After `key:` or `-` with nothing else on the line: the node on the lines below, if they
    /// are indented further (or, for a mapping value, a list at the same indentation), else an
    /// empty scalar at `emptyAt`.
    private mutating func emptyOrNested(blockIndent: Int, emptyAt: SourceLocation,
                                        allowsIndentless: Bool) throws(Unsupported) {
        try endOfLine()
        let next = nextContentLine()
        if let next, next > blockIndent {
            if startsSequenceEntry() {
                try blockSequence(indent: next, indentless: false)
            } else if startsKey() {
                try blockMapping(indent: next)
            } else {
                throw Unsupported()
            }
        } else if let next, next == blockIndent, allowsIndentless, startsSequenceEntry() {
            try blockSequence(indent: next, indentless: true)
        } else {
            emptyScalar(at: emptyAt)
        }
    }

    /// A flow collection, quoted scalar or plain scalar that ends its line.
    private mutating func inlineNode(blockIndent: Int) throws(Unsupported) {
        switch bytes[position] {
        case UInt8(ascii: "{"): try flowCollection(.mapping, closing: UInt8(ascii: "}"))
        case UInt8(ascii: "["): try flowCollection(.sequence, closing: UInt8(ascii: "]"))
        case UInt8(ascii: "'"), UInt8(ascii: "\""): try quotedScalar()
        default: try plainScalar(inFlow: false)
        }
        try endOfLine()
        guard let next = nextContentLine(), next > blockIndent else { return }
        // A more indented line continues a plain scalar, or is an error: both are libyaml's.
        throw Unsupported()
    }

    // MARK: Flow collections (on one line)

    /// A flow mapping (`{ key: value, … }`) or list (`[ item, … ]`), opened at the position.
    private mutating func flowCollection(_ kind: YAMLRecord.Kind, closing: UInt8) throws(Unsupported) {
        let index = try open(kind)
        position += 1
        skipSpaces()
        var children = 0
        if !consume(closing) {
            repeat {
                if kind == .mapping {
                    guard startsKey(inFlow: true) else { throw Unsupported() }
                    _ = try key()
                    children += 1
                }
                try flowNode()
                children += 1
            } while try nextFlowEntry(closing: closing)
        }
        close(index, children: children)
    }

    private mutating func flowNode() throws(Unsupported) {
        guard position < bytes.count else { throw Unsupported() }
        switch bytes[position] {
        case UInt8(ascii: "{"): try flowCollection(.mapping, closing: UInt8(ascii: "}"))
        case UInt8(ascii: "["): try flowCollection(.sequence, closing: UInt8(ascii: "]"))
        case UInt8(ascii: "'"), UInt8(ascii: "\""): try quotedScalar()
        default: try plainScalar(inFlow: true)
        }
        skipSpaces()
    }

    /// After an entry: true at `,` (another entry follows), false at the closing bracket.
    private mutating func nextFlowEntry(closing: UInt8) throws(Unsupported) -> Bool {
        if consume(closing) { return false }
        guard consume(UInt8(ascii: ",")) else { throw Unsupported() }
        skipSpaces()
        guard position < bytes.count, bytes[position] != closing else { throw Unsupported() }
        return true
    }

    // MARK: Scalars

    private mutating func plainScalar(inFlow: Bool) throws(Unsupported) {
        let start = position
        let scalarLocation = location
        let first = bytes[start]
        let second = start + 1 < bytes.count ? bytes[start + 1] : newline
        guard !isIndicator(first) || (first == UInt8(ascii: "-") && !isBlank(second) && !isFlowIndicator(second)) else {
            throw Unsupported()
        }
        var end = start
        scan: while position < bytes.count {
            switch bytes[position] {
            case newline:
                break scan
            case UInt8(ascii: "#") where bytes[position - 1] == space:
                break scan
            case UInt8(ascii: ":"):
                let next = position + 1 < bytes.count ? bytes[position + 1] : newline
                if isBlank(next) || isFlowIndicator(next) { throw Unsupported() }
                // In a flow collection libyaml refuses `:` before `?` too.
                if inFlow, next == UInt8(ascii: "?") { throw Unsupported() }
            case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"):
                if inFlow { break scan }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if inFlow { throw Unsupported() }
            default:
                break
            }
            if bytes[position] != space { end = position + 1 }
            position += 1
        }
        position = end
        scalar(start..<end, plain: true, at: scalarLocation)
    }

    /// A single-quoted scalar (`''` is a quote) or a double-quoted one without escapes.
    private mutating func quotedScalar() throws(Unsupported) {
        let quote = bytes[position]
        let scalarLocation = location
        position += 1
        let start = position
        var unescaped: [UInt8]?
        while true {
            guard position < bytes.count, bytes[position] != newline else { throw Unsupported() }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") { throw Unsupported() }
            if byte == quote {
                guard quote == UInt8(ascii: "'"), position + 1 < bytes.count, bytes[position + 1] == quote else { break }
                if unescaped == nil { unescaped = Array(bytes[start..<position]) }
                unescaped?.append(quote)
                position += 2
                continue
            }
            unescaped?.append(byte)
            position += 1
        }
        let end = position
        position += 1
        if let unescaped {
            unescaped.withUnsafeBufferPointer { builder.scalar($0, plain: false, at: scalarLocation) }
        } else {
            builder.scalar(source: start..<end, bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]), plain: false,
                           at: scalarLocation)
        }
    }

    private mutating func scalar(_ range: Range<Int>, plain: Bool, at location: SourceLocation) {
        builder.scalar(source: range, bytes: UnsafeBufferPointer(rebasing: bytes[range]), plain: plain, at: location)
    }

    private mutating func emptyScalar(at location: SourceLocation) {
        scalar(0..<0, plain: true, at: location)
    }

    // MARK: Lines

    private var location: SourceLocation { SourceLocation(line: line, column: position - lineStart + 1) }

    private var atLineEnd: Bool { position == bytes.count || bytes[position] == newline || bytes[position] == UInt8(ascii: "#") }

    /// The indentation of the current content line when the position is at its first character.
    private var currentIndent: Int? { position == bytes.count ? nil : position - lineStart }

    private mutating func skipSpaces() {
        while position < bytes.count, bytes[position] == space { position += 1 }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        skipSpaces()
        return true
    }

    /// The rest of a line after a node: spaces, then a comment (after at least one space) or
    /// nothing.
    private mutating func endOfLine() throws(Unsupported) {
        skipSpaces()
        guard position < bytes.count, bytes[position] != newline else { return }
        guard bytes[position] == UInt8(ascii: "#"), bytes[position - 1] == space else {
            throw Unsupported()
        }
        while position < bytes.count, bytes[position] != newline { position += 1 }
    }

    /// Moves past the end of the current line, blank lines and comment lines, to the first
    /// character of the next content line; its indentation, or nil at the end of the file.
    private mutating func nextContentLine() -> Int? {
        while position < bytes.count {
            switch bytes[position] {
            case newline:
                position += 1
                line += 1
                lineStart = position
            case space:
                position += 1
            case UInt8(ascii: "#") where position == lineStart || bytes[position - 1] == space:
                while position < bytes.count, bytes[position] != newline { position += 1 }
            default:
                return position - lineStart
            }
        }
        return nil
    }

    /// Whether a key (`word:` followed by a space or the line's end) starts here; if so, `key()`
    /// reads it next, from `keyEnd`. Keys are restricted to words; anything fancier goes to
    /// libyaml.
    private mutating func startsKey(inFlow: Bool = false) -> Bool {
        var end = position
        while end < bytes.count, isKeyCharacter(bytes[end]) { end += 1 }
        guard end > position, end - position <= Self.maximumKeyLength, bytes[position] != UInt8(ascii: "-"),
              end < bytes.count, bytes[end] == UInt8(ascii: ":") else { return false }
        let next = end + 1 < bytes.count ? bytes[end + 1] : newline
        keyEnd = end
        return inFlow ? next == space : isBlank(next)
    }

    private func startsSequenceEntry() -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "-") else { return false }
        return position + 1 == bytes.count || isBlank(bytes[position + 1])
    }

    private func isKeyCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }

    private func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == newline }

    private func isFlowIndicator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}")
    }

    /// Characters that cannot start a plain scalar (YAML 1.1, as libyaml reads it).
    private func isIndicator(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "["),
             UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "#"), UInt8(ascii: "&"),
             UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "'"),
             UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "@"), UInt8(ascii: "`"):
            true
        default:
            false
        }
    }
}

private let newline = UInt8(ascii: "\n")
private let space = UInt8(ascii: " ")
