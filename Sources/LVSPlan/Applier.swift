public import LVSModel
internal import Glibc

/// Carries out a plan exactly as it stands, and says precisely what was done and what was not.
/// Writes go to the table in one batch (the kernel adapter pipelines them); the first failure
/// stops the rest, and the next plan converges from wherever the table was left.
public struct Applier<Table: IPVSTableAccess> {
    public let table: Table
    /// Carries out firewall and host changes; a plan holding such changes needs one.
    public var host: (any HostAccess)?
    /// When set, servers that are being removed are first set to weight 0 and only deleted once
    /// their connections are gone or the time is up.
    public var drain: DrainPolicy?

    public init(table: Table, host: (any HostAccess)? = nil, drain: DrainPolicy? = nil) {
        self.table = table
        self.host = host
        self.drain = drain
    }

    /// Runs the plan's changes in order: host and firewall changes one by one, each run of
    /// table changes as one pipelined batch. The first failure stops what follows.
    public func apply(_ plan: Plan) -> ApplyReport {
        var report = ApplyReport(changes: plan.changes)
        if let drain {
            report.drain = self.drain(plan, policy: drain)
        }
        var index = 0
        var failed = report.drain?.failure != nil
        while index < plan.changes.count, !failed {
            let statuses: [ApplyReport.Status]
            if plan.changes[index].stage == .table {
                var end = index
                while end < plan.changes.count, plan.changes[end].stage == .table { end += 1 }
                statuses = applyTable(plan.changes[index..<end])
            } else {
                statuses = [applyHost(plan.changes[index])]
            }
            report.statuses += statuses
            failed = statuses.contains { if case .failed = $0 { true } else { false } }
            index += statuses.count
        }
        report.statuses += repeatElement(.notDone, count: plan.changes.count - report.statuses.count)
        return report
    }

    private func applyTable(_ changes: ArraySlice<Change>) -> [ApplyReport.Status] {
        let outcomes = table.perform(changes.flatMap(\.operations), stopAtFirstFailure: true)
        var next = 0
        return changes.map { change in
            let own = outcomes[next..<next + change.operations.count]
            next += change.operations.count
            if let error = own.lazy.compactMap(\.error).first { return .failed(error.description) }
            return own.allSatisfy { $0 == .done } ? .done : .notDone
        }
    }

    private func applyHost(_ change: Change) -> ApplyReport.Status {
        guard let host else { return .failed("no access to the host's setup to carry out \(change.object.rawValue) changes") }
        for action in change.hostActions {
            do {
                try host.perform(action)
            } catch {
                return .failed(error.description)
            }
        }
        return .done
    }

    /// Quiesces every server the plan removes, then waits for their connections to end. A
    /// server the plan adds back at once (to put an `mh` service's list in order) is not removed.
    private func drain(_ plan: Plan, policy: DrainPolicy) -> DrainReport {
        let basis = Dictionary(plan.basis.services.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var addedBack: Set<ServicedServer> = []
        for case .addServer(let server, let service) in plan.operations {
            addedBack.insert(ServicedServer(service: service, server: server.key))
        }
        var removed: [(service: ServiceKey, server: RealServer)] = []
        for case .deleteServer(let key, let service) in plan.operations
            where !addedBack.contains(ServicedServer(service: service, server: key)) {
            if let server = basis[service]?.server(key) { removed.append((service, server)) }
        }
        var report = DrainReport(servers: removed.map { ($0.service, $0.server.key) })
        guard !removed.isEmpty else { return report }
        let quiesce = removed.filter { $0.server.weight != 0 }.map { entry -> IPVSOperation in
            var server = entry.server
            server.weight = 0
            return .updateServer(server, service: entry.service)
        }
        if let error = table.perform(quiesce, stopAtFirstFailure: true).lazy.compactMap(\.error).first {
            report.failure = error
            return report
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: policy.timeout)
        while true {
            let busy: [(ServiceKey, ServerKey)]
            do {
                let statistics = try table.snapshot().statistics
                busy = report.servers.filter { service, server in
                    let entry = statistics[service]?.servers[server]
                    return (entry?.activeConnections ?? 0) + (entry?.inactiveConnections ?? 0) > 0
                }
            } catch {
                report.failure = error
                return report
            }
            report.stillConnected = busy.map { "\($0.1) in \($0.0)" }
            if busy.isEmpty || clock.now >= deadline { return report }
            policy.sleep(policy.pollInterval)
        }
    }
}

/// A server of a service.
private struct ServicedServer: Hashable {
    var service: ServiceKey
    var server: ServerKey
}

/// How long to wait for removed servers to lose their connections.
public struct DrainPolicy: Sendable {
    public var timeout: Duration
    public var pollInterval: Duration
    /// How to wait between polls; tests pass a no-op.
    public var sleep: @Sendable (Duration) -> Void

    public init(timeout: Duration, pollInterval: Duration = .seconds(1),
                sleep: @escaping @Sendable (Duration) -> Void = DrainPolicy.sleepThread) {
        self.timeout = timeout
        self.pollInterval = pollInterval
        self.sleep = sleep
    }

    public static let sleepThread: @Sendable (Duration) -> Void = { duration in
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}

/// What a drain did before the plan ran.
public struct DrainReport: Sendable {
    public var servers: [(service: ServiceKey, server: ServerKey)]
    /// Servers that still had connections when the time was up; they are deleted anyway.
    public var stillConnected: [String] = []
    public var failure: IPVSError?
}

/// The outcome of an apply, change by change.
public struct ApplyReport: Sendable {
    public enum Status: Hashable, Sendable {
        case done
        /// What went wrong, in words: the kernel's error translated, or the host command's.
        case failed(String)
        /// Not carried out (or only in part) because an earlier write failed.
        case notDone
    }

    /// The plan's changes, in order.
    public var changes: [Change]
    /// What became of each change, at the same positions.
    public var statuses: [Status] = []
    /// When the drain itself failed (`drain.failure`), no change was attempted.
    public var drain: DrainReport?

    public init(changes: [Change]) {
        self.changes = changes
    }

    /// Each change with its status. The two are kept apart so that reporting on a large apply
    /// does not copy every change.
    public var results: [(change: Change, status: Status)] { Array(zip(changes, statuses)) }

    public var succeeded: Bool { drain?.failure == nil && statuses.allSatisfy { $0 == .done } }
    public var failures: [(change: Change, error: String)] {
        zip(changes, statuses).compactMap { change, status in
            if case .failed(let error) = status { (change, error) } else { nil }
        }
    }
}
