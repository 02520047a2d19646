public import LVSModel

extension IPVSOperation {
    /// The operation in words, naming its service and server: the context of its errors,
    /// e.g. "adding service tcp/198.51.100.10:80".
    public var summary: String {
        switch self {
        case .addService(let service): "adding service \(service.key)"
        case .updateService(let service): "updating service \(service.key)"
        case .deleteService(let key): "deleting service \(key)"
        case .addServer(let server, let service): "adding server \(server.key) to service \(service)"
        case .updateServer(let server, let service): "updating server \(server.key) of service \(service)"
        case .deleteServer(let server, let service): "deleting server \(server) from service \(service)"
        case .setTimeouts(let timeouts):
            "setting timeouts (" + [("tcp", timeouts.tcp), ("tcpfin", timeouts.tcpFin), ("udp", timeouts.udp)]
                .compactMap { name, value in value.map { "\(name) \($0)" } }.joined(separator: ", ") + ")"
        case .startSyncDaemon(let daemon): "starting the \(daemon.state) sync daemon on \(daemon.interface)"
        case .stopSyncDaemon(let state): "stopping the \(state) sync daemon"
        case .zeroCounters(let key?): "zeroing the counters of service \(key)"
        case .zeroCounters(nil): "zeroing all counters"
        }
    }
}
