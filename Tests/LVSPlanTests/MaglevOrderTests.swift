import LVSConfig
import LVSModel
import LVSPlan
import Testing
import TestSupport

/// Servers of an `mh` service end in one order on every director, whatever the history.
@Suite("mh server order")
struct MaglevOrderTests {
    func maglev(_ servers: [RealServer], scheduler: Scheduler = .mh) -> VirtualService {
        VirtualService(key: web, scheduler: scheduler, schedulerFlags: scheduler == .mh ? [.flag1, .flag2] : [], servers: servers)
    }

    /// Plans `servers` against the table and applies the plan; returns the plan.
    @discardableResult
    func converge(_ table: InMemoryTable, to service: VirtualService) throws -> Plan {
        let plan = Planner.plan(desired: desired([service]), live: try table.snapshot().table)
        for operation in plan.operations { try table.perform(operation) }
        let again = Planner.plan(desired: desired([service]), live: try table.snapshot().table)
        #expect(again.isEmpty, "second plan: \(again.changes.map(\.reason))")
        return plan
    }

    func order(_ table: InMemoryTable) throws -> [ServerKey]? {
        try table.snapshot().table.service(web).map { $0.kernelOrder ?? $0.servers.reversed().map(\.key) }
    }

    @Test("a server added below others puts those after it back in order, and the plan says why")
    func addInTheMiddle() throws {
        let table = InMemoryTable()
        try converge(table, to: maglev([server(1), server(3), server(4)]))
        let plan = try converge(table, to: maglev([server(1), server(2), server(3), server(4)]))
        #expect(plan.changes.map(\.action) == [.create, .replace, .replace])
        #expect(plan.changes.map(\.server) == [2, 3, 4].map { server($0).key })
        #expect(plan.changes.dropFirst().allSatisfy { $0.reason.contains("mh fills its lookup table in list order") })
        #expect(plan.operations == [.addServer(server(2), service: web),
                                    .deleteServer(server(3).key, service: web), .addServer(server(3), service: web),
                                    .deleteServer(server(4).key, service: web), .addServer(server(4), service: web)])
        #expect(try order(table) == [4, 3, 2, 1].map { server($0).key })
        #expect(try table.snapshot().table.service(web)?.kernelOrder == nil)
    }

    @Test("a server added above all others, a deletion and a weight edit re-add nothing")
    func noReadds() throws {
        let table = InMemoryTable()
        try converge(table, to: maglev([server(1), server(2)]))
        let plan = try converge(table, to: maglev([server(1, weight: 0), server(3)]))
        #expect(!plan.operations.contains { if case .addServer(let s, _) = $0 { s.key != server(3).key } else { false } })
        #expect(plan.changes.allSatisfy { $0.action != .replace })
    }

    @Test("other schedulers keep the kernel's order: adding a server touches no other")
    func otherSchedulers() throws {
        let table = InMemoryTable()
        try converge(table, to: maglev([server(1), server(3)], scheduler: .wrr))
        let plan = try converge(table, to: maglev([server(1), server(2), server(3)], scheduler: .wrr))
        #expect(plan.operations == [.addServer(server(2), service: web)])
        #expect(try table.snapshot().table.service(web)?.kernelOrder == [2, 3, 1].map { server($0).key })
    }

    @Test("switching a service to mh puts a list out of order in order")
    func switchToMaglev() throws {
        let table = InMemoryTable()
        try converge(table, to: maglev([server(2)], scheduler: .wlc))
        try converge(table, to: maglev([server(1), server(2)], scheduler: .wlc))
        let plan = try converge(table, to: maglev([server(1), server(2)]))
        #expect(plan.changes.map(\.action) == [.update, .replace])
        #expect(try order(table) == [2, 1].map { server($0).key })
    }

    @Test("directors with different histories (restarts, partial applies) end with one order",
          arguments: 1...30)
    func histories(seed: UInt64) throws {
        var rng = SplitMix64(state: seed)
        let final = maglev((1...6).map { server($0, weight: [1, 2, 0].randomElement(using: &rng)!) })
        let fresh = InMemoryTable()
        try converge(fresh, to: final)

        let aged = InMemoryTable()
        for _ in 0..<8 {
            let some = final.servers.filter { _ in Bool.random(using: &rng) }
            let step = maglev(some, scheduler: [.mh, .wlc].randomElement(using: &rng)!)
            let plan = Planner.plan(desired: desired([step]), live: try aged.snapshot().table)
            // A partial apply: the run stops somewhere and the next one starts from there.
            for operation in plan.operations.prefix(Int.random(in: 0...plan.operations.count, using: &rng)) {
                try aged.perform(operation)
            }
        }
        try converge(aged, to: final)
        #expect(try order(aged) == order(fresh), "seed \(seed)")
        #expect(try aged.snapshot().table == fresh.snapshot().table, "seed \(seed)")
    }

    @Test("a live table whose servers are out of order is written as a config (the order is no setting)")
    func writtenAsConfig() throws {
        let table = InMemoryTable()
        try converge(table, to: maglev([server(2)], scheduler: .wlc))
        try converge(table, to: maglev([server(1), server(2)], scheduler: .wlc))
        let live = try table.snapshot().table
        #expect(live.services.first?.kernelOrder != nil)
        let written = ConfigWriter.checkedYAML(DesiredState(table: live))
        guard case .success(let text) = written else {
            Issue.record("the live table was not written: \(written)\n\(ConfigWriter.yaml(DesiredState(table: live)))")
            return
        }
        #expect(Planner.plan(desired: try config(text), live: live).isEmpty)
    }

    @Test("a drain waits only for servers the plan removes, not for those it adds back")
    func drainSkipsReadds() throws {
        let table = InMemoryTable()
        try converge(table, to: maglev([server(1), server(3)]))
        let plan = Planner.plan(desired: desired([maglev([server(2), server(3)])]), live: try table.snapshot().table)
        let report = Applier(table: table, drain: DrainPolicy(timeout: .seconds(5), sleep: { _ in })).apply(plan)
        #expect(report.succeeded)
        #expect(report.drain?.servers.map { $0.1 } == [server(1).key])
        #expect(try order(table) == [3, 2].map { server($0).key })
    }
}
