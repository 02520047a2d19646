import Glibc
import LVSModel

/// One apply at a time per host: an exclusive `flock` on a file under /run, released when the
/// process ends, however it ends.
struct HostLock {
    static let defaultPath = "/run/lvsctl.lock"

    private let fd: Int32

    /// Takes the lock or says who holds it.
    init(path: String = HostLock.defaultPath) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            throw Console.fail("cannot open lock file \(path): \(String(cString: strerror(errno))); changing this host needs root")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var holder = [UInt8](repeating: 0, count: 32)
            let n = read(fd, &holder, holder.count)
            let pid = String(decoding: holder.prefix(max(n, 0)), as: UTF8.self).trimmingWhitespace
            close(fd)
            throw Console.fail("another lvsctl apply is running on this host (lock \(path)\(pid.isEmpty ? "" : ", pid \(pid)")); wait for it to finish")
        }
        ftruncate(fd, 0)
        _ = "\(getpid())\n".withCString { write(fd, $0, strlen($0)) }
    }
}
