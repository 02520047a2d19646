internal import Glibc
public import LVSConfig
public import LVSModel

/// The daemon's config file and the last valid state read from it. The file is read again only
/// when what the path names has changed (another file behind it, or a new size, time or
/// inode): a large config takes a tenth of a second to parse, and most ticks find it as it was.
/// An invalid file never replaces the last good state.
public struct ConfigSource: Sendable {
    public let path: String
    /// The state of the last valid read.
    public private(set) var current: DesiredState?
    /// What the last read found: its errors and warnings.
    public private(set) var diagnostics: [Diagnostic] = []
    private var identity: [Int]?

    public enum Reading: Sendable {
        /// The file is as it was (or holds the same state).
        case unchanged
        /// A valid file with a new state, now `current`.
        case loaded(DesiredState)
        /// An invalid file (or none): `current` stays as it was.
        case invalid([Diagnostic])
    }

    public init(path: String) { self.path = path }

    /// Reads the file when it changed, or always with `force`.
    public mutating func refresh(force: Bool = false) -> Reading {
        let now = Self.identity(of: path)
        guard force || now == nil || now != identity else { return .unchanged }
        let result = ConfigLoader.load(path: path)
        diagnostics = result.diagnostics
        guard let state = result.state else {
            // Read again next time: the file may be mid-write, and its fix may keep its size.
            identity = nil
            return .invalid(result.errors)
        }
        identity = now
        guard state != current else { return .unchanged }
        current = state
        return .loaded(state)
    }

    /// What the path names, through links: device, inode, size and change times.
    private static func identity(of path: String) -> [Int]? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return [Int(status.st_dev), Int(status.st_ino), Int(status.st_size), status.st_mtim.tv_sec, status.st_mtim.tv_nsec,
                status.st_ctim.tv_sec, status.st_ctim.tv_nsec]
    }
}
