public import LVSModel
import LVSPlan

/// What a director holds: its IPVS table through an adapter (kept for the writes that follow),
/// and the host setup a director's plan compares (VIP device, sysctls, lvsctl's chains).
public struct DirectorState<Table: IPVSTableAccess> {
    public var table: Table
    public var live: LiveState
    public var host: HostSnapshot?
}

/// Why the director could not be read, for people.
public enum ReadFailure: Error, CustomStringConvertible {
    case kernel(IPVSError)
    case host(HostError)

    public var description: String {
        switch self {
        case .kernel(let error): error.description
        case .host(let error): "reading this host's setup: \(error)"
        }
    }
}

/// The director's table, and optionally its host setup, read on threads of their own while the
/// caller works on: loads the config (on two CPUs the parse of a large config and the read of a
/// large table overlap), or verifies after an apply. Failures wait for `wait()`, so a config
/// error is still reported first, as if the reads had come after the load.
public struct DirectorRead<Table: IPVSTableAccess> {
    private let reading: Background<Result<DirectorState<Table>, ReadFailure>>

    /// Starts reading the table through `table` (connecting with `connect` when nil), with
    /// counters when `statistics`, and this host's setup when `host` is given, each on a thread of
    /// its own: the host's `iptables-save` processes run beside the kernel's dumps. The caller
    /// leaves both alone until `wait()` returns.
    public init(table: Table? = nil, connect: @escaping () throws(IPVSError) -> Table, statistics: Bool = false,
                host: (any HostAccess)?) {
        let hostReading = host.map { host in
            Background { Result { () throws(HostError) in try Self.directorSnapshot(host) } }
        }
        reading = Background {
            Result { () throws(ReadFailure) in
                let adapter: Table
                let live: LiveState
                do throws(IPVSError) {
                    if let table { adapter = table } else { adapter = try connect() }
                    live = try adapter.snapshot(statistics: statistics)
                } catch {
                    throw .kernel(error)
                }
                switch hostReading?.wait() {
                case nil: return DirectorState(table: adapter, live: live, host: nil)
                case .success(let snapshot): return DirectorState(table: adapter, live: live, host: snapshot)
                case .failure(let error): throw .host(error)
                }
            }
        }
    }

    /// Waits for the reads.
    public func wait() -> Result<DirectorState<Table>, ReadFailure> { reading.wait() }

    /// The parts of this host the director's plan compares: VIP device, sysctls, lvsctl's chains.
    public static func directorSnapshot(_ host: any HostAccess) throws(HostError) -> HostSnapshot {
        try host.snapshot(sysctls: DirectorPlanner.sysctls, chains: FirewallPlanner.chains, routes: false)
    }
}
