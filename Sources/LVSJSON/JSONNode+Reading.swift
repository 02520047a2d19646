public import LVSConfig
public import LVSModel

/// Typed readings of a node, each refusing with the node's location and what was expected.
extension JSONNode {
    /// The members of an object whose keys are all among `keys`.
    public func object(_ what: String, keys: [String]) throws(JSONDocumentError) -> JSONObject {
        guard case .object(let members) = value else { throw JSONDocumentError(location, "\(what) must be an object") }
        for member in members where !keys.contains(member.key) {
            throw JSONDocumentError(member.keyLocation, "unknown key '\(JSONReader.shown(member.key))' in \(what); valid: \(keys.joined(separator: ", "))")
        }
        return JSONObject(members: members, location: location, what: what)
    }

    public func array(_ what: String) throws(JSONDocumentError) -> [JSONNode] {
        guard case .array(let items) = value else { throw JSONDocumentError(location, "\(what) must be an array") }
        return items
    }

    /// A string of printable characters: no control characters, at most `limit` bytes.
    public func string(_ what: String, limit: Int = 255) throws(JSONDocumentError) -> String {
        guard case .string(let text) = value else { throw JSONDocumentError(location, "\(what) must be a string") }
        if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) }) {
            throw JSONDocumentError(location, "\(what) contains the control character U+\(String(bad.value, radix: 16, uppercase: true)); only printable text is accepted")
        }
        guard text.utf8.count <= limit else { throw JSONDocumentError(location, "\(what) is longer than \(limit) bytes") }
        return text
    }

    public func bool(_ what: String) throws(JSONDocumentError) -> Bool {
        guard case .bool(let flag) = value else { throw JSONDocumentError(location, "\(what) must be true or false") }
        return flag
    }

    /// A whole number within `range`.
    public func integer<T: FixedWidthInteger>(_ what: String, in range: ClosedRange<T>) throws(JSONDocumentError) -> T {
        guard case .number(let text) = value, let number = Int64(text), let result = T(exactly: number), range.contains(result) else {
            throw JSONDocumentError(location, "\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return result
    }

    public func address(_ what: String) throws(JSONDocumentError) -> IPAddress {
        let text = try string(what, limit: 64)
        guard let address = IPAddress(text) else {
            throw JSONDocumentError(location, "\(what) '\(JSONReader.shown(text))' is not an IPv4 or IPv6 address")
        }
        return address
    }

    /// One of `choices`.
    public func choice(_ what: String, from choices: [String]) throws(JSONDocumentError) -> String {
        let text = try string(what, limit: 64)
        guard choices.contains(text) else {
            throw JSONDocumentError(location, "unknown \(what) '\(JSONReader.shown(text))'; valid: \(choices.joined(separator: ", "))")
        }
        return text
    }

    public var isNull: Bool {
        if case .null = value { return true }
        return false
    }
}

/// An object's members, looked up by key; `what` names the object in messages.
public struct JSONObject: Sendable {
    public var members: [JSONMember]
    public var location: SourceLocation
    public var what: String

    /// The member's value; nil when absent (a `null` value counts as present).
    public subscript(key: String) -> JSONNode? { members.first { $0.key == key }?.value }

    /// Where the key is written, for errors about the key rather than its value.
    public func keyLocation(_ key: String) -> SourceLocation? { members.first { $0.key == key }?.keyLocation }

    /// The member's value, or an error naming the missing key.
    public func required(_ key: String) throws(JSONDocumentError) -> JSONNode {
        guard let node = self[key] else { throw JSONDocumentError(location, "\(what) has no '\(key)'") }
        return node
    }

    /// The member's value when present and not null.
    public func optional(_ key: String) -> JSONNode? {
        guard let node = self[key], !node.isNull else { return nil }
        return node
    }
}
