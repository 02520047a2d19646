import Foundation
import LVSConfig
import LVSJSON
import LVSModel
import LVSPlan
import Testing

/// Every document lvsctl writes, and every example config, checked against docs/schema/ by
/// scripts/check-schemas.py (Python jsonschema, installed by scripts/install-deps.sh).
@Suite struct SchemaTests {
    private let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lvsctl-schema-\(UUID().uuidString)")

    /// Writes `documents` and checks them against `schema`; the checker's complaints on failure.
    private func check(_ schema: String, _ documents: [(name: String, text: String)]) throws -> (status: Int32, error: String) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var paths: [String] = []
        for (name, text) in documents {
            let path = folder.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        return try checkFiles(schema, paths)
    }

    private func checkFiles(_ schema: String, _ paths: [String]) throws -> (status: Int32, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent("scripts/check-schemas.py").path, schema] + paths
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func theExampleConfigsMatchTheConfigSchema() throws {
        let result = try checkFiles("config.schema.json", exampleFiles.map(\.path))
        #expect(result.status == 0, "\(result.error)")
    }

    @Test func plansAndTheirTargetsMatchThePlanAndConfigSchemas() throws {
        var plans: [(String, String)] = [], targets: [(String, String)] = []
        let live = SnapshotJSONTests.table
        for (index, file) in exampleFiles.enumerated() {
            let target = try #require(ConfigLoader.load(path: file.path).state)
            targets.append(("target-\(index).json", ConfigJSON.encode(target)))
            plans.append(("plan-\(index).json", PlanJSON.encode(Planner.plan(desired: target, live: live), target: target, host: nil)))
        }
        let director = try config(directorConfig)
        let host = HostSnapshot(devices: ["lvs0": .init(kind: "dummy", alias: HostSnapshot.ownedAlias, isUp: false)],
                                addresses: ["eth0": [InterfaceAddress(IPAddress("192.0.2.5")!, prefixLength: 24)]],
                                sysctls: ["net.ipv4.ip_forward": "0"], defaultGateways: [.ipv4: IPAddress("192.0.2.1")!],
                                guePorts: [6080],
                                chains: [.marks(.ipv4): .init(rules: ["-d 198.51.100.9/32 -p tcp -j MARK --set-xmark 0x9/0xffffffff"], jumpExists: true)])
        plans.append(("director.json", PlanJSON.encode(Planner.plan(desired: director, live: live, host: host), target: director, host: host)))
        plans.append(("real-server.json", PlanJSON.encode(Plan(changes: [], notManaged: [], scope: .all, basis: IPVSTable()),
                                                                target: nil, host: host)))
        targets.append(("director-target.json", ConfigJSON.encode(director)))
        targets.append(("pair-target.json", ConfigJSON.encode(try config(pairConfig))))
        targets.append(("announcing-target.json", ConfigJSON.encode(try config(announcingConfig))))
        let planResult = try check("plan.schema.json", plans)
        #expect(planResult.status == 0, "\(planResult.error)")
        let targetResult = try check("config.schema.json", targets)
        #expect(targetResult.status == 0, "\(targetResult.error)")
    }

    @Test func snapshotsMatchTheSnapshotSchema() throws {
        var statistics = ServiceStatistics()
        statistics.counters.connections = 3
        let table = SnapshotJSONTests.table
        let state = LiveState(table: table, info: KernelInfo(version: "1.2.1", connectionTableSize: 4096),
                              statistics: [table.services[0].key: statistics])
        let result = try check("snapshot.schema.json", [
            ("plain.json", SnapshotJSON.encode(state, statistics: false)),
            ("stats.json", SnapshotJSON.encode(state, statistics: true)),
        ])
        #expect(result.status == 0, "\(result.error)")
    }

    @Test func validationResultsMatchTheValidationSchema() throws {
        let valid = ConfigLoader.load(bytes: Array(directorConfig.utf8), file: "good.yaml")
        let invalid = ConfigLoader.load(bytes: Array("version: 1\nservices:\n  - { vip: 198.51.100.1, port: 80, scheduler: wrrr }\n".utf8), file: "bad.yaml")
        let result = try check("validation.schema.json", [
            ("valid.json", ValidationJSON.encode(file: "good.yaml", result: valid)),
            ("invalid.json", ValidationJSON.encode(file: "bad.yaml", result: invalid)),
        ])
        #expect(result.status == 0, "\(result.error)")
    }

    @Test func aConfigWithHealthChecksMatchesTheConfigSchema() throws {
        let loaded = ConfigLoader.load(bytes: Array(healthConfig.utf8), file: "health.yaml")
        #expect(loaded.diagnostics == [], "\(loaded.diagnostics.map(\.description))")
        #expect(loaded.state?.checkTargets.count == 10)
        let result = try check("config.schema.json", [("health.yaml", healthConfig)])
        #expect(result.status == 0, "\(result.error)")
        let wrong = [
            "check: { type: tcp, path: / }", "check: http", "check: { type: dns }", "check: { type: exec, command: \"/bin/true -q\" }",
            "check: { type: exec, command: [true] }", "check: { type: http, status: 700 }", "on_failure: drop", "quorum: { servers: 1, weight: 2 }",
            "check: { type: none, rise: 2 }",
        ]
        for setting in wrong {
            // Service-level health settings count only beside a check.
            let beside = setting.hasPrefix("check") ? "" : "check: tcp, "
            let text = "version: 1\nservices:\n  - { vip: 198.51.100.1, port: 80, \(beside)\(setting), servers: [203.0.113.1] }\n"
            #expect(try check("config.schema.json", [("wrong.yaml", text)]).status == 1, "\(setting)")
            #expect(ConfigLoader.load(bytes: Array(text.utf8), file: "wrong.yaml").state == nil, "\(setting)")
        }
    }

    @Test func aDocumentThatDoesNotMatchFailsTheCheck() throws {
        let text = SnapshotJSON.encode(LiveState(table: SnapshotJSONTests.table), statistics: false)
        let result = try check("snapshot.schema.json", [("bad.json", text.replacingOccurrences(of: "\"flags\"", with: "\"schedulerFlags\""))])
        #expect(result.status == 1)
        #expect(result.error.contains("schedulerFlags"), "\(result.error)")
        let config = try check("config.schema.json", [("bad.yaml", "version: 1\nservices:\n  - { vip: 198.51.100.1, port: 80, schedular: rr }\n")])
        #expect(config.status == 1)
    }
}
