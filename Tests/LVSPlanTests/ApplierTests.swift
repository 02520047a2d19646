import LVSModel
import LVSPlan
import Testing

@Suite("applier")
struct ApplierTests {
    @Test("a plan is carried out change by change, and then the table matches")
    func applies() throws {
        let wanted = desired([VirtualService(key: web, servers: [server(1), server(2)])])
        let table = InMemoryTable()
        let plan = Planner.plan(desired: wanted, live: try table.snapshot().table)
        let report = Applier(table: table).apply(plan)
        #expect(report.succeeded)
        #expect(report.results.map(\.status) == [.done, .done, .done])
        #expect(table.log == plan.operations)
        #expect(Planner.plan(desired: wanted, live: try table.snapshot().table).isEmpty)
    }

    @Test("a failure stops the apply, the report says what was and was not done, and the next run converges")
    func failsPartWay() throws {
        let other = ServiceKey.address(.tcp, vip, port: 443)
        let wanted = desired([VirtualService(key: web, servers: [server(1)]), VirtualService(key: other)])
        let table = InMemoryTable()
        let plan = Planner.plan(desired: wanted, live: try table.snapshot().table)
        try table.perform(.addService(VirtualService(key: web)))  // someone else creates it meanwhile

        let report = Applier(table: table).apply(plan)
        #expect(!report.succeeded)
        #expect(report.failures.count == 1)
        #expect(report.failures.first?.error.hasSuffix("the service already exists") == true)
        #expect(report.results.map(\.status).dropFirst().allSatisfy { $0 == .notDone })

        let retry = Planner.plan(desired: wanted, live: try table.snapshot().table)
        #expect(Applier(table: table).apply(retry).succeeded)
        #expect(Planner.plan(desired: wanted, live: try table.snapshot().table).isEmpty)
    }

    @Test("with a drain, removed servers go to weight 0 before they are deleted")
    func drains() throws {
        let live = IPVSTable(services: [VirtualService(key: web, servers: [server(1, weight: 3), server(2, weight: 0)])])
        let table = InMemoryTable(live)
        let plan = Planner.plan(desired: desired([VirtualService(key: web, servers: [])]), live: live)
        let report = Applier(table: table, drain: DrainPolicy(timeout: .seconds(5), sleep: { _ in })).apply(plan)
        #expect(report.succeeded)
        #expect(report.drain?.servers.count == 2)
        #expect(report.drain?.stillConnected == [])
        #expect(table.log == [.updateServer(server(1, weight: 0), service: web)] + plan.operations)
    }
}
