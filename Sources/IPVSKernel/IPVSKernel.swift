public import LVSModel

/// The kernel's IPVS table, read and written over generic netlink (libnl) on one socket that
/// stays open for the life of the value; `snapshot()` adds short-lived sockets for the server
/// dumps (see `ServerDumps`).
///
/// Not `Sendable`: libnl sockets are not thread-safe, so one thread owns the adapter. Errors
/// come out as `IPVSError`, the kernel's errno translated by what was being done.
public final class IPVSKernel: IPVSTableAccess {
    private let socket: NetlinkSocket
    private let family: Int32

    /// Connects to IPVS. When the kernel does not know the `IPVS` family (the module is not
    /// loaded and the kernel predates module autoload), runs `modprobe ip_vs` and tries again.
    ///
    /// - Throws: `.unavailable` when IPVS cannot be reached, `.permissionDenied` without
    ///   CAP_NET_ADMIN (checked here with a harmless GET_INFO, so that it surfaces at once).
    public init() throws(IPVSError) {
        let context = "connecting to IPVS"
        do {
            socket = try NetlinkSocket()
        } catch {
            throw ErrnoTranslation.error(error, operation: nil, context: context, isModuleLoaded: ModuleLoader.isLoaded)
        }
        if let family = socket.resolve(family: "IPVS") {
            self.family = family
        } else if ModuleLoader.load("ip_vs"), let family = socket.resolve(family: "IPVS") {
            self.family = family
        } else {
            throw IPVSError(.unavailable, context: context)
        }
        try check(socket.exchange(family: family, [NetlinkRequest(command: IPVSCommand.getInfo)]), context: context)
    }

    // MARK: Reading

    /// Reads the whole table: the service dump, one server dump per service (the kernel has no
    /// dump of all servers; they run on worker threads while the service dump still arrives,
    /// see `ServerDumps`), the timeouts, the sync daemons and the version; counters from the
    /// 64-bit statistics. Counters lag the traffic by up to two seconds: the kernel folds its
    /// per-CPU counters on a timer.
    ///
    /// The kernel has no atomic "everything" read: a service deleted meanwhile shows up with no
    /// servers, and one listed twice by a dump that raced a change is kept once.
    public func snapshot() throws(IPVSError) -> LiveState {
        try snapshot(statistics: true)
    }

    /// `snapshot()`, with `statistics: false` without the counters and connection counts
    /// (`LiveState.statistics` stays empty): planning needs only the table, and decoding some
    /// twenty counters per service and server is a large part of a read's own work.
    public func snapshot(statistics: Bool) throws(IPVSError) -> LiveState {
        try snapshot(statistics: statistics, serverReceiveSize: ReceiveBuffer.small)
    }

    /// `snapshot(statistics:)` with the server dumps' sockets receiving at most
    /// `serverReceiveSize` bytes (tests provoke truncated datagrams with it).
    func snapshot(statistics: Bool, serverReceiveSize: Int) throws(IPVSError) -> LiveState {
        let context = "reading the IPVS table"
        let dumps = ServerDumps(family: family, receiveSize: serverReceiveSize, statistics: statistics)
        var batch: [DumpedService] = []
        var seen = Set<ServiceKey>()
        let listed = socket.exchange(family: family, [NetlinkRequest(command: IPVSCommand.getService, isDump: true)]) {
            (_, reply) throws(NetlinkError) in
            let table = try reply.attributes.required(CommandAttribute.service, "service").nested()
            let service = try VirtualService.decode(table)
            guard seen.insert(service.key).inserted else { return }
            let serviceCounters = statistics ? try Counters(in: table, stats64: ServiceAttribute.stats64, stats: ServiceAttribute.stats)
                : Counters()
            batch.append((service, serviceCounters))
            if batch.count == ServerDumps.batchSize {
                dumps.submit(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        dumps.submit(batch)

        var table: [VirtualService] = []
        table.reserveCapacity(seen.count)
        var counters: [ServiceKey: ServiceStatistics] = [:]
        if statistics { counters.reserveCapacity(seen.count) }
        let read = dumps.finish { service, serviceStatistics in
            table.append(service)
            if statistics { counters[service.key] = serviceStatistics }
        }
        try check(listed, context: context)
        if case .failure(let failure) = read {
            throw ErrnoTranslation.error(failure, operation: nil, context: context, isModuleLoaded: ModuleLoader.isLoaded)
        }

        var timeouts: Timeouts?
        var daemons: [SyncDaemon] = []
        var info: KernelInfo?
        let settings = [NetlinkRequest(command: IPVSCommand.getConfig),
                        NetlinkRequest(command: IPVSCommand.getDaemon, isDump: true),
                        NetlinkRequest(command: IPVSCommand.getInfo)]
        try check(socket.exchange(family: family, settings) { (index, reply) throws(NetlinkError) in
            switch index {
            case 0: timeouts = Timeouts(reply: reply.attributes)
            case 1: daemons.append(try SyncDaemon.decode(try reply.attributes.required(CommandAttribute.daemon, "sync daemon")))
            default: info = try KernelInfo(reply: reply.attributes)
            }
        }, context: context)

        return LiveState(table: IPVSTable(services: table, timeouts: timeouts, syncDaemons: daemons),
                         info: info, statistics: counters)
    }

    // MARK: Writing

    /// Carries out one write.
    public func perform(_ operation: IPVSOperation) throws(IPVSError) {
        if let error = perform([operation])[0].error { throw error }
    }

    /// Carries out several writes, pipelined: a window of requests (up to 64, fewer when the
    /// socket's receive buffer is small) leaves in one `sendmsg`, and their ACKs are then
    /// collected and matched by sequence number. The kernel executes the requests of a window
    /// in order, exactly as if they had been sent one at a time, so a server may follow its
    /// service in the same batch; what pipelining saves is a round trip per operation, which
    /// dominates applying large plans.
    ///
    /// - Parameter stopAtFirstFailure: send no further window after one with a failure. The
    ///   other operations of that window have already reached the kernel and report their own
    ///   outcome; the operations after it report `.notSent`.
    /// - Returns: one outcome per operation, in order.
    public func perform(_ operations: [IPVSOperation], stopAtFirstFailure: Bool = true) -> [OperationOutcome] {
        let results = socket.exchange(family: family, operations, stopAfterFailure: stopAtFirstFailure)
        return zip(operations, results).map { operation, result in
            switch result {
            case nil: return .notSent
            case .success?: return .done
            case .failure(let failure)?:
                return .failed(ErrnoTranslation.error(failure, operation: operation, context: operation.summary,
                                                      isModuleLoaded: ModuleLoader.isLoaded))
            }
        }
    }

    /// Deletes every service and its servers (`ipvsadm -C`). Timeouts and sync daemons stay.
    public func flush() throws(IPVSError) {
        try check(socket.exchange(family: family, [NetlinkRequest(command: IPVSCommand.flush)]), context: "flushing the IPVS table")
    }

    // MARK: Helpers

    /// Throws the first failure of a read's requests.
    private func check(_ results: [Result<Void, NetlinkError>?], context: String) throws(IPVSError) {
        for case .failure(let failure)? in results {
            throw ErrnoTranslation.error(failure, operation: nil, context: context, isModuleLoaded: ModuleLoader.isLoaded)
        }
    }
}
