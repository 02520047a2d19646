/// Writes a `YAMLDocument` node by node, in document order. Both parsers (libyaml's and the
/// fast one for plain block YAML) build through it, so they produce identical documents.
struct YAMLBuilder {
    private(set) var records: [YAMLRecord] = []
    private(set) var text: [UInt8] = []

    init(expectedBytes: Int) {
        // Generous: pages reserved and never written cost nothing, a regrown array copies all.
        records.reserveCapacity(expectedBytes / 4)
        text.reserveCapacity(expectedBytes)
    }

    var count: Int { records.count }

    mutating func scalar(_ bytes: UnsafeBufferPointer<UInt8>, plain: Bool, at location: SourceLocation) {
        records.append(YAMLRecord(kind: plain ? .plainScalar : .quotedScalar, isNull: plain && Self.isNull(bytes),
                                  line: UInt32(location.line), column: UInt32(location.column),
                                  start: UInt32(text.count), count: UInt32(bytes.count)))
        text.append(contentsOf: bytes)
    }

    /// Empty, `~` or one of the spellings of null (when written plain).
    private static func isNull(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch bytes.count {
        case 0: true
        case 1: bytes[0] == UInt8(ascii: "~")
        case 4: bytes.elementsEqual("null".utf8) || bytes.elementsEqual("Null".utf8) || bytes.elementsEqual("NULL".utf8)
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
        return text[Int(record.start)..<Int(record.start + record.count)]
    }

    consuming func finish() -> YAMLDocument { YAMLDocument(records: records, text: text) }
}
