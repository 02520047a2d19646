internal import FoundationEssentials

/// What every document shares: stable text and a checked `format`.
enum DocumentEncoding {
    /// Pretty-printed with sorted keys and unescaped slashes: stable for diffs and tests.
    static func text(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func checkFormat(_ document: JSONObject, _ format: String, producedBy command: String) throws(JSONDocumentError) {
        let node = try document.required("format")
        let found = try node.string("format", limit: 64)
        guard found == format else {
            throw JSONDocumentError(node.location, "format is '\(JSONReader.shown(found))'; this lvsctl reads '\(format)', as '\(command)' writes it")
        }
    }
}
