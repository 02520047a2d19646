/// What every document shares: stable text and a checked `format`.
enum DocumentEncoding {
    /// Pretty-printed, members in a fixed order: stable for diffs and tests.
    static func text(_ value: some JSONWritable) -> String {
        var writer = JSONWriter()
        value.write(to: &writer)
        return writer.text
    }

    static func checkFormat(_ document: JSONObject, _ format: String, producedBy command: String) throws(JSONDocumentError) {
        let node = try document.required("format")
        let found = try node.string("format", limit: 64)
        guard found == format else {
            throw JSONDocumentError(node.location, "format is '\(JSONReader.shown(found))'; this lvsctl reads '\(format)', as '\(command)' writes it")
        }
    }
}
