import Foundation
import LVSConfig
import LVSJSON
import LVSModel
import LVSPlan
import Testing

@Suite struct SavedPlanTests {
    /// The live table: `web` with other settings, and `old`, which the config drops.
    let live = IPVSTable(services: [
        VirtualService(key: .address(.tcp, IPAddress("198.51.100.10")!, port: 80), scheduler: .rr,
                       servers: [RealServer(address: IPAddress("203.0.113.11")!, port: 8080, forwarding: .nat)]),
        VirtualService(key: .address(.tcp, IPAddress("198.51.100.99")!, port: 443), scheduler: .wlc,
                       servers: [RealServer(address: IPAddress("203.0.113.99")!, port: 443)]),
    ])
    let host = HostSnapshot(devices: ["lvs0": .init(kind: "dummy", alias: HostSnapshot.ownedAlias, isUp: true)],
                            addresses: ["lvs0": [InterfaceAddress(IPAddress("198.51.100.99")!, prefixLength: 32)]],
                            sysctls: ["net.ipv4.ip_forward": "0"])

    private func saved() throws -> (text: String, target: DesiredState, plan: Plan) {
        let target = try config(directorConfig)
        let plan = Planner.plan(desired: target, live: live, host: host)
        return (PlanJSON.encode(plan, target: target, host: host), target, plan)
    }

    private func refusal(_ bytes: [UInt8]) -> [Diagnostic] {
        do {
            _ = try SavedPlan.read(bytes, file: "plan.json")
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func aPlanFileReadsBackAsThePlanItWasMadeFrom() throws {
        let (text, target, plan) = try saved()
        let read = try SavedPlan.read(Array(text.utf8), file: "plan.json")
        #expect(read.target == target)
        #expect(read.plan == plan)
        #expect(read.coversHost)
        #expect(plan.changes.contains { $0.object == .firewall } && plan.changes.contains { $0.object == .host })
    }

    @Test func aPlanThatPutsAnMHServiceInOrderReadsBack() throws {
        let key = ServiceKey.address(.tcp, IPAddress("192.0.2.10")!, port: 80)
        var service = VirtualService(key: key, scheduler: .mh, servers: [11, 12].map {
            RealServer(address: IPAddress("203.0.113.\($0)")!, port: 80)
        })
        service.kernelOrder = service.servers.map(\.key)
        let target = try config("version: 1\nservices:\n  - { vip: 192.0.2.10, port: 80, scheduler: mh, servers: [203.0.113.11, 203.0.113.12, 203.0.113.13] }\n")
        let plan = Planner.plan(desired: target, live: IPVSTable(services: [service]), host: host)
        #expect(plan.changes.contains { $0.action == .replace && $0.object == .server })
        let read = try SavedPlan.read(Array(PlanJSON.encode(plan, target: target, host: host).utf8), file: "plan.json")
        #expect(read.plan == plan)
    }

    @Test func aPairDirectorsPlanKeepsExternalVIPsAndTheSyncSysctls() throws {
        let target = try config(pairConfig)
        let plan = Planner.plan(desired: target, live: live, host: host)
        #expect(plan.changes.flatMap(\.hostActions).contains(.setSysctl(key: "net.ipv4.vs.sync_threshold", value: "3 50")))
        let read = try SavedPlan.read(Array(PlanJSON.encode(plan, target: target, host: host).utf8), file: "plan.json")
        #expect(read.target == target)
        #expect(read.target.director?.vips == .external)
        #expect(read.plan == plan)
    }

    @Test func anAnnouncingDirectorKeepsTheAnnounceDeviceAndTheSyncSysctlsInPlanFilesAndYAML() throws {
        let target = try config(announcingConfig)
        let plan = Planner.plan(desired: target, live: live, host: host)
        let actions = plan.changes.flatMap(\.hostActions)
        #expect(actions.contains(.createDevice(name: "lvs-announce", kind: "dummy")))
        #expect(actions.contains(.setSysctl(key: "net.ipv4.vs.sloppy_tcp", value: "1")))
        let read = try SavedPlan.read(Array(PlanJSON.encode(plan, target: target, host: host).utf8), file: "plan.json")
        #expect(read.target == target)
        #expect(read.target.director?.announce == Announce() && read.target.director?.sync.connReuseMode == 2)
        #expect(read.plan == plan)
        #expect(try config(ConfigWriter.yaml(target)).director == target.director)
    }

    @Test("every example's plan reads back", arguments: exampleFiles)
    func examplesReadBack(_ file: URL) throws {
        let target = try #require(ConfigLoader.load(path: file.path).state)
        for table in [IPVSTable(), live] {
            let plan = Planner.plan(desired: target, live: table, host: HostSnapshot())
            let read = try SavedPlan.read(Array(PlanJSON.encode(plan, target: target, host: HostSnapshot()).utf8), file: "p.json")
            #expect(read.plan == plan)
            #expect(read.target == target)
        }
    }

    @Test func forgedOperationsAndHostActionsAreRefused() throws {
        let text = try saved().text
        let forgeries: [(inout [String: Any]) -> Void] = [
            { plan in
                var changes = plan["changes"] as! [[String: Any]]
                changes[0]["operations"] = [["deleteService": ["_0": ["protocol": "tcp", "address": "198.51.100.7", "port": 22]]]]
                plan["changes"] = changes
            },
            { plan in
                var changes = plan["changes"] as! [[String: Any]]
                changes[0]["host_actions"] = [["setSysctl": ["key": "//.//.root./ssh.authorized_keys", "value": "ssh-ed25519 AAAA"]]]
                plan["changes"] = changes
            },
        ]
        for forge in forgeries {
            let diagnostics = refusal(try edited(text, forge))
            #expect(diagnostics.first?.message.contains("not what the plan's target and basis give") == true, "\(diagnostics)")
        }
    }

    @Test func renamedDescriptionsAreRefused() throws {
        let text = try saved().text
        for (key, value) in [("name", "harmless"), ("reason", "nothing to see"), ("action", "update"), ("subject", "sysctl net.x")] {
            let diagnostics = refusal(try edited(text) { plan in
                var changes = plan["changes"] as! [[String: Any]]
                let index = changes.firstIndex { $0[key] != nil }!
                changes[index][key] = value
                plan["changes"] = changes
            })
            #expect(diagnostics.first?.message.contains("changes[") == true, "\(key): \(diagnostics)")
        }
    }

    @Test func deletionsHiddenFromTheLabelsAreRefused() throws {
        let text = try saved().text
        // The file lists no deletion, but its basis holds a service the target drops.
        let hidden = try edited(text) { plan in
            var changes = plan["changes"] as! [[String: Any]]
            changes.removeAll { $0["action"] as? String == "delete" }
            plan["changes"] = changes
            var summary = plan["summary"] as! [String: Any]
            summary["delete"] = 0
            plan["summary"] = summary
        }
        #expect(!refusal(hidden).isEmpty)
        // A service added to the basis means a deletion the changes do not show.
        let grown = try edited(text) { plan in
            var basis = plan["basis"] as! [String: Any], table = basis["table"] as! [String: Any]
            var services = table["services"] as! [[String: Any]]
            services.append(["vip": "198.51.100.77", "protocol": "tcp", "port": 25, "scheduler": "rr", "flags": [], "servers": []])
            table["services"] = services
            basis["table"] = table
            plan["basis"] = basis
        }
        #expect(refusal(grown).first?.message.contains("target and basis give") == true)
    }

    @Test func aTamperedTargetIsRefusedOrCheckedLikeAConfig() throws {
        let text = try saved().text
        let extra = try edited(text) { plan in
            var target = plan["target"] as! [String: Any]
            var services = target["services"] as! [[String: Any]]
            services.append(["vip": "198.51.100.30", "port": 22, "servers": ["203.0.113.66"]])
            target["services"] = services
            plan["target"] = target
        }
        #expect(!refusal(extra).isEmpty)
        let invalid = try edited(text) { plan in
            var target = plan["target"] as! [String: Any]
            target["director"] = ["interface": "lvs0", "address": "203.0.113.1", "ip_forward": "sometimes"]
            plan["target"] = target
        }
        let diagnostics = refusal(invalid)
        #expect(diagnostics.first?.file == "plan.json")
        #expect(diagnostics.first.map { $0.line > 0 && $0.column > 1 } == true, "\(diagnostics)")
    }

    @Test func otherFormatsAndRealServerPlansAreRefused() throws {
        let text = try saved().text
        #expect(refusal(try edited(text) { $0["format"] = "lvsctl-plan/1" }).first?.message.contains("format") == true)
        #expect(refusal(try edited(text) { $0["target"] = NSNull() }).first?.message.contains("no target") == true)
        #expect(refusal(Array("{\"format\": \"lvsctl-plan/2\",\n \"changes\": [".utf8)).first?.line == 2)
    }

    @Test func aChangedKernelOrHostMakesThePlanStale() throws {
        let (text, target, plan) = try saved()
        let read = try SavedPlan.read(Array(text.utf8), file: "plan.json")
        try read.checkCurrent(plan)

        var changedTable = live
        changedTable.services[0].scheduler = .lc
        #expect(throws: StalePlan(part: "the kernel's IPVS table")) {
            try read.checkCurrent(Planner.plan(desired: target, live: changedTable, host: host))
        }
        var changedHost = host
        changedHost.sysctls["net.ipv4.ip_forward"] = "1"
        #expect(throws: StalePlan(part: "this host's VIPs, sysctls or firewall chains")) {
            try read.checkCurrent(Planner.plan(desired: target, live: live, host: changedHost))
        }
        changedHost = host
        changedHost.chains[.marks(.ipv4)] = HostSnapshot.ChainState(rules: ["-d 198.51.100.20/32 -j ACCEPT"], jumpExists: true)
        #expect(throws: StalePlan.self) {
            try read.checkCurrent(Planner.plan(desired: target, live: live, host: changedHost))
        }
    }

    @Test func aServiceNameAppearsOncePerServiceNotPerServer() throws {
        let name = String(repeating: "n", count: 255)
        let servers = (1...200).map { "      - 203.0.113.\($0)" }.joined(separator: "\n")
        let target = try config("version: 1\nservices:\n  - name: \(name)\n    vip: 198.51.100.10\n    port: 80\n    servers:\n\(servers)\n")
        let text = PlanJSON.encode(Planner.plan(desired: target, live: IPVSTable()), target: target, host: nil)
        #expect(text.components(separatedBy: name).count - 1 == 2)  // the service's change and the target
    }

    @Test func massDeletionCountsOperationsNotLabels() {
        let key = ServiceKey.address(.tcp, IPAddress("198.51.100.10")!, port: 80)
        let disguised = Change(.update, .service, service: key, reason: "looks harmless", operations: [.deleteService(key)])
        let plan = Plan(changes: [disguised], notManaged: [], scope: .all, basis: IPVSTable(services: [VirtualService(key: key)]))
        #expect(plan.deletedServiceCount == 1)
        #expect(throws: MassDeletion.self) { try plan.checkMassDeletion() }
    }
}
