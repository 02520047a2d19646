import LVSModel

/// A composed YAML document, held flat: every node is one fixed-size record in document order
/// (a collection is followed by its children), and every scalar's bytes lie in one buffer.
/// A config of 16,000 services is over half a million nodes; as a tree of enums, arrays and
/// strings each node was an allocation, which made composing it the larger part of loading.
/// Aliases are already expanded and `<<` merge keys applied. It is read through a `YAMLView`.
final class YAMLDocument: Sendable {
    let records: [YAMLRecord]
    let text: [UInt8]

    init(records: [YAMLRecord], text: [UInt8]) {
        self.records = records
        self.text = text
    }

    /// The document in `bytes`: read by `BlockYAMLParser` when the file keeps to its subset,
    /// else by libyaml, which also reports syntax errors.
    static func parse(_ bytes: [UInt8]) throws(YAMLSyntaxError) -> YAMLDocument {
        if let document = BlockYAMLParser.parse(bytes) {
            return document
        }
        return try YAMLComposer.compose(bytes)
    }

    /// Calls `body` with a view of the document, valid until it returns.
    func read<Result>(_ body: (YAMLView) throws -> Result) rethrows -> Result {
        try records.withUnsafeBufferPointer { records in
            try text.withUnsafeBufferPointer { text in try body(YAMLView(records: records, text: text)) }
        }
    }
}

/// A `YAMLDocument`'s records and text, read in place through buffer pointers. Every mapping and
/// list decoded takes a view of the records (`Fields`, `Children`), from one thread per CPU; as
/// arrays, each view counted a reference on the same two buffers, and the threads fought over
/// that one cache line (a tenth of loading a large config).
///
/// `@unchecked Sendable`: the memory is only read, and only while `YAMLDocument.read` runs.
struct YAMLView: @unchecked Sendable {
    let records: UnsafeBufferPointer<YAMLRecord>
    let text: UnsafeBufferPointer<UInt8>

    /// The first node; nil when the file holds no document at all.
    var root: YAMLNode? { records.isEmpty ? nil : YAMLNode(index: 0, record: records[0]) }

    /// The text of a scalar node; nil for collections.
    func text(_ node: YAMLNode) -> String? {
        bytes(of: node) { String(decoding: $0, as: UTF8.self) }
    }

    // Readings of a scalar straight from its bytes, for the values a large config repeats tens
    // of thousands of times. Each is nil where the caller should read the text (and word the
    // error) instead.

    /// The key of `Key`'s section that a scalar node spells.
    func key<Key: ConfigKey>(_ node: YAMLNode, of _: Key.Type) -> Key? {
        bytes(of: node) { Key.table.key(spelled: $0) }
    }

    /// The name among `names` that a scalar node spells; nil when it spells none of them.
    func name(of node: YAMLNode, among names: [String]) -> String? {
        bytes(of: node) { bytes in
            names.first { $0.utf8.count == bytes.count && $0.utf8.first == bytes.first && $0.utf8.elementsEqual(bytes) }
        }
    }

    /// The scalar's number as `Int64(text)` reads it, except that a leading zero (`010`), which
    /// YAML 1.1 readers take for octal, makes it no number.
    func integer(_ node: YAMLNode) -> Int64? {
        bytes(of: node) { bytes in
            guard let digits = Self.digits(bytes), digits.count == 1 || digits.first != UInt8(ascii: "0") else { return nil }
            let negative = bytes.first == UInt8(ascii: "-")
            var value: Int64 = 0
            for byte in digits {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                let digit = Int64(byte - UInt8(ascii: "0"))
                let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
                let (next, carry) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
                guard !overflow, !carry else { return nil }
                value = next
            }
            return value
        }
    }

    /// Whether the scalar is a number written with a leading zero, such as `010`.
    func hasLeadingZero(_ node: YAMLNode) -> Bool {
        bytes(of: node) { bytes in
            Self.digits(bytes).map { digits in
                digits.count > 1 && digits.first == UInt8(ascii: "0")
                    && digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            }
        } ?? false
    }

    /// A number's digits, after its sign; nil when there are none.
    private static func digits(_ bytes: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>>? {
        guard let first = bytes.first else { return nil }
        let digits = first == UInt8(ascii: "-") || first == UInt8(ascii: "+") ? bytes.dropFirst() : bytes[...]
        return digits.isEmpty ? nil : digits
    }

    /// The scalar as an IPv4 address written as a plain dotted quad.
    func dottedQuad(_ node: YAMLNode) -> IPAddress? {
        bytes(of: node) { IPAddress(dottedQuad: $0) }
    }

    private func bytes<T>(of node: YAMLNode, _ read: (UnsafeBufferPointer<UInt8>) -> T?) -> T? {
        guard node.isScalar else { return nil }
        let record = node.record
        return read(UnsafeBufferPointer(rebasing: text[Int(record.start)..<Int(record.start + record.count)]))
    }

    func node(at index: Int) -> YAMLNode { YAMLNode(index: index, record: records[index]) }

    /// The children of a collection in order (for a mapping: key, value, key, value…); none
    /// for a scalar.
    func children(_ node: YAMLNode) -> Children { Children(records: records, parent: node) }

    /// The key–value pairs of a mapping; none for other nodes.
    func pairs(_ node: YAMLNode) -> [YAMLPair] {
        guard node.kind == .mapping else { return [] }
        var pairs: [YAMLPair] = []
        pairs.reserveCapacity(Int(node.record.count) / 2)
        var iterator = children(node).makeIterator()
        while let key = iterator.next(), let value = iterator.next() { pairs.append(YAMLPair(key: key, value: value)) }
        return pairs
    }

    /// The children of one node, found by skipping each child's descendants.
    struct Children: Sequence {
        let records: UnsafeBufferPointer<YAMLRecord>
        let parent: YAMLNode

        /// Exact, so that an array of the children is allocated once.
        var underestimatedCount: Int { parent.isScalar ? 0 : Int(parent.record.count) }

        func makeIterator() -> Iterator {
            Iterator(records: records, position: parent.index + 1,
                     end: parent.isScalar ? parent.index + 1 : Int(parent.record.start))
        }

        struct Iterator: IteratorProtocol {
            let records: UnsafeBufferPointer<YAMLRecord>
            var position: Int
            let end: Int

            mutating func next() -> YAMLNode? {
                guard position < end else { return nil }
                let record = records[position]
                let node = YAMLNode(index: position, record: record)
                position = record.isCollection ? Int(record.start) : position + 1
                return node
            }
        }
    }
}

/// One node of a `YAMLDocument`.
struct YAMLRecord: Sendable, Equatable {
    enum Kind: UInt8, Sendable {
        /// Only plain (unquoted) scalars can be numbers, booleans or null.
        case plainScalar, quotedScalar, sequence, mapping
    }

    var kind: Kind
    /// An empty plain scalar or `~` / `null`: the value of `key:` with nothing after it.
    var isNull = false
    var line: UInt32
    var column: UInt32
    /// A scalar's first byte in `text`; for a collection, the index just past its last descendant.
    var start: UInt32
    /// A scalar's length in bytes; for a collection, its number of children (keys and values
    /// both count in a mapping).
    var count: UInt32

    var isCollection: Bool { kind == .sequence || kind == .mapping }
}

/// A node of a composed document: which one, and its record, so that what it is and where it
/// stood in the file (for every schema error's line and column) need no look-up. Its text and
/// children are read through the document.
struct YAMLNode: Sendable {
    let index: Int
    let record: YAMLRecord

    var kind: YAMLRecord.Kind { record.kind }

    var isScalar: Bool { !record.isCollection }

    var isNull: Bool { record.isNull }

    var location: SourceLocation { SourceLocation(line: Int(record.line), column: Int(record.column)) }

    /// The word for this node's kind in error messages.
    var kindName: String {
        switch kind {
        case .plainScalar, .quotedScalar: isNull ? "nothing" : "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}

struct YAMLPair: Sendable {
    var key: YAMLNode
    var value: YAMLNode
}
