import LVSHealth
import LVSModel

/// The health part of `/metrics`, as of the last reconcile: per checked or disabled server
/// `lvsctl_backend_up` and `lvsctl_backend_disabled`, per checked service
/// `lvsctl_service_healthy_servers` and `lvsctl_service_quorum_up`. Labelled by the config's
/// service name and the server's `address` and `port`, which change with the config, so they
/// are written from this value at each scrape rather than kept in the registry.
struct HealthSeries: Sendable {
    struct Server: Sendable {
        var service: String
        var server: ServerKey
        var up: Bool
        var disabled: Bool
    }

    var servers: [Server] = []
    var services: [(name: String, health: ServiceHealth)] = []

    init() {}

    /// `active`: the overrides in force, as the effective state was planned with.
    init(config: DesiredState, states: [CheckTarget: CheckState], active: [ServerOverride],
         services: [ServiceKey: ServiceHealth]) {
        // Nothing checked and nothing disabled: no series, and no walk of a large table per tick.
        guard !config.checks.isEmpty || !active.isEmpty else { return }
        for service in config.table.services {
            let checks = config.checks[service.key] ?? [:]
            guard !checks.isEmpty || !active.isEmpty else { continue }
            let name = config.names[service.key]
            let label = name ?? service.key.description
            for server in service.servers {
                let disabled = active.contains { $0.matches(server.key, in: service.key, named: name) }
                let check = checks[server.key]
                guard check != nil || disabled else { continue }
                let failing = check.map { states[CheckTarget(server: server.key, check: $0)]?.verdict == .failing } ?? false
                servers.append(Server(service: label, server: server.key, up: !failing, disabled: disabled))
            }
            if let health = services[service.key] { self.services.append((label, health)) }
        }
    }

    func render(into text: inout String) {
        guard !servers.isEmpty || !services.isEmpty else { return }
        text += "# HELP lvsctl_backend_up 1 while a real server passes its check (or is not checked yet), 0 while it fails.\n# TYPE lvsctl_backend_up gauge\n"
        for entry in servers { text += "lvsctl_backend_up\(labels(entry)) \(entry.up ? 1 : 0)\n" }
        text += "# HELP lvsctl_backend_disabled 1 while an operator has taken a real server out of rotation (lvsctl server disable).\n# TYPE lvsctl_backend_disabled gauge\n"
        for entry in servers { text += "lvsctl_backend_disabled\(labels(entry)) \(entry.disabled ? 1 : 0)\n" }
        text += "# HELP lvsctl_service_healthy_servers Servers of a service that take new connections: weight above 0, healthy, not disabled.\n# TYPE lvsctl_service_healthy_servers gauge\n"
        for (name, health) in services { text += "lvsctl_service_healthy_servers{service=\"\(IPVSMetrics.escaped(name))\"} \(health.healthy)\n" }
        text += "# HELP lvsctl_service_quorum_up 1 while a service has its quorum of healthy servers; 0 while it fails open or uses its sorry server.\n# TYPE lvsctl_service_quorum_up gauge\n"
        for (name, health) in services { text += "lvsctl_service_quorum_up{service=\"\(IPVSMetrics.escaped(name))\"} \(health.quorumUp ? 1 : 0)\n" }
    }

    private func labels(_ entry: Server) -> String {
        "{service=\"\(IPVSMetrics.escaped(entry.service))\",address=\"\(entry.server.address)\",port=\"\(entry.server.port)\"}"
    }
}
