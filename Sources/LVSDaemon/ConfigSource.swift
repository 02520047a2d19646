internal import Glibc
public import LVSConfig
public import LVSModel

/// The daemon's config file and the last valid state read from it. The file is read again only
/// when what the path names has changed (another file behind it, none, or a new size, time or
/// inode): a large config takes a tenth of a second to parse, and most ticks, and most events in
/// its folder, find it as it was. An invalid file never replaces the last good state, and is
/// reported once, not at every tick that finds it still invalid.
public struct ConfigSource: Sendable {
    public let path: String
    /// The state of the last valid read.
    public private(set) var current: DesiredState?
    /// What the last read found: its errors and warnings.
    public private(set) var diagnostics: [Diagnostic] = []
    /// What the path named at the last read; nil until read, and after reading a file that may
    /// still change unseen.
    private var identity: Identity?
    /// The errors of the last read, when it was invalid.
    private var errors: [Diagnostic]?

    public enum Reading: Sendable {
        /// The file is as it was (or holds the same state, or the same errors).
        case unchanged
        /// A valid file with a new state, now `current`; or with the state it had before the
        /// invalid file that came between (put back as it was), valid again.
        case loaded(DesiredState)
        /// An invalid file (or none): `current` stays as it was.
        case invalid([Diagnostic])
    }

    public init(path: String) { self.path = path }

    /// Reads the file when it changed, or always with `force` (which also reports an invalid
    /// file's errors again).
    public mutating func refresh(force: Bool = false) -> Reading {
        let now = Identity(path: path)
        guard force || identity == nil || now != identity else { return .unchanged }
        let result = ConfigLoader.load(path: path)
        diagnostics = result.diagnostics
        identity = now.isSettled ? now : nil
        guard let state = result.state else {
            defer { errors = result.errors }
            return force || result.errors != errors ? .invalid(result.errors) : .unchanged
        }
        let recovered = errors != nil
        errors = nil
        guard state != current || recovered else { return .unchanged }
        current = state
        return .loaded(state)
    }

    /// What a path names, through links.
    private enum Identity: Equatable {
        case missing
        /// Device, inode, size, and modification and change times (since the epoch).
        case file(device: UInt, inode: UInt, size: Int, modified: Duration, changed: Duration)

        init(path: String) {
            var status = stat()
            guard stat(path, &status) == 0 else {
                self = .missing
                return
            }
            self = .file(device: status.st_dev, inode: status.st_ino, size: status.st_size,
                         modified: Duration(status.st_mtim), changed: Duration(status.st_ctim))
        }

        /// Whether a write now would show in the times. The kernel stamps files with a clock that
        /// moves in ticks (and some filesystems in whole seconds): a file written within the
        /// last two seconds can be written again, to the same size, with the same times, and
        /// must be read again whatever its identity says.
        var isSettled: Bool {
            guard case .file(_, _, _, let modified, let changed) = self else { return true }
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            return max(modified, changed) < Duration(now) - .seconds(2)
        }
    }
}
