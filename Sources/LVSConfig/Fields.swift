/// The checked keys of one mapping: each key's value, kept by case.
struct Fields<Key: ConfigKey> {
    private typealias Slots = InlineArray<16, YAMLNode?>

    /// The most keys a section can have.
    static var capacity: Int { Slots.count }

    let node: YAMLNode
    private var values = Slots(repeating: nil)

    init(node: YAMLNode) {
        self.node = node
    }

    /// The value of `key`; nil when absent or written as null.
    subscript(_ key: Key) -> YAMLNode? {
        guard let value = values[key.rawValue], !value.isNull else { return nil }
        return value
    }

    /// The value as written, null included; nil when the key is absent.
    func written(_ key: Key) -> YAMLNode? { values[key.rawValue] }

    mutating func insert(_ key: Key, value: YAMLNode) {
        values[key.rawValue] = value
    }
}
