internal import Glibc

/// The files lvsctl reads whole: a config, a saved snapshot; `-` is standard input.
public enum InputFile {
    /// Such files are small; a larger one is refused before anything parses it.
    public static let maximumSize = 64 << 20

    /// Why a file could not be read, for people.
    public struct Failure: Error, Sendable {
        public var reason: String
    }

    /// The bytes of `path`, or why they could not be read. Only `-` reads a stream: a path
    /// must name a regular file, as a FIFO or a device would block or never end.
    public static func read(_ path: String) -> Result<[UInt8], Failure> {
        // Not blocking in open: opening a FIFO for reading waits for a writer.
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            return .failure(Failure(reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno))))
        }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var status = stat()
        guard fstat(fd, &status) == 0 else { return .failure(Failure(reason: String(cString: strerror(errno)))) }
        if fd != STDIN_FILENO, let kind = notRegular(status.st_mode) {
            return .failure(Failure(reason: "it is \(kind), not a regular file; give '-' to read standard input"))
        }
        // Room for the whole file from the start: a large one is not regrown chunk by chunk.
        let size = min(Int(status.st_size), maximumSize)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size + 1)
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(reason: String(cString: strerror(errno))))
            }
            if n == 0 { return .success(bytes) }
            bytes += chunk.prefix(n)
            if bytes.count > maximumSize {
                return .failure(Failure(reason: "it is larger than \(maximumSize >> 20) MiB; is this the right file?"))
            }
        }
    }

    /// What a file of `mode` is, in words, when it is not a regular file.
    static func notRegular(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "a special file"
        }
    }
}
