internal import Glibc

/// Files lvsctl writes whole (a saved plan): written beside their place and renamed over it, so
/// a reader sees the old file or the new one, never half of one. Run as root, a rename would
/// turn `/dev/null` or a symbolic link into a plain file; only a regular file, or nothing, is
/// ever replaced.
public enum OutputFile {
    /// Why a file could not be written, for people.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Writes `bytes` to `path`, or says why not; on failure `path` is as it was.
    public static func write(_ bytes: [UInt8], to path: String) -> Result<Void, Failure> {
        var status = stat()
        if lstat(path, &status) == 0 {
            if let kind = InputFile.notRegular(status.st_mode) {
                return .failure(Failure(reason: "it is \(kind); only a regular file is replaced, so remove it or choose another path"))
            }
        } else if errno != ENOENT {
            return .failure(Failure(reason: String(cString: strerror(errno))))
        }
        let directory = path.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(path[...$0]) } ?? "./"
        var template = Array((directory + ".lvsctl-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            let reason = errno == ENOENT ? "the directory '\(directory)' does not exist" : "cannot create a file in '\(directory)': \(String(cString: strerror(errno)))"
            return .failure(Failure(reason: reason))
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let temporary = String(cString: template)
        let written = bytes.withUnsafeBytes { all(of: $0, to: fd) } && fchmod(fd, 0o644) == 0 && fsync(fd) == 0
        let error = errno
        guard close(fd) == 0, written, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(written ? errno : error))
            unlink(temporary)
            return .failure(Failure(reason: reason))
        }
        return .success(())
    }

    private static func all(of bytes: UnsafeRawBufferPointer, to fd: Int32) -> Bool {
        var rest = bytes
        while !rest.isEmpty {
            let n = Glibc.write(fd, rest.baseAddress, rest.count)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                if n == 0 { errno = EIO }
                return false
            }
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
        return true
    }
}
