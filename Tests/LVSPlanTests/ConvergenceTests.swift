import LVSModel
import LVSPlan
import Testing
import TestSupport

/// Random tables over a small universe of keys, so desired and live overlap and every kind of
/// change (create, update, replace, delete) occurs.
struct TableGenerator {
    var rng: SplitMix64
    let vips = ["198.51.100.1", "198.51.100.2", "203.0.113.1", "2001:db8::1"].map { IPAddress($0)! }
    let servers4 = ["192.0.2.1", "192.0.2.2", "192.0.2.3"].map { IPAddress($0)! }
    let servers6 = ["2001:db8:1::1", "2001:db8:1::2"].map { IPAddress($0)! }

    mutating func table() -> IPVSTable {
        var services: [ServiceKey: VirtualService] = [:]
        for _ in 0..<Int.random(in: 0...7, using: &rng) {
            let service = self.service()
            services[service.key] = service
        }
        return IPVSTable(services: Array(services.values),
                         timeouts: Timeouts(tcp: [900, 60].randomElement(using: &rng)!, tcpFin: 120, udp: 300),
                         syncDaemons: Bool.random(using: &rng) ? [] : [SyncDaemon(state: .master, interface: "eth1",
                                                                         syncID: UInt32.random(in: 0...2, using: &rng))])
    }

    mutating func service() -> VirtualService {
        let key: ServiceKey = Bool.random(using: &rng)
            ? .address([.tcp, .udp].randomElement(using: &rng)!, vips.randomElement(using: &rng)!,
                       port: [80, 443, 8080].randomElement(using: &rng)!)
            : .fwmark(UInt32.random(in: 1...3, using: &rng), AddressFamily.allCases.randomElement(using: &rng)!)
        var service = VirtualService(key: key, scheduler: [.wlc, .rr, .sh, .mh].randomElement(using: &rng)!)
        if Bool.random(using: &rng) { service.schedulerFlags = [.flag1] }
        if Bool.random(using: &rng) {
            service.persistence = Persistence(timeout: [60, 360].randomElement(using: &rng)!,
                                              netmaskLength: [24, key.family.bitWidth].randomElement(using: &rng)!)
        }
        let port: UInt16 = if case .address(_, _, let p) = key { p } else { 0 }
        var servers: [ServerKey: RealServer] = [:]
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            let pool = key.family == .ipv4 ? servers4 : servers6
            let natPort = [port, 9000, 9001].randomElement(using: &rng)!
            var server = RealServer(address: pool.randomElement(using: &rng)!, port: port,
                                    forwarding: [.dr, .nat, .tunnel(.ipip), .tunnel(.gre(checksum: .csum))].randomElement(using: &rng)!,
                                    weight: UInt32.random(in: 0...3, using: &rng))
            if server.forwarding == .nat { server.port = natPort }
            if Bool.random(using: &rng) { server.upperThreshold = 100; server.lowerThreshold = [0, 50].randomElement(using: &rng)! }
            servers[server.key] = server
        }
        service.servers = Array(servers.values)
        return service
    }

    /// A live table: each service's servers in the kernel's list in some order.
    mutating func liveTable() -> IPVSTable {
        var live = table()
        live.services = live.services.map { service in
            var service = service
            service.kernelOrder = VirtualService.kernelOrder(listed: service.servers.map(\.key).shuffled(using: &rng))
            return service
        }
        return live
    }
}

@Suite("convergence")
struct ConvergenceTests {
    @Test("applying a plan to the in-memory table converges: re-plan is empty, foreign entries untouched",
          arguments: 1...20)
    func converges(seed: UInt64) throws {
        var generator = TableGenerator(rng: SplitMix64(state: seed))
        for round in 0..<50 {
            let live = generator.liveTable()
            let target = generator.table()
            let scope: Scope = Bool.random(using: &generator.rng)
                ? .all : .limited(vips: [IPPrefix("198.51.100.0/24")!, IPPrefix("2001:db8::/32")!], fwmarks: [1...2])
            let wanted = DesiredState(scope: scope, table: IPVSTable(
                services: target.services.filter { scope.contains($0.key) },
                timeouts: Bool.random(using: &generator.rng) ? target.timeouts : nil,
                syncDaemons: Bool.random(using: &generator.rng) ? target.syncDaemons : nil))

            let table = InMemoryTable(live)
            let plan = Planner.plan(desired: wanted, live: live)
            for operation in plan.operations { try table.perform(operation) }
            let after = try table.snapshot().table

            let replan = Planner.plan(desired: wanted, live: after)
            #expect(replan.isEmpty, "seed \(seed) round \(round): \(replan.changes.map(\.reason))")
            #expect(after.services.filter { !scope.contains($0.key) } == live.services.filter { !scope.contains($0.key) },
                    "seed \(seed) round \(round): foreign services changed")
            // Only mh services are put in the canonical order; the others keep the kernel's.
            #expect(after.services.filter { scope.contains($0.key) }.map { service in
                var service = service
                if service.scheduler != .mh { service.kernelOrder = nil }
                return service
            } == wanted.table.services)
            #expect(plan.basis.services == live.services.filter { scope.contains($0.key) })
        }
    }
}
