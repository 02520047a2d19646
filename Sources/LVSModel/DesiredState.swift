/// Everything a config file says: the table to converge, what lvsctl owns, and what surrounds
/// the table (firewall matches, director settings) — each part keyed like the table itself.
public struct DesiredState: Hashable, Sendable, Codable {
    public static let currentVersion = 1
    /// A service's name shows in plans, logs and metrics labels: one line, this many bytes at most.
    public static let maximumNameBytes = 255

    public var scope: Scope
    public var table: IPVSTable
    public var director: Director?
    /// The operator's name for each service, shown in plans.
    public var names: [ServiceKey: String]
    /// The mangle rule each fwmark service needs, where the file declares one.
    public var firewallMatches: [ServiceKey: FirewallMatch]
    /// Servers reached by FULLNAT: masquerading in the table, plus a source rewrite to the
    /// director's address so that they need no route back to clients.
    public var fullNATServers: [ServiceKey: Set<ServerKey>]
    /// The health check of each checked server; a server with none (or `check: none`) is
    /// always in rotation.
    public var checks: [ServiceKey: [ServerKey: HealthCheck]]
    /// What each service with checked servers does with their health.
    public var healthPolicies: [ServiceKey: HealthPolicy]
    /// Why a server stands otherwise than the file says (failing its check, disabled by an
    /// operator, kept in below quorum, a sorry server): plans give it as the reason of the change.
    public var serverNotes: [ServiceKey: [ServerKey: String]] = [:]
    /// Services none of whose servers is healthy, whatever the table keeps (fail-open, a sorry
    /// server): this director does not announce their VIPs (`director.announce`).
    public var withoutHealthyServer: Set<ServiceKey> = []
    /// The file's weight of each server of an `mh` service that the effective state quiesces: a
    /// director that adds such a server (after a restart) adds it at this weight and then sets it
    /// to 0, so that it holds the lookup-table slots a director that quiesced it in place keeps.
    public var quiescedWeights: [ServiceKey: [ServerKey: UInt32]] = [:]

    public init(scope: Scope = .all, table: IPVSTable = IPVSTable(), director: Director? = nil,
                names: [ServiceKey: String] = [:], firewallMatches: [ServiceKey: FirewallMatch] = [:],
                fullNATServers: [ServiceKey: Set<ServerKey>] = [:], checks: [ServiceKey: [ServerKey: HealthCheck]] = [:],
                healthPolicies: [ServiceKey: HealthPolicy] = [:]) {
        self.scope = scope
        self.table = table
        self.director = director
        self.names = names
        self.firewallMatches = firewallMatches
        self.fullNATServers = fullNATServers
        self.checks = checks
        self.healthPolicies = healthPolicies
    }

    /// Every distinct check the servers need: what the checker runs.
    public var checkTargets: Set<CheckTarget> {
        var targets: Set<CheckTarget> = []
        for (_, servers) in checks {
            for (server, check) in servers { targets.insert(CheckTarget(server: server, check: check)) }
        }
        return targets
    }
}
