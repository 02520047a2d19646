/// An IPVS table kept in memory that answers like the kernel does (same errors for the same
/// mistakes). Unit tests run planners and appliers against it, and offline plans apply to it.
public final class InMemoryTable: IPVSTableAccess {
    public private(set) var table: IPVSTable
    /// Every operation performed, in order: lets tests count kernel writes.
    public private(set) var log: [IPVSOperation] = []

    public init(_ table: IPVSTable = IPVSTable(timeouts: Timeouts(tcp: 900, tcpFin: 120, udp: 300), syncDaemons: [])) {
        self.table = table
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
            guard table.service(service.key) == nil else { throw IPVSError(.serviceExists, context: context) }
            table.services.append(service.withoutServers)
        case .updateService(let service):
            let index = try serviceIndex(service.key, context)
            let servers = table.services[index].servers
            table.services[index] = service.withoutServers
            table.services[index].servers = servers
        case .deleteService(let key):
            table.services.remove(at: try serviceIndex(key, context))
        case .addServer(let server, let key):
            let index = try serviceIndex(key, context)
            guard table.services[index].server(server.key) == nil else { throw IPVSError(.serverExists, context: context) }
            try check(server, in: key, context)
            table.services[index].servers.append(server)
        case .updateServer(let server, let key):
            let index = try serviceIndex(key, context)
            guard let position = table.services[index].servers.firstIndex(where: { $0.key == server.key }) else {
                throw IPVSError(.serverNotFound, context: context)
            }
            try check(server, in: key, context)
            table.services[index].servers[position] = server
        case .deleteServer(let serverKey, let key):
            let index = try serviceIndex(key, context)
            guard let position = table.services[index].servers.firstIndex(where: { $0.key == serverKey }) else {
                throw IPVSError(.serverNotFound, context: context)
            }
            table.services[index].servers.remove(at: position)
        case .setTimeouts(let timeouts):
            var current = table.timeouts ?? Timeouts()
            current.tcp = timeouts.tcp ?? current.tcp
            current.tcpFin = timeouts.tcpFin ?? current.tcpFin
            current.udp = timeouts.udp ?? current.udp
            table.timeouts = current
        case .startSyncDaemon(let daemon):
            var daemons = table.syncDaemons ?? []
            guard !daemons.contains(where: { $0.state == daemon.state }) else {
                throw IPVSError(.syncDaemonRunning, context: context)
            }
            daemons.append(daemon)
            table.syncDaemons = daemons
        case .stopSyncDaemon(let state):
            guard let index = table.syncDaemons?.firstIndex(where: { $0.state == state }) else {
                throw IPVSError(.syncDaemonNotRunning, context: context)
            }
            table.syncDaemons?.remove(at: index)
        case .zeroCounters(let key):
            if let key { _ = try serviceIndex(key, context) }
        }
    }

    private func serviceIndex(_ key: ServiceKey, _ context: String) throws(IPVSError) -> Int {
        guard let index = table.services.firstIndex(where: { $0.key == key }) else {
            throw IPVSError(.serviceNotFound, context: context)
        }
        return index
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
