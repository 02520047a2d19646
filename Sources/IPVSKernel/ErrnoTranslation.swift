internal import CNetlink
internal import Glibc
import LVSModel

/// Gives a kernel errno the meaning it has for the operation that got it: IPVS reuses errnos
/// (ENOENT is a missing scheduler module when adding a service, a missing server when deleting
/// one). Pure, apart from the module probe it is handed, so it is unit-tested on any host.
enum ErrnoTranslation {
    /// The error for `operation` failing with `errno`. `isModuleLoaded` tells whether a kernel
    /// module (`ip_vs_wlc`) is loaded; it decides, after an ENOENT on a service with a
    /// persistence engine, whether the scheduler or the engine module was the missing one.
    static func error(errno: Int32, operation: IPVSOperation, isModuleLoaded: (String) -> Bool) -> IPVSError {
        IPVSError(kind(errno: errno, operation: operation, isModuleLoaded: isModuleLoaded), context: operation.summary)
    }

    /// The error for a read (or a flush) failing with `errno`: only the generic meanings apply.
    static func error(errno: Int32, context: String) -> IPVSError {
        IPVSError(generalKind(errno: errno), context: context)
    }

    /// The error for any netlink failure: kernel errnos translated as above, libnl's own
    /// failures and malformed replies as system errors.
    static func error(_ failure: NetlinkError, operation: IPVSOperation?, context: String,
                      isModuleLoaded: (String) -> Bool) -> IPVSError {
        switch failure {
        case .kernel(let errno):
            if let operation { return error(errno: errno, operation: operation, isModuleLoaded: isModuleLoaded) }
            return error(errno: errno, context: context)
        case .library(let code) where code == -NLE_PERM:
            return IPVSError(.permissionDenied, context: context)
        case .library:
            return IPVSError(.system(errno: EIO, message: failure.message), context: context)
        case .malformedReply:
            return IPVSError(.system(errno: EPROTO, message: failure.message), context: context)
        }
    }

    private static func kind(errno: Int32, operation: IPVSOperation, isModuleLoaded: (String) -> Bool) -> IPVSError.Kind {
        switch (errno, operation) {
        case (ENOENT, .addService(let service)), (ENOENT, .updateService(let service)):
            return missingModule(of: service, isModuleLoaded: isModuleLoaded)
        case (ENOENT, .updateServer), (ENOENT, .deleteServer):
            return .serverNotFound
        case (ESRCH, .stopSyncDaemon):
            return .syncDaemonNotRunning
        case (ESRCH, .updateService), (ESRCH, .deleteService), (ESRCH, .addServer), (ESRCH, .updateServer),
             (ESRCH, .deleteServer), (ESRCH, .zeroCounters):
            return .serviceNotFound
        case (EEXIST, .addService):
            return .serviceExists
        case (EEXIST, .addServer):
            return .serverExists
        case (EEXIST, .startSyncDaemon):
            return .syncDaemonRunning
        case (ENODEV, .startSyncDaemon(let daemon)):
            return .noSuchInterface(daemon.interface)
        case (EINVAL, _), (ERANGE, _):
            return .invalid(detail: invalidDetail(operation))
        default:
            return generalKind(errno: errno)
        }
    }

    private static func generalKind(errno: Int32) -> IPVSError.Kind {
        switch errno {
        case EPERM: .permissionDenied
        case EAFNOSUPPORT: .addressFamilyNotSupported
        case ENOPROTOOPT: .unavailable  // the ip_vs module is being unloaded
        default: .system(errno: errno, message: String(cString: strerror(errno)))
        }
    }

    /// The kernel looks the scheduler up first, then the engine: with no engine, or with the
    /// scheduler's module present, the engine is the one missing.
    private static func missingModule(of service: VirtualService, isModuleLoaded: (String) -> Bool) -> IPVSError.Kind {
        guard let engine = service.persistence?.engine,
              service.scheduler.rawValue == "none" || isModuleLoaded(service.scheduler.moduleName)
        else { return .moduleMissing(service.scheduler.moduleName) }
        return .moduleMissing("ip_vs_pe_\(engine)")
    }

    /// The kernel's EINVAL / ERANGE carry no detail; infer the likely cause from the request.
    static func invalidDetail(_ operation: IPVSOperation) -> String {
        switch operation {
        case .addService(let service), .updateService(let service):
            if let length = service.persistence?.netmaskLength, !(1...service.key.family.bitWidth).contains(length) {
                return service.key.family == .ipv6 ? "IPv6 netmask must be 1–128" : "IPv4 netmask must be 1–32"
            }
            if service.scheduler.rawValue.utf8.count > 15 { return "scheduler name longer than 15 characters" }
            if let engine = service.persistence?.engine, engine.utf8.count > 15 {
                return "persistence engine name longer than 15 characters"
            }
            return "service settings refused"
        case .addServer(let server, let service), .updateServer(let server, let service):
            if server.weight > RealServer.maximumThreshold { return "weight above \(RealServer.maximumThreshold)" }
            if server.lowerThreshold > server.upperThreshold { return "lower threshold above upper threshold" }
            if server.address.family != service.family {
                return server.forwarding.isTunnel
                    ? "a server of another address family cannot be used while a sync daemon runs"
                    : "a server of another address family needs tunnel forwarding"
            }
            if case .tunnel(.gue(0, _)) = server.forwarding { return "a GUE tunnel needs a port" }
            return "server address must be unicast (IPv6 link-local only when local)"
        case .startSyncDaemon(let daemon):
            if daemon.interface.utf8.count > SyncDaemon.maximumInterfaceLength {
                return "interface name longer than \(SyncDaemon.maximumInterfaceLength) characters"
            }
            if let group = daemon.group, !group.isMulticast { return "sync group \(group) is not a multicast address" }
            return "sync daemon settings refused (or servers of another address family are in use)"
        case .setTimeouts(let timeouts):
            if [timeouts.tcp, timeouts.tcpFin, timeouts.udp].contains(where: { ($0 ?? 0) > Timeouts.maximum }) {
                return "timeouts must be at most \(Timeouts.maximum) seconds"
            }
            return "timeouts refused"
        case .deleteService, .deleteServer, .stopSyncDaemon, .zeroCounters:
            return "request refused"
        }
    }
}
