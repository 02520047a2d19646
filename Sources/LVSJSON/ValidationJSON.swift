public import LVSConfig

/// The JSON form of `lvsctl validate --output json` (docs/schema/validation.schema.json).
public enum ValidationJSON {
    public static let format = "lvsctl-validation/1"

    struct Document: JSONWritable {
        var format = ValidationJSON.format
        var file: String
        var valid: Bool
        /// How many services the file declares; absent when it is not valid.
        var services: Int?
        var diagnostics: [Diagnostic]

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.member("format", format)
                w.member("file", file)
                w.member("valid", valid)
                w.member("services", services)
                w.key("diagnostics")
                w.array(diagnostics) { w, diagnostic in
                    w.object { w in
                        w.member("severity", diagnostic.severity.rawValue)
                        w.member("file", diagnostic.file)
                        w.member("line", diagnostic.line)
                        w.member("column", diagnostic.column)
                        w.member("message", diagnostic.message)
                    }
                }
            }
        }
    }

    public static func encode(file: String, result: ConfigLoadResult) -> String {
        DocumentEncoding.text(Document(file: file, valid: result.errors.isEmpty,
                                           services: result.state?.table.services.count, diagnostics: result.diagnostics))
    }
}
