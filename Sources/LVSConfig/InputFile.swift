internal import Glibc

/// The files lvsctl reads whole: a config, a saved snapshot; `-` is standard input.
public enum InputFile {
    /// Such files are small; a larger one is refused before anything parses it.
    public static let maximumSize = 64 << 20

    /// Why a file could not be read, for people.
    public struct Failure: Error, Sendable {
        public var reason: String
    }

    /// The bytes of `path`, or why they could not be read.
    public static func read(_ path: String) -> Result<[UInt8], Failure> {
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return .failure(Failure(reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno))))
        }
        defer { if fd != STDIN_FILENO { close(fd) } }
        // Room for the whole file from the start: a large one is not regrown chunk by chunk.
        var status = stat()
        let size = fstat(fd, &status) == 0 ? min(Int(status.st_size), maximumSize) : 0
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size + 1)
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(reason: errno == EISDIR ? "it is a directory" : String(cString: strerror(errno))))
            }
            if n == 0 { return .success(bytes) }
            bytes += chunk.prefix(n)
            if bytes.count > maximumSize {
                return .failure(Failure(reason: "it is larger than \(maximumSize >> 20) MiB; is this the right file?"))
            }
        }
    }
}
