import LVSModel
internal import Glibc

/// A sysctl as its file under /proc/sys: read for the snapshot, written by `setSysctl`.
enum SysctlFile {
    /// `net.ipv4.conf.all.arp_ignore` → `/proc/sys/net/ipv4/conf/all/arp_ignore`. Like sysctl(8),
    /// dots and slashes trade places, so a device named `eth0.100` is written `eth0/100` in a key.
    static func path(_ key: String, root: String = "/proc/sys") -> String {
        root + "/" + String(key.map { $0 == "." ? "/" : $0 == "/" ? "." : $0 })
    }

    /// The value with its trailing newline removed and the numbers of a vector
    /// (`sync_threshold`, which the kernel separates with a tab) separated by one space, as
    /// planners write them; or nil when the file does not exist (a
    /// device not created yet, a module not loaded) or cannot be read, or the key is not one
    /// lvsctl may touch (`HostAction.isSysctlKey`).
    static func read(_ key: String) -> String? {
        guard HostAction.isSysctlKey(key), let bytes = FileBytes.read(path(key)) else { return nil }
        return String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            .joined(separator: " ")
    }

    static func write(_ key: String, _ value: String) throws(HostError) {
        try HostAction.setSysctl(key: key, value: value).check()
        let target = path(key)
        let action = "write \(value) to \(target)"
        let fd = open(target, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw HostError(action: action, message: HostErrorWording.sysctl(key, errno: code, reason: String(cString: strerror(code))))
        }
        defer { close(fd) }
        let line = Array((value + "\n").utf8)
        let written = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else {
            let code = errno
            let reason = written < 0 ? String(cString: strerror(code)) : "short write"
            throw HostError(action: action, message: HostErrorWording.sysctl(key, errno: written < 0 ? code : 0,
                                                                            reason: "the kernel refused the value: \(reason)"))
        }
    }
}
