public import LVSConfig

/// The JSON form of `lvsctl validate --output json` (docs/schema/validation.schema.json).
public enum ValidationJSON {
    public static let format = "lvsctl-validation/1"

    struct Document: Encodable {
        var format = ValidationJSON.format
        var file: String
        var valid: Bool
        /// How many services the file declares; absent when it is not valid.
        var services: Int?
        var diagnostics: [Diagnostic]
    }

    public static func encode(file: String, result: ConfigLoadResult) throws -> String {
        try DocumentEncoding.text(Document(file: file, valid: result.errors.isEmpty,
                                           services: result.state?.table.services.count, diagnostics: result.diagnostics))
    }
}
