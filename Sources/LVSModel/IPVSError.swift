/// A failed read or write of the IPVS table, in terms a person can act on. The kernel's raw
/// errno is translated by what was being done (ENOENT is a missing scheduler module when adding
/// a service, but a missing server when deleting one).
public struct IPVSError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The `ip_vs` module is not loaded and could not be loaded.
        case unavailable
        /// The caller lacks CAP_NET_ADMIN in the initial user namespace.
        case permissionDenied
        /// A scheduler (`ip_vs_mh`) or persistence engine (`ip_vs_pe_sip`) module is missing.
        case moduleMissing(String)
        case serviceExists
        case serviceNotFound
        case serverExists
        case serverNotFound
        case syncDaemonRunning
        case syncDaemonNotRunning
        /// The sync daemon's interface does not exist.
        case noSuchInterface(String)
        /// The kernel refused a value (EINVAL / ERANGE); `detail` says which when it can be known.
        case invalid(detail: String)
        case addressFamilyNotSupported
        /// Anything else: the errno and libnl's or the system's text.
        case system(errno: Int32, message: String)
    }

    public var kind: Kind
    /// What was being done, e.g. `adding service tcp/198.51.100.10:80`.
    public var context: String

    public init(_ kind: Kind, context: String) {
        self.kind = kind
        self.context = context
    }

    public var description: String {
        let what = switch kind {
        case .unavailable:
            "IPVS is not available: the ip_vs kernel module is not loaded and could not be loaded (run `modprobe ip_vs` as root, or use a kernel built with CONFIG_IP_VS)"
        case .permissionDenied:
            "permission denied: changing or reading IPVS needs CAP_NET_ADMIN in the host's network namespace (run as root)"
        case .moduleMissing(let module):
            "kernel module \(module) is not available (try `modprobe \(module)`, or choose one the kernel has)"
        case .serviceExists: "the service already exists"
        case .serviceNotFound: "no such service"
        case .serverExists: "the real server already exists in this service"
        case .serverNotFound: "no such real server in this service"
        case .syncDaemonRunning: "that sync daemon is already running"
        case .syncDaemonNotRunning: "that sync daemon is not running"
        case .noSuchInterface(let name): "no network interface named '\(name)'"
        case .invalid(let detail): "the kernel refused the request: \(detail)"
        case .addressFamilyNotSupported: "address family not supported (is IPv6 disabled?)"
        case .system(let errno, let message): "\(message) (errno \(errno))"
        }
        return "\(context): \(what)"
    }
}
