/// Writes a `YAMLDocument` node by node, in document order. Both parsers (libyaml's and the
/// fast one for plain block YAML) build through it, so they produce identical documents.
struct YAMLBuilder {
    private(set) var records: [YAMLRecord] = []
    /// The parsed file, when a parser takes scalars from it in place.
    private let source: [UInt8]
    /// Scalars written out (all of libyaml's; the fast parser's unescaped ones), after `source`.
    private var written: [UInt8] = []

    /// For a parser that copies every scalar out.
    init(expectedBytes: Int) {
        source = []
        records.reserveCapacity(Self.expectedRecords(expectedBytes))
        written.reserveCapacity(expectedBytes)
    }

    /// For a parser that takes scalars from `source` where they stand.
    init(source: [UInt8]) {
        self.source = source
        records.reserveCapacity(Self.expectedRecords(source.count))
    }

    /// Generous (a node per 4 bytes): pages reserved and never written cost nothing, a regrown
    /// array copies everything.
    private static func expectedRecords(_ bytes: Int) -> Int { bytes / 4 }

    var count: Int { records.count }

    mutating func scalar(_ bytes: UnsafeBufferPointer<UInt8>, plain: Bool, at location: SourceLocation) {
        append(scalar: bytes, plain: plain, at: location, start: source.count + written.count)
        written.append(contentsOf: bytes)
    }

    /// A scalar that is `range` of the source, spelled as `bytes` (the same bytes, as the
    /// parser sees them).
    mutating func scalar(source range: Range<Int>, bytes: UnsafeBufferPointer<UInt8>, plain: Bool,
                         at location: SourceLocation) {
        append(scalar: bytes, plain: plain, at: location, start: range.lowerBound)
    }

    private mutating func append(scalar bytes: UnsafeBufferPointer<UInt8>, plain: Bool, at location: SourceLocation,
                                 start: Int) {
        records.append(YAMLRecord(kind: plain ? .plainScalar : .quotedScalar, isNull: plain && Self.isNull(bytes),
                                  line: UInt32(location.line), column: UInt32(location.column),
                                  start: UInt32(start), count: UInt32(bytes.count)))
    }

    /// Empty, `~` or one of the spellings of null (when written plain).
    private static func isNull(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch bytes.count {
        case 0: true
        case 1: bytes[0] == UInt8(ascii: "~")
        case 4:
            // The first byte settles most four-byte scalars (ports, weights) before any comparison.
            (bytes[0] == UInt8(ascii: "n") || bytes[0] == UInt8(ascii: "N"))
                && (bytes.elementsEqual("null".utf8) || bytes.elementsEqual("Null".utf8) || bytes.elementsEqual("NULL".utf8))
        default: false
        }
    }

    /// Starts a collection; its children follow until `close`.
    mutating func open(_ kind: YAMLRecord.Kind, at location: SourceLocation) -> Int {
        records.append(YAMLRecord(kind: kind, line: UInt32(location.line), column: UInt32(location.column),
                                  start: 0, count: 0))
        return records.count - 1
    }

    mutating func close(_ index: Int, children: Int) {
        records[index].start = UInt32(records.count)
        records[index].count = UInt32(children)
    }

    /// Appends copies of nodes that stood at `from…` (an anchor's, or a merged pair's).
    mutating func append(copies: some Collection<YAMLRecord>, from originalStart: Int) {
        let shift = records.count - originalStart
        for var record in copies {
            if record.isCollection { record.start = UInt32(Int(record.start) + shift) }
            records.append(record)
        }
    }

    /// Drops the nodes from `index` on (a mapping's children, to be written again merged).
    mutating func truncate(to index: Int) { records.removeSubrange(index...) }

    func record(_ index: Int) -> YAMLRecord { records[index] }

    /// The index just past the node at `index` and its descendants.
    func end(of index: Int) -> Int { records[index].isCollection ? Int(records[index].start) : index + 1 }

    /// Whether the node at `index` is the plain scalar `<<`, YAML 1.1's merge key.
    func isMergeKey(_ index: Int) -> Bool {
        records[index].kind == .plainScalar && scalarBytes(index)?.elementsEqual("<<".utf8) == true
    }

    func scalarBytes(_ index: Int) -> ArraySlice<UInt8>? {
        let record = records[index]
        guard !record.isCollection else { return nil }
        let start = Int(record.start), end = start + Int(record.count)
        return start >= source.count ? written[(start - source.count)..<(end - source.count)] : source[start..<end]
    }

    consuming func finish() -> YAMLDocument {
        YAMLDocument(records: records, text: written.isEmpty ? source : source + written)
    }
}
