public import LVSModel

/// The outcome of reading a config file: the desired state when the file is valid, and every
/// diagnostic found (several errors are reported in one run).
public struct ConfigLoadResult: Sendable {
    public var state: DesiredState?
    public var diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
}

/// Reads desired state from YAML. Nothing it returns has touched a kernel: bad input is caught
/// here, with file, line and column.
public enum ConfigLoader {
    /// Loads `path`; `displayName` is how diagnostics name the file (default: the path as given).
    public static func load(path: String, displayName: String? = nil) -> ConfigLoadResult {
        let name = displayName ?? path
        switch InputFile.read(path) {
        case .success(let bytes):
            return load(bytes: bytes, file: name)
        case .failure(let failure):
            return ConfigLoadResult(state: nil, diagnostics: [
                Diagnostic(.error, file: name, at: SourceLocation(line: 1, column: 1), "cannot read config file: \(failure.reason)"),
            ])
        }
    }

    /// Loads a config held in memory; `file` names it in diagnostics.
    public static func load(bytes: [UInt8], file: String) -> ConfigLoadResult {
        let start = SourceLocation(line: 1, column: 1)
        let document: YAMLDocument
        do {
            document = try YAMLDocument.parse(bytes)
        } catch {
            return ConfigLoadResult(state: nil, diagnostics: [
                Diagnostic(.error, file: file, at: error.location, error.message),
            ])
        }
        return document.read { view in
            guard let root = view.root, !root.isNull else {
                return ConfigLoadResult(state: nil, diagnostics: [
                    Diagnostic(.error, file: file, at: start,
                               "the file is empty; a config needs at least 'version: 1' and a 'services' list (an empty list is written 'services: []')"),
                ])
            }
            var decoder = ConfigDecoder(file: file, document: view)
            let state = decoder.decodeDocument(root)
            let diagnostics = decoder.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
            let valid = !diagnostics.contains { $0.severity == .error }
            return ConfigLoadResult(state: valid ? state : nil, diagnostics: diagnostics)
        }
    }
}
