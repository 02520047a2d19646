internal import Glibc
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
    /// Config files are small; a larger file is refused before parsing.
    public static let maximumFileSize = 64 << 20

    /// Loads `path`; `displayName` is how diagnostics name the file (default: the path as given).
    public static func load(path: String, displayName: String? = nil) -> ConfigLoadResult {
        let name = displayName ?? path
        switch readFile(path) {
        case .success(let bytes):
            return load(bytes: bytes, file: name)
        case .failure(let message):
            return ConfigLoadResult(state: nil, diagnostics: [
                Diagnostic(.error, file: name, at: SourceLocation(line: 1, column: 1), message),
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
        guard let root = document.root, !root.isNull else {
            return ConfigLoadResult(state: nil, diagnostics: [
                Diagnostic(.error, file: file, at: start,
                           "the file is empty; a config needs at least 'version: 1' and a 'services' list (an empty list is written 'services: []')"),
            ])
        }
        var decoder = ConfigDecoder(file: file, document: document)
        let state = decoder.decodeDocument(root)
        let diagnostics = decoder.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        let valid = !diagnostics.contains { $0.severity == .error }
        return ConfigLoadResult(state: valid ? state : nil, diagnostics: diagnostics)
    }

    private enum ReadResult {
        case success([UInt8])
        case failure(String)
    }

    private static func readFile(_ path: String) -> ReadResult {
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            return .failure("cannot read config file: \(reason)")
        }
        defer { if fd != STDIN_FILENO { close(fd) } }
        // Room for the whole file from the start: a large config is not regrown chunk by chunk.
        var status = stat()
        let size = fstat(fd, &status) == 0 ? min(Int(status.st_size), maximumFileSize) : 0
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size + 1)
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errno == EISDIR ? "it is a directory" : String(cString: strerror(errno))
                return .failure("cannot read config file: \(reason)")
            }
            if n == 0 { return .success(bytes) }
            bytes += chunk.prefix(n)
            if bytes.count > maximumFileSize {
                return .failure("config file is larger than \(maximumFileSize >> 20) MiB; is this the right file?")
            }
        }
    }
}
