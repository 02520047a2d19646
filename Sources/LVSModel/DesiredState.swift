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

    public init(scope: Scope = .all, table: IPVSTable = IPVSTable(), director: Director? = nil,
                names: [ServiceKey: String] = [:], firewallMatches: [ServiceKey: FirewallMatch] = [:],
                fullNATServers: [ServiceKey: Set<ServerKey>] = [:]) {
        self.scope = scope
        self.table = table
        self.director = director
        self.names = names
        self.firewallMatches = firewallMatches
        self.fullNATServers = fullNATServers
    }
}
