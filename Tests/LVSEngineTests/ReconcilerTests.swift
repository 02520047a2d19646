import LVSConfig
import LVSEngine
import LVSModel
import LVSPlan
import Testing

/// The desired state of a config given inline; fails the test with the diagnostics when invalid.
func config(_ yaml: String) throws -> DesiredState {
    let result = ConfigLoader.load(bytes: Array(yaml.utf8), file: "test.yaml")
    return try #require(result.state, "\(result.diagnostics)")
}

/// A config of `count` services on 198.51.100.10, ports from 80, each with the servers given.
func services(_ count: Int, servers: String = "[ 203.0.113.11, 203.0.113.12 ]") throws -> DesiredState {
    try config("version: 1\nservices:\n" + (0..<count).map {
        "  - { name: s\($0), vip: 198.51.100.10, port: \(80 + $0), scheduler: rr, servers: \(servers) }\n"
    }.joined())
}

/// The engine against an in-memory table that stands for the kernel.
func reconciler(_ table: InMemoryTable, _ options: ReconcileOptions = ReconcileOptions()) -> Reconciler<InMemoryTable> {
    Reconciler(connect: { table }, host: nil, options: options)
}

@Suite("reconcile engine")
struct ReconcilerTests {
    @Test("drift is planned, written and confirmed; a second run finds nothing")
    func correctsDrift() throws {
        let desired = try services(3)
        let table = InMemoryTable()
        guard case .applied(let plan, let report) = reconciler(table).run(load: { desired }) else {
            Issue.record("the first run did not apply")
            return
        }
        #expect(report.succeeded && plan.changes.count == 9)
        try table.perform(.deleteServer(ServerKey(address: IPAddress("203.0.113.11")!, port: 81), service: .address(.tcp, IPAddress("198.51.100.10")!, port: 81)))
        guard case .applied(let fix, _) = reconciler(table).run(load: { desired }) else {
            Issue.record("the drift was not corrected")
            return
        }
        #expect(fix.changes.count == 1 && fix.changes.first?.action == .create)
        guard case .unchanged(let empty) = reconciler(table).run(load: { desired }) else {
            Issue.record("a third run still found something")
            return
        }
        #expect(empty.isEmpty)
    }

    @Test("detect mode finds the drift and writes nothing")
    func detectWritesNothing() throws {
        let table = InMemoryTable()
        let outcome = try reconciler(table, ReconcileOptions(writes: false)).run(load: { try services(2) })
        guard case .detected(let plan) = outcome else {
            Issue.record("expected detected, got \(outcome)")
            return
        }
        #expect(plan.changes.count == 6)
        #expect(outcome.pendingChanges == 6 && outcome.result == "unchanged")
        #expect(table.log.isEmpty)
    }

    @Test("a plan deleting most services is refused and nothing is written, unless allowed")
    func massDeletionRefused() throws {
        let table = InMemoryTable()
        _ = try reconciler(table).run(load: { try services(4) })
        let before = table.log.count
        let outcome = try reconciler(table).run(load: { try services(1) })
        guard case .refused(let plan, .massDeletion(let refusal)) = outcome else {
            Issue.record("expected a refusal, got \(outcome)")
            return
        }
        #expect(refusal.deleting == 3 && refusal.managed == 4)
        #expect(outcome.result == "refused" && outcome.pendingChanges == plan.changes.count)
        #expect(table.log.count == before)
        guard case .applied = try reconciler(table, ReconcileOptions(allowMassDeletion: true)).run(load: { try services(1) }) else {
            Issue.record("--allow-mass-delete did not apply")
            return
        }
        #expect(try table.snapshot().table.services.count == 1)
    }

    @Test("a write that fails is reported with the plan and what was done")
    func writeFailure() throws {
        let table = InMemoryTable()
        let desired = try services(2)
        var engine = reconciler(table)
        // Someone else adds the second service between the read and the write.
        engine.admit = { _ in
            try? table.perform(.addService(VirtualService(key: .address(.tcp, IPAddress("198.51.100.10")!, port: 81))))
            return nil
        }
        let outcome = engine.run(load: { desired })
        guard case .failed(let failure) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(failure.stage == .apply)
        #expect(failure.message.hasSuffix("the service already exists"))
        #expect(failure.report?.failures.count == 1)
        #expect(outcome.result == "failed" && outcome.pendingChanges > 0)
        guard case .applied = reconciler(table).run(load: { desired }) else {
            Issue.record("the next run did not converge")
            return
        }
    }

    @Test("a table that cannot be read fails the run at the read, with the reason")
    func readFailure() throws {
        let engine = Reconciler<InMemoryTable>(connect: { () throws(IPVSError) in throw IPVSError(.permissionDenied, context: "connecting to IPVS") },
                                               host: nil, options: ReconcileOptions())
        guard case .failed(let failure) = try engine.run(load: { try services(1) }) else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.stage == .read && failure.plan == nil)
    }

    @Test("a confirmation that says no writes nothing; the plan is shown before")
    func declined() throws {
        let table = InMemoryTable()
        var shown: [Plan] = []
        let outcome = try reconciler(table).run(load: { try services(1) }, review: .init(show: { shown.append($0) }, confirm: { _ in false }))
        guard case .cancelled = outcome else {
            Issue.record("expected cancelled, got \(outcome)")
            return
        }
        #expect(shown.count == 1 && table.log.isEmpty)
    }

    @Test("a plan the caller does not admit is refused before anything is written")
    func notAdmitted() throws {
        let table = InMemoryTable()
        var engine = reconciler(table)
        engine.admit = { _ in .stale("stale") }
        guard case .refused(_, .stale("stale")) = try engine.run(load: { try services(1) }) else {
            Issue.record("expected a stale refusal")
            return
        }
        #expect(table.log.isEmpty)
    }
}
