/// The checked keys of one mapping: where each key's value stands among the document's
/// records, kept by case. Four bytes a key, and never copied: a config holds tens of thousands
/// of mappings, and copying a slot per key holding the whole node was a tenth of decoding.
struct Fields<Key: ConfigKey>: ~Copyable {
    private typealias Slots = InlineArray<24, Int32>

    /// The most keys a section can have.
    static var capacity: Int { Slots.count }

    let node: YAMLNode
    /// The records of the `YAMLView` being decoded.
    private let records: UnsafeBufferPointer<YAMLRecord>
    /// Each value's record, by case; -1 where the mapping does not have the key.
    private var values = Slots(repeating: -1)

    init(node: YAMLNode, records: UnsafeBufferPointer<YAMLRecord>) {
        self.node = node
        self.records = records
    }

    /// The value of `key`; nil when absent or written as null.
    subscript(_ key: Key) -> YAMLNode? {
        guard let value = written(key), !value.isNull else { return nil }
        return value
    }

    /// The value as written, null included; nil when the key is absent.
    func written(_ key: Key) -> YAMLNode? {
        let index = Int(values[key.rawValue])
        return index < 0 ? nil : YAMLNode(index: index, record: records[index])
    }

    mutating func insert(_ key: Key, value: YAMLNode) {
        values[key.rawValue] = Int32(value.index)
    }
}
