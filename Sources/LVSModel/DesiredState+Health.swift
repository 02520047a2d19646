/// The health of one check target as the checker last judged it.
public struct TargetHealth: Hashable, Sendable, Codable {
    public var healthy: Bool
    /// What decided it, for people: `status 503 (3 of 3)`.
    public var reason: String

    public init(healthy: Bool, reason: String) {
        self.healthy = healthy
        self.reason = reason
    }
}

/// How a service with checked servers stands.
public struct ServiceHealth: Hashable, Sendable {
    /// Servers that take new connections: weight above 0 in the file, not failing, not disabled.
    public var healthy: Int
    public var servers: Int
    public var quorumUp: Bool

    public init(healthy: Int, servers: Int, quorumUp: Bool) {
        self.healthy = healthy
        self.servers = servers
        self.quorumUp = quorumUp
    }
}

extension DesiredState {
    /// The state to converge to: the file's, with each failing server quiesced or removed (as
    /// its service's `on_failure` says), each disabled one at weight 0, and what a service below
    /// its quorum does (fail open, or a sorry server). A target without a verdict yet counts as
    /// healthy. Each server that stands otherwise than the file says gets a note, which plans
    /// give as the reason of its change.
    public func effective(health: [CheckTarget: TargetHealth], overrides: [ServerOverride],
                          now: Double) -> (state: DesiredState, services: [ServiceKey: ServiceHealth]) {
        var result = self
        var summaries: [ServiceKey: ServiceHealth] = [:]
        let active = overrides.filter { $0.isActive(at: now) }
        guard !checks.isEmpty || !active.isEmpty else { return (result, summaries) }
        for index in table.services.indices {
            let service = table.services[index]
            let key = service.key
            let checks = self.checks[key] ?? [:]
            let disabled = active.isEmpty ? [:] : Dictionary(service.servers.compactMap { server in
                active.last { $0.matches(server.key, in: key, named: names[key]) }.map { (server.key, $0) }
            }, uniquingKeysWith: { first, _ in first })
            guard !checks.isEmpty || !disabled.isEmpty else { continue }
            var failing: [ServerKey: String] = [:]
            for (server, check) in checks {
                if let verdict = health[CheckTarget(server: server, check: check)], !verdict.healthy {
                    failing[server] = "failing \(check.probe.type) check: \(verdict.reason)"
                }
            }
            let serving = service.servers.filter { $0.weight > 0 && failing[$0.key] == nil && disabled[$0.key] == nil }
            let policy = healthPolicies[key] ?? HealthPolicy()
            let quorumUp = switch policy.quorum {
            case .servers(let count): serving.count >= count
            case .weight(let weight): serving.reduce(0) { $0 + UInt64($1.weight) } >= UInt64(weight)
            }
            let standing = "\(serving.count) of \(service.servers.count) servers healthy, below quorum \(policy.quorum.description)"
            var notes: [ServerKey: String] = [:]
            var servers: [RealServer] = []
            var quiesced: [ServerKey: UInt32] = [:]
            for var server in service.servers {
                if service.scheduler == .mh, server.weight > 0, disabled[server.key] != nil || failing[server.key] != nil {
                    quiesced[server.key] = server.weight
                }
                if let override = disabled[server.key] {
                    server.weight = 0
                    notes[server.key] = override.note
                } else if let reason = failing[server.key] {
                    if !quorumUp, policy.belowQuorum == .failOpen {
                        notes[server.key] = "\(reason); kept in, as \(standing) fails open"
                    } else if policy.onFailure == .remove {
                        notes[server.key] = "\(reason); removed (on_failure: remove)"
                        continue
                    } else {
                        server.weight = 0
                        notes[server.key] = reason
                    }
                }
                servers.append(server)
            }
            if !quorumUp, case .sorryServer(let sorry) = policy.belowQuorum {
                servers.append(sorry)
                notes[sorry.key] = "sorry server: \(standing)"
            }
            result.table.services[index].servers = servers
            if !notes.isEmpty { result.serverNotes[key] = notes }
            if serving.isEmpty { result.withoutHealthyServer.insert(key) }
            if !quiesced.isEmpty { result.quiescedWeights[key] = quiesced }
            if !checks.isEmpty {
                summaries[key] = ServiceHealth(healthy: serving.count, servers: service.servers.count, quorumUp: quorumUp)
            }
        }
        return (result, summaries)
    }
}

extension HealthPolicy.Quorum: CustomStringConvertible {
    public var description: String {
        switch self {
        case .servers(let count): "\(count)"
        case .weight(let weight): "weight \(weight)"
        }
    }
}
