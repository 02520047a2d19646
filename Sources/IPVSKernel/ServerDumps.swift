internal import CNetlink
internal import Dispatch
internal import Glibc
import LVSModel
internal import Synchronization

/// A service as the service dump reports it, with its counters.
typealias DumpedService = (service: VirtualService, counters: Counters)
/// A service with its servers and all their statistics.
typealias ReadService = (service: VirtualService, statistics: ServiceStatistics)

/// Reads the servers of services while the service dump is still arriving: one GET_DEST dump
/// per service (the kernel has no dump of all servers), spread over worker threads.
///
/// A socket runs one dump at a time, each a `sendmsg` and two receives, so every worker dumps
/// on a socket of its own. The reader of the service dump hands over services in batches
/// (`submit`) as their datagrams arrive, and the workers start on them at once; the finished
/// services come back to the caller's thread as each batch completes (`finish`). The kernel
/// serialises only the IPVS part of each dump, under its locks; system calls, copying, decoding
/// and sorting run on every CPU, and no CPU idles while the service dump arrives or while the
/// results are merged (see docs/benchmarks.md).
///
/// The workers' sockets receive small datagrams (`ReceiveBuffer.small`), which the kernel makes
/// more cheaply than the large ones the service dump wants.
final class ServerDumps: Sendable {
    /// Services per batch: about one service-dump datagram.
    static let batchSize = 128

    private let family: Int32
    private let receiveSize: Int
    private let statistics: Bool
    private let maximumWorkers: Int
    private let state = Mutex(State())
    /// Signalled once per submitted batch, and once per worker when no more will come.
    private let work = DispatchSemaphore(value: 0)
    /// Signalled once per completed batch.
    private let completed = DispatchSemaphore(value: 0)
    private let workers = DispatchGroup()

    private struct State {
        var pending: [[DumpedService]] = []
        var submitted = 0
        var workers = 0
        var finished: [ReadService] = []
        var failure: NetlinkError?
    }

    /// - Parameters:
    ///   - receiveSize: the workers' largest datagram; larger ones are read again on a socket
    ///     that takes `ReceiveBuffer.large`.
    ///   - statistics: decode each server's counters and connection counts; when false, every
    ///     service's `ServiceStatistics` has the service's counters as given and no servers.
    init(family: Int32, receiveSize: Int, statistics: Bool) {
        self.family = family
        self.receiveSize = receiveSize
        self.statistics = statistics
        maximumWorkers = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    /// Queues `batch` for its server dumps, starting another worker while fewer run than CPUs.
    func submit(_ batch: [DumpedService]) {
        guard !batch.isEmpty else { return }
        let startWorker = state.withLock { state in
            state.pending.append(batch)
            state.submitted += 1
            guard state.workers < min(maximumWorkers, state.submitted) else { return false }
            state.workers += 1
            return true
        }
        work.signal()
        if startWorker {
            // A thread of its own (a serial queue overcommits): the global queue's threads, one
            // per CPU, may all be waiting for this read, and it adds more only once a second.
            DispatchQueue(label: "lvsctl.server-dumps").async(group: workers) { self.dumpBatches() }
        }
    }

    /// Collects every submitted service with its servers and statistics, calling `body` for
    /// each as its batch completes, in no particular order; then ends the workers. The first
    /// failure of any dump fails the whole read.
    func finish(_ body: (VirtualService, ServiceStatistics) -> Void) -> Result<Void, NetlinkError> {
        let (batches, workerCount) = state.withLock { ($0.submitted, $0.workers) }
        for _ in 0..<workerCount { work.signal() }
        for _ in 0..<batches {
            completed.wait()
            let (done, failure) = state.withLock { state in
                defer { state.finished.removeAll(keepingCapacity: true) }
                return (state.finished, state.failure)
            }
            if let failure {
                workers.wait()
                return .failure(failure)
            }
            for (service, statistics) in done { body(service, statistics) }
        }
        workers.wait()
        return .success(())
    }

    /// A worker: takes batches until told there are no more, dumping on its own socket; stops
    /// at the first failure of any worker.
    private func dumpBatches() {
        var socket: NetlinkSocket
        do throws(NetlinkError) {
            socket = try NetlinkSocket(receiveSize: receiveSize)
        } catch {
            complete(.failure(error))
            return
        }
        while true {
            work.wait()
            guard let batch = state.withLock({ $0.failure == nil ? $0.pending.popLast() : nil }) else { return }
            var outcome = dump(batch, on: socket)
            if case .failure(.library(let code)) = outcome, code == -NLE_MSG_TRUNC {
                // This kernel builds larger datagrams than `ReceiveBuffer.small` expects: go on
                // with a socket that takes the largest.
                do throws(NetlinkError) {
                    socket = try NetlinkSocket(receiveSize: ReceiveBuffer.large)
                    outcome = dump(batch, on: socket)
                } catch {
                    outcome = .failure(error)
                }
            }
            complete(outcome)
        }
    }

    /// Hands a batch's services, or the first failure, to `finish`.
    private func complete(_ outcome: Result<[ReadService], NetlinkError>) {
        state.withLock { state in
            switch outcome {
            case .success(let read): state.finished.append(contentsOf: read)
            case .failure(let error): if state.failure == nil { state.failure = error }
            }
        }
        completed.signal()
    }

    /// Dumps the servers of `batch` one service after another on `socket`. A socket runs one
    /// dump at a time, so each service's servers arrive together: they are collected in one
    /// array for the whole batch and cut into per-service arrays of exact size at the end.
    private func dump(_ batch: [DumpedService], on socket: NetlinkSocket) -> Result<[ReadService], NetlinkError> {
        var servers: [RealServer] = []
        servers.reserveCapacity(batch.count * 4)
        var serverStatistics: [ServerStatistics] = []
        if statistics { serverStatistics.reserveCapacity(batch.count * 4) }
        var counts = [Int](repeating: 0, count: batch.count)
        let requests = batch.map { ServerDumpRequest(service: $0.service.key) }
        let results = socket.exchange(family: family, requests) { (index, reply) throws(NetlinkError) in
            let table = try reply.attributes.required(CommandAttribute.destination, "server").nested()
            servers.append(try RealServer.decode(table, serviceFamily: batch[index].service.key.family))
            if statistics { serverStatistics.append(try ServerStatistics(table)) }
            counts[index] += 1
        }
        for case .failure(let error)? in results { return .failure(error) }
        var start = 0
        return .success(zip(batch, counts).map { entry, count in
            let range = start..<(start + count)
            start += count
            var service = entry.service
            let listed = servers[range]
            service.servers = Array(listed)
            // The kernel lists a service's servers newest first; the order is kept only where
            // it is not the canonical one, so most services allocate nothing for it.
            if !listed.indices.dropFirst().allSatisfy({ listed[$0].key < listed[$0 - 1].key }) {
                service.kernelOrder = listed.map(\.key)
            }
            let list = statistics
                ? ServerStatisticsList(range.map { .init(server: servers[$0].key, statistics: serverStatistics[$0]) })
                : ServerStatisticsList()
            return (service, ServiceStatistics(counters: entry.counters, servers: list))
        })
    }
}

/// GET_DEST of one service, encoded from its key without a closure allocated per service.
private struct ServerDumpRequest: NetlinkRequestEncodable {
    let service: ServiceKey

    var command: UInt8 { IPVSCommand.getDestination }
    var isDump: Bool { true }

    func putAttributes(into message: borrowing NetlinkMessage) throws(NetlinkError) {
        try service.putIdentityNest(into: message)
    }
}
