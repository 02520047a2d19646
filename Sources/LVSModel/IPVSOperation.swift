/// One write to the IPVS table: the unit a plan is made of and an applier executes.
public enum IPVSOperation: Hashable, Sendable, Codable {
    /// Creates the service (its `servers` are ignored: each is its own `addServer`).
    case addService(VirtualService)
    /// Edits scheduler, flags and persistence in place; the key selects the service.
    case updateService(VirtualService)
    case deleteService(ServiceKey)
    case addServer(RealServer, service: ServiceKey)
    /// Edits weight, forwarding, thresholds and tunnel in place; address and port select the server.
    case updateServer(RealServer, service: ServiceKey)
    case deleteServer(ServerKey, service: ServiceKey)
    /// Sets the timeouts that are not nil.
    case setTimeouts(Timeouts)
    case startSyncDaemon(SyncDaemon)
    case stopSyncDaemon(SyncDaemon.State)
    /// Zeroes the counters of one service, or of everything.
    case zeroCounters(ServiceKey?)
}

/// The IPVS table as something that can be read and written: the kernel over netlink, or an
/// in-memory table for tests and offline plans. Errors are the kernel's, translated.
public protocol IPVSTableAccess {
    /// Reads services, servers, timeouts and sync daemons (and, for the kernel, info and counters).
    func snapshot() throws(IPVSError) -> LiveState
    /// Carries out one write.
    func perform(_ operation: IPVSOperation) throws(IPVSError)
}
