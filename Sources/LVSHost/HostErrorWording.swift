internal import Glibc

/// Turns what `ip`, `iptables-restore` or the kernel said into a message a person can act on:
/// the tool's own words first, then what to do about the usual causes.
enum HostErrorWording {
    static func explain(_ stderr: String, status: Int32) -> String {
        let said = stderr.isEmpty ? "exited with status \(status) and no message" : stderr
        let lower = stderr.lowercased()
        if lower.contains("operation not permitted") || lower.contains("permission denied")
            || lower.contains("you must be root") {
            return "\(said) — this needs root (CAP_NET_ADMIN); run it with sudo"
        }
        if lower.contains("read-only file system") {
            return "\(said) — /proc/sys is read-only here (a container?); set it on the host or in the container's settings"
        }
        if lower.contains("unknown device type") || lower.contains("not supported") {
            return "\(said) — the kernel lacks the module for this; check that it is built and can be loaded (modprobe)"
        }
        if lower.contains("nexthop has invalid gateway") || lower.contains("network is unreachable") {
            return "\(said) — the gateway is not on a directly connected network of this host"
        }
        return said
    }

    /// Wording for a failed write under /proc/sys, by errno.
    static func sysctl(_ key: String, errno code: Int32, reason: String) -> String {
        switch code {
        case EPERM, EACCES: "\(reason) — writing sysctls needs root; run it with sudo"
        case ENOENT: "no sysctl \(key) on this kernel (is the device or module it belongs to present?)"
        case EROFS: "\(reason) — /proc/sys is read-only here (a container?); set it on the host or in the container's settings"
        default: reason
        }
    }
}
