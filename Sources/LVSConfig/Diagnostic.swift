import LVSModel

/// A problem found in a config file, located the way compilers locate them so editors and CI
/// logs can jump to it.
public struct Diagnostic: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable, Codable {
        case error
        case warning
    }

    public var severity: Severity
    /// The file as the user named it.
    public var file: String
    public var line: Int
    public var column: Int
    /// What is wrong, then what would be valid.
    public var message: String

    /// `file` and `message` are kept as `DisplayText` shows them: messages quote the input
    /// they are about, and input may hold line breaks or terminal escapes.
    public init(_ severity: Severity, file: String, at location: SourceLocation, _ message: String) {
        self.severity = severity
        self.file = DisplayText.escaped(file)
        self.line = location.line
        self.column = location.column
        self.message = DisplayText.escaped(message)
    }

    /// `FILE:LINE:COLUMN: error: MESSAGE`
    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }
}
