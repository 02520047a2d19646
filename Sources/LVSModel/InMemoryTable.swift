/// An IPVS table kept in memory that answers like the kernel does (same errors for the same
/// mistakes, and each service's servers in the kernel's list order: a new one at the head).
/// Unit tests run planners and appliers against it, and offline plans apply to it.
public final class InMemoryTable: IPVSTableAccess {
    private var services: [ServiceKey: VirtualService]
    private var timeouts: Timeouts?
    private var syncDaemons: [SyncDaemon]?
    /// Every operation performed, in order: lets tests count kernel writes.
    public private(set) var log: [IPVSOperation] = []

    public init(_ table: IPVSTable = IPVSTable(timeouts: Timeouts(tcp: 900, tcpFin: 120, udp: 300), syncDaemons: [])) {
        services = Dictionary(table.services.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        timeouts = table.timeouts
        syncDaemons = table.syncDaemons
    }

    /// The table as it stands.
    public var table: IPVSTable {
        IPVSTable(services: Array(services.values), timeouts: timeouts, syncDaemons: syncDaemons)
    }

    public func snapshot() throws(IPVSError) -> LiveState { LiveState(table: table) }

    public func perform(_ operation: IPVSOperation) throws(IPVSError) {
        try apply(operation)
        log.append(operation)
    }

    private func apply(_ operation: IPVSOperation) throws(IPVSError) {
        let context = "\(operation)"
        switch operation {
        case .addService(let service):
            guard services[service.key] == nil else { throw IPVSError(.serviceExists, context: context) }
            services[service.key] = service.withoutServers
        case .updateService(let service):
            let current = try existing(service.key, context)
            var updated = service.withoutServers
            updated.servers = current.servers
            updated.kernelOrder = current.kernelOrder
            services[service.key] = updated
        case .deleteService(let key):
            _ = try existing(key, context)
            services[key] = nil
        case .addServer(let server, let key):
            var service = try existing(key, context)
            guard service.server(server.key) == nil else { throw IPVSError(.serverExists, context: context) }
            try check(server, in: key, context)
            let listed = [server.key] + Self.listed(service)
            service.servers.append(server)
            service.kernelOrder = VirtualService.kernelOrder(listed: listed)
            services[key] = service
        case .updateServer(let server, let key):
            var service = try existing(key, context)
            guard let position = service.servers.firstIndex(where: { $0.key == server.key }) else {
                throw IPVSError(.serverNotFound, context: context)
            }
            try check(server, in: key, context)
            service.servers[position] = server
            services[key] = service
        case .deleteServer(let serverKey, let key):
            var service = try existing(key, context)
            guard let position = service.servers.firstIndex(where: { $0.key == serverKey }) else {
                throw IPVSError(.serverNotFound, context: context)
            }
            let listed = Self.listed(service).filter { $0 != serverKey }
            service.servers.remove(at: position)
            service.kernelOrder = VirtualService.kernelOrder(listed: listed)
            services[key] = service
        case .setTimeouts(let wanted):
            var current = timeouts ?? Timeouts()
            current.tcp = wanted.tcp ?? current.tcp
            current.tcpFin = wanted.tcpFin ?? current.tcpFin
            current.udp = wanted.udp ?? current.udp
            timeouts = current
        case .startSyncDaemon(let daemon):
            var daemons = syncDaemons ?? []
            guard !daemons.contains(where: { $0.state == daemon.state }) else {
                throw IPVSError(.syncDaemonRunning, context: context)
            }
            daemons.append(daemon)
            syncDaemons = daemons
        case .stopSyncDaemon(let state):
            guard let index = syncDaemons?.firstIndex(where: { $0.state == state }) else {
                throw IPVSError(.syncDaemonNotRunning, context: context)
            }
            syncDaemons?.remove(at: index)
        case .zeroCounters(let key):
            if let key { _ = try existing(key, context) }
        }
    }

    /// The service's servers as the kernel lists them, newest first.
    private static func listed(_ service: VirtualService) -> [ServerKey] {
        service.kernelOrder ?? service.servers.reversed().map(\.key)
    }

    private func existing(_ key: ServiceKey, _ context: String) throws(IPVSError) -> VirtualService {
        guard let service = services[key] else { throw IPVSError(.serviceNotFound, context: context) }
        return service
    }

    /// The kernel's own checks on a destination.
    private func check(_ server: RealServer, in key: ServiceKey, _ context: String) throws(IPVSError) {
        if server.address.family != key.family, !server.forwarding.isTunnel {
            throw IPVSError(.invalid(detail: "a server of another address family needs tunnel forwarding"), context: context)
        }
        if server.lowerThreshold > server.upperThreshold {
            throw IPVSError(.invalid(detail: "lower threshold above upper threshold"), context: context)
        }
    }
}
