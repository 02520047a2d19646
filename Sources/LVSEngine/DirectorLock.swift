internal import Glibc
import LVSModel

/// One writer at a time per director: an exclusive `flock` on a file under /run, shared by
/// `apply`, `rs apply` and the reconcile daemon. The lock file holds the holder's pid, so that
/// whoever waits can say who holds it. Held until `release()`, or until the process ends,
/// however it ends.
public struct DirectorLock: Sendable {
    public static let defaultPath = "/run/lvsctl.lock"

    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The lock file cannot be opened; `errno` says why (usually: not root).
        case cannotOpen(path: String, errno: Int32)
        /// Another process holds it; its pid when it wrote one.
        case held(path: String, pid: String?)

        public var description: String {
            switch self {
            case .cannotOpen(let path, let code): "cannot open lock file \(path): \(String(cString: strerror(code)))\(Self.hint(code))"
            case .held(let path, let pid): "another lvsctl is changing this host (lock \(path)\(pid.map { ", pid \($0)" } ?? ""))"
            }
        }

        /// What an operator does about `code`.
        private static func hint(_ code: Int32) -> String {
            switch code {
            case EACCES, EPERM: "; changing this host needs root"
            case ENOENT: "; its folder does not exist"
            case EROFS: "; its filesystem is read-only (under systemd, ReadWritePaths= must name it)"
            case ELOOP: "; it is a symbolic link, which the lock file may not be"
            default: ""
            }
        }
    }

    private let fd: Int32

    /// Takes the lock without waiting, or says who holds it.
    public init(path: String = DirectorLock.defaultPath) throws(Failure) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var holder = [UInt8](repeating: 0, count: 32)
            let n = read(fd, &holder, holder.count)
            let pid = String(decoding: holder.prefix(max(n, 0)), as: UTF8.self).trimmingWhitespace
            close(fd)
            throw .held(path: path, pid: pid.isEmpty || !pid.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) ? nil : pid)
        }
        ftruncate(fd, 0)
        _ = "\(getpid())\n".withCString { write(fd, $0, strlen($0)) }
        self.fd = fd
    }

    /// Lets the next writer in.
    public func release() {
        ftruncate(fd, 0)
        close(fd)
    }
}
