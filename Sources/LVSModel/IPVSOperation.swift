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

/// What became of one operation of a batch.
public enum OperationOutcome: Hashable, Sendable {
    case done
    case failed(IPVSError)
    /// Not sent, because an earlier operation of the batch failed.
    case notSent

    /// The error, when the operation failed.
    public var error: IPVSError? {
        if case .failed(let error) = self { return error }
        return nil
    }
}

/// The IPVS table as something that can be read and written: the kernel over netlink, or an
/// in-memory table for tests and offline plans. Errors are the kernel's, translated.
public protocol IPVSTableAccess: SendableMetatype {
    /// Reads services, servers, timeouts and sync daemons (and, for the kernel, info and counters).
    func snapshot() throws(IPVSError) -> LiveState
    /// `snapshot()`, without counters when `statistics` is false: plans need none, and a table
    /// that keeps none may ignore it.
    func snapshot(statistics: Bool) throws(IPVSError) -> LiveState
    /// Carries out one write.
    func perform(_ operation: IPVSOperation) throws(IPVSError)
    /// Carries out several writes in order, one outcome each. A table may send them together
    /// (the kernel adapter pipelines them); with `stopAtFirstFailure`, what follows a failure
    /// is not sent, though a table that sends in windows may already have sent part of it.
    func perform(_ operations: [IPVSOperation], stopAtFirstFailure: Bool) -> [OperationOutcome]
}

extension IPVSTableAccess {
    public func snapshot(statistics: Bool) throws(IPVSError) -> LiveState { try snapshot() }

    /// One write at a time.
    public func perform(_ operations: [IPVSOperation], stopAtFirstFailure: Bool) -> [OperationOutcome] {
        var outcomes: [OperationOutcome] = []
        outcomes.reserveCapacity(operations.count)
        var failed = false
        for operation in operations {
            if failed && stopAtFirstFailure {
                outcomes.append(.notSent)
                continue
            }
            do {
                try perform(operation)
                outcomes.append(.done)
            } catch {
                outcomes.append(.failed(error))
                failed = true
            }
        }
        return outcomes
    }
}
