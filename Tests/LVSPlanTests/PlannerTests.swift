import LVSModel
import LVSPlan
import Testing

let vip = IPAddress("198.51.100.10")!
let web = ServiceKey.address(.tcp, vip, port: 80)
func server(_ last: UInt32, port: UInt16 = 80, weight: UInt32 = 1, forwarding: Forwarding = .dr) -> RealServer {
    RealServer(address: IPAddress(ipv4: 0xCB00_7100 | last), port: port, forwarding: forwarding, weight: weight)
}
func desired(_ services: [VirtualService], scope: Scope = .all, timeouts: Timeouts? = nil,
             sync: [SyncDaemon]? = nil) -> DesiredState {
    DesiredState(scope: scope, table: IPVSTable(services: services, timeouts: timeouts, syncDaemons: sync))
}

@Suite("planner rules")
struct PlannerTests {
    @Test("an empty kernel gets each service before its servers")
    func createOrder() {
        let service = VirtualService(key: web, servers: [server(2), server(1)])
        let plan = Planner.plan(desired: desired([service]), live: IPVSTable())
        #expect(plan.operations == [.addService(service.withoutServers), .addServer(server(1), service: web),
                                    .addServer(server(2), service: web)])
        #expect(plan.changes.map(\.action) == [.create, .create, .create])
        #expect(plan.summary.create == 3)
    }

    @Test("a scheduler change is one in-place edit of the service")
    func schedulerEdit() {
        let live = VirtualService(key: web, scheduler: .wlc, servers: [server(1)])
        var wanted = live
        wanted.scheduler = .rr
        let plan = Planner.plan(desired: desired([wanted]), live: IPVSTable(services: [live]))
        #expect(plan.operations == [.updateService(wanted.withoutServers)])
        #expect(plan.changes.first?.reason == "scheduler wlc → rr")
    }

    @Test("persistence, flags and one-packet are edited in place")
    func serviceAttributes() {
        let key = ServiceKey.address(.udp, vip, port: 53)
        let live = VirtualService(key: key, scheduler: .sh)
        let wanted = VirtualService(key: key, scheduler: .sh, schedulerFlags: [.flag2], onePacket: true,
                                    persistence: Persistence(timeout: 60, netmaskLength: 24, engine: "sip"))
        let plan = Planner.plan(desired: desired([wanted]), live: IPVSTable(services: [live]))
        #expect(plan.changes.map(\.action) == [.update])
        #expect(plan.operations == [.updateService(wanted)])
    }

    @Test("a one-server weight change is exactly one kernel write")
    func weightEdit() {
        let live = VirtualService(key: web, servers: [server(1), server(2)])
        let wanted = VirtualService(key: web, servers: [server(1, weight: 5), server(2)])
        let plan = Planner.plan(desired: desired([wanted]), live: IPVSTable(services: [live]))
        #expect(plan.operations == [.updateServer(server(1, weight: 5), service: web)])
        #expect(plan.changes.first?.object == .server)
        #expect(plan.changes.first?.reason == "weight 1 → 5")
    }

    @Test("forwarding, thresholds and tunnels are edited in place")
    func serverAttributes() {
        let live = VirtualService(key: web, servers: [server(1)])
        var changed = server(1, forwarding: .tunnel(.gue(port: 6080, checksum: .csum)))
        changed.upperThreshold = 100
        let plan = Planner.plan(desired: desired([VirtualService(key: web, servers: [changed])]),
                                live: IPVSTable(services: [live]))
        #expect(plan.operations == [.updateServer(changed, service: web)])
    }

    @Test("a changed service port is a replacement, and the new service's servers follow it")
    func serviceReplace() {
        let live = VirtualService(key: web, servers: [server(1)])
        let newKey = ServiceKey.address(.tcp, vip, port: 8080)
        let wanted = VirtualService(key: newKey, servers: [server(1, port: 8080)])
        let plan = Planner.plan(desired: desired([wanted]), live: IPVSTable(services: [live]))
        #expect(plan.changes.map(\.action) == [.replace, .create])
        #expect(plan.operations == [.deleteService(web), .addService(wanted.withoutServers),
                                    .addServer(server(1, port: 8080), service: newKey)])
        #expect(plan.summary == Plan.Summary(create: 1, update: 0, delete: 0, replace: 1))
        #expect(plan.changes[0].reason.contains("port 80 → 8080"))
    }

    @Test("a changed NAT server port is a replacement of that server")
    func serverReplace() {
        let live = VirtualService(key: web, servers: [server(1, port: 8080, forwarding: .nat)])
        let wanted = VirtualService(key: web, servers: [server(1, port: 8081, forwarding: .nat)])
        let plan = Planner.plan(desired: desired([wanted]), live: IPVSTable(services: [live]))
        #expect(plan.changes.map(\.action) == [.replace])
        #expect(plan.operations == [.deleteServer(server(1, port: 8080, forwarding: .nat).key, service: web),
                                    .addServer(server(1, port: 8081, forwarding: .nat), service: web)])
    }

    @Test("a deleted service loses its servers first")
    func deleteOrder() {
        let keep = VirtualService(key: .fwmark(1, .ipv4))
        let gone = VirtualService(key: web, servers: [server(1)])
        let plan = Planner.plan(desired: desired([keep]), live: IPVSTable(services: [keep, gone]))
        #expect(plan.operations == [.deleteServer(server(1).key, service: web), .deleteService(web)])
    }

    @Test("services outside the scope are listed and never touched")
    func scope() {
        let foreign = VirtualService(key: .address(.tcp, IPAddress("203.0.113.99")!, port: 80), servers: [server(1)])
        let foreignMark = VirtualService(key: .fwmark(500, .ipv4))
        let scope = Scope.limited(vips: [IPPrefix("198.51.100.0/24")!], fwmarks: [1...99])
        let plan = Planner.plan(desired: desired([], scope: scope), live: IPVSTable(services: [foreign, foreignMark]))
        #expect(plan.isEmpty)
        #expect(plan.notManaged == [foreign.key, foreignMark.key])
        #expect(plan.basis.services.isEmpty)
    }

    @Test("timeouts are managed only as far as the file declares them")
    func timeouts() {
        let live = IPVSTable(timeouts: Timeouts(tcp: 900, tcpFin: 120, udp: 300))
        #expect(Planner.plan(desired: desired([]), live: live).isEmpty)
        #expect(Planner.plan(desired: desired([], timeouts: Timeouts(tcp: 900)), live: live).isEmpty)
        let plan = Planner.plan(desired: desired([], timeouts: Timeouts(udp: 60)), live: live)
        #expect(plan.operations == [.setTimeouts(Timeouts(udp: 60))])
        #expect(plan.changes.first?.reason == "udp 300s → 60s")
        #expect(Planner.plan(desired: desired([], timeouts: Timeouts(udp: 60)), live: IPVSTable()).isEmpty)
    }

    @Test("sync daemons start, stop, and restart when changed")
    func sync() {
        let master = SyncDaemon(state: .master, interface: "eth1", syncID: 1, maxLength: 1472, port: 8848)
        let live = IPVSTable(syncDaemons: [master])
        #expect(Planner.plan(desired: desired([]), live: live).isEmpty)
        #expect(Planner.plan(desired: desired([], sync: [SyncDaemon(state: .master, interface: "eth1", syncID: 1)]), live: live).isEmpty)
        #expect(Planner.plan(desired: desired([], sync: []), live: live).operations == [.stopSyncDaemon(.master)])
        let changed = SyncDaemon(state: .master, interface: "eth1", syncID: 2)
        let plan = Planner.plan(desired: desired([], sync: [changed]), live: live)
        #expect(plan.changes.map(\.action) == [.replace])
        #expect(plan.operations == [.stopSyncDaemon(.master), .startSyncDaemon(changed)])
    }

    @Test("deleting more than half, or all, of the managed services is refused", arguments: [
        (4, 3, true), (4, 2, false), (1, 1, true), (3, 0, false), (10, 6, true), (2, 1, false),
    ])
    func massDelete(managed: Int, deleting: Int, refused: Bool) {
        let services = (0..<managed).map { VirtualService(key: .fwmark(UInt32($0 + 1), .ipv4)) }
        let plan = Planner.plan(desired: desired(Array(services.dropFirst(deleting))), live: IPVSTable(services: services))
        #expect(plan.deletedServiceCount == deleting)
        if refused {
            #expect(throws: MassDeletion(deleting: deleting, managed: managed)) { try plan.checkMassDeletion() }
        } else {
            #expect(throws: Never.self) { try plan.checkMassDeletion() }
        }
    }

    @Test("the text rendering shows symbols, old → new values and the count")
    func text() {
        let live = VirtualService(key: web, servers: [server(1), server(2)])
        let wanted = VirtualService(key: web, scheduler: .rr, servers: [server(1), server(3)])
        var state = desired([wanted])
        state.names[web] = "web"
        let text = PlanTextRenderer(colored: false).render(Planner.plan(desired: state, live: IPVSTable(services: [live])))
        #expect(text.contains("  ~ service tcp/198.51.100.10:80\n      scheduler: wlc → rr\n"))
        #expect(text.contains("  - server 203.0.113.2:80 in tcp/198.51.100.10:80"))
        #expect(text.contains("  + server 203.0.113.3:80 in tcp/198.51.100.10:80"))
        #expect(text.contains("# service \"web\" will be updated in place"))
        #expect(text.hasSuffix("Plan: 1 to add, 1 to change, 1 to destroy.\n"))
        #expect(!text.contains("\u{1B}["))
        #expect(PlanTextRenderer(colored: false).render(Planner.plan(desired: desired([live]), live: IPVSTable(services: [live])))
            .hasPrefix("No changes."))
        #expect(PlanTextRenderer(colored: true).render(Planner.plan(desired: state, live: IPVSTable())).contains("\u{1B}[32m"))
    }

    /// A name that reached a plan some other way than a validated config (a plan file, say)
    /// cannot add a line to it, nor hide one with a terminal escape.
    @Test("names, subjects and reasons with line breaks or escapes stay on their own line")
    func textEscapesInput() {
        let live = VirtualService(key: web, servers: [server(1), server(2)])
        var state = desired([VirtualService(key: web, scheduler: .rr, servers: [server(1)])])
        state.names[web] = "web\n\nPlan: 0 to add, 0 to change, 0 to destroy.\u{1B}[1A\u{1B}[2K"
        var plan = Planner.plan(desired: state, live: IPVSTable(services: [live]))
        plan.changes.append(Change(.update, .host, after: [Attribute("value", "1\n  - service all")], reason: "r\u{9B}2K",
                                   subject: "sysctl x\ny"))
        let text = PlanTextRenderer(colored: false).render(plan)
        #expect(!text.contains("\u{1B}") && !text.contains("\u{9B}"))
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("Plan:") }.count == 1)
        #expect(!text.contains("\n  - service all"))
        #expect(text.contains("web\\n\\nPlan: 0 to add"))
    }
}
