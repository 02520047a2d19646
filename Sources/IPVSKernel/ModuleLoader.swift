internal import Glibc

/// Loads and probes kernel modules: `modprobe ip_vs` for kernels that do not load IPVS on the
/// family lookup (before 5.16), and `/sys/module` to tell which module of a service was missing.
enum ModuleLoader {
    private static let modprobePaths = ["/sbin/modprobe", "/usr/sbin/modprobe"]

    /// Runs `modprobe -- name` (arguments as an array, no shell) and waits for it; true when it
    /// exited with 0.
    @discardableResult
    static func load(_ name: String) -> Bool {
        guard let path = modprobePaths.first(where: { access($0, X_OK) == 0 }) else { return false }
        let arguments: [UnsafeMutablePointer<CChar>?] = [path, "--", name].map { (text: String) in strdup(text) } + [nil]
        let environment: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        defer { (arguments + environment).forEach { free($0) } }
        var child = pid_t()
        guard posix_spawn(&child, path, nil, nil, arguments, environment) == 0 else { return false }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 {
            guard errno == EINTR else { return false }
        }
        return status & 0x7F == 0 && (status >> 8) & 0xFF == 0
    }

    /// Whether the module is loaded (or built in with parameters): `/sys/module/<name>` exists.
    static func isLoaded(_ name: String) -> Bool {
        access("/sys/module/\(name)", F_OK) == 0
    }
}
