import Foundation
import Glibc
import LVSConfig
import LVSEngine
import LVSModel
import LVSPlan
import Logging
import NIOCore
import TestSupport
import Testing
@testable import LVSDaemon

/// A config of `count` services, ports from 80, two servers each with `weight`.
func configText(_ count: Int, weight: Int = 1) -> String {
    "version: 1\nservices:\n" + (0..<count).map {
        "  - { name: s\($0), vip: 198.51.100.10, port: \(80 + $0), scheduler: rr, servers: [ { address: 203.0.113.11, weight: \(weight) }, 203.0.113.12 ] }\n"
    }.joined()
}

/// A daemon over an in-memory table, its config in a fresh folder.
struct Fixture {
    let folder: String
    let config: String
    let table = InMemoryTable()
    let status = DaemonStatus(interval: .seconds(2))
    let metrics = DaemonMetrics()

    init(_ text: String) throws {
        folder = try temporaryFolder("lvsctl-daemon")
        config = folder + "/lb.yaml"
        try write(text)
    }

    func write(_ text: String) throws {
        try text.write(toFile: config + ".new", atomically: false, encoding: .utf8)
        #expect(rename(config + ".new", config) == 0)
    }

    func daemon(_ mode: DaemonSettings.Mode = .correct, host: RecordingHost? = nil) throws -> ReconcileDaemon<InMemoryTable> {
        var source = ConfigSource(path: config)
        _ = source.refresh()
        #expect(source.current != nil)
        // The tests run one tick at a time: the table is never used from two threads at once.
        nonisolated(unsafe) let table = self.table
        return ReconcileDaemon(settings: DaemonSettings(schedule: TickSchedule(interval: .seconds(2)), mode: mode,
                                                        lockPath: folder + "/lock", stateDirectory: state),
                               config: source, status: status, metrics: metrics, notifier: SystemdNotifier(environment: [:]),
                               logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) { options in
            Reconciler(connect: { table }, host: host, options: options)
        }
    }

    var state: StateDirectory { StateDirectory(path: folder + "/state") }

    func monitor() -> HealthMonitor {
        HealthMonitor(directory: state, metrics: metrics, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) {}
    }

    func exposition() -> String { metrics.exposition().map { String(buffer: $0) }.joined() }

    func value(_ series: String) -> Double? {
        exposition().split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}

@Suite("reconcile daemon")
struct DaemonTests {
    @Test("each tick corrects drift; an invalid file keeps the last good state; one put back, or fixed, is taken")
    func ticks() async throws {
        let fixture = try Fixture(configText(2))
        var loop = DaemonLoop(daemon: try fixture.daemon())
        #expect(await loop.tick(.start) == true)
        #expect(try fixture.table.snapshot().table.services.count == 2)
        try fixture.table.perform(.deleteService(.address(.tcp, IPAddress("198.51.100.10")!, port: 81)))
        #expect(await loop.tick(.timer) == true)
        #expect(try fixture.table.snapshot().table.services.count == 2)

        try fixture.write("version: 1\nservices: [ { vip: nonsense } ]\n")
        try fixture.table.perform(.deleteService(.address(.tcp, IPAddress("198.51.100.10")!, port: 81)))
        #expect(await loop.tick(.configChanged) == nil)
        #expect(await loop.tick(.timer) == true)
        #expect(try fixture.table.snapshot().table.services.count == 2, "the last good state was not kept")
        #expect(fixture.value("lvsctl_config_valid") == 0)
        #expect(fixture.status.snapshot.configProblem?.contains("not an IP address") == true)

        // The file put back as it was: valid again, though the desired state did not change.
        try fixture.write(configText(2))
        #expect(await loop.tick(.configChanged) == true)
        #expect(fixture.value("lvsctl_config_valid") == 1)
        #expect(fixture.status.snapshot.configProblem == nil)

        try fixture.write(configText(3))
        #expect(await loop.tick(.configChanged) == true)
        #expect(try fixture.table.snapshot().table.services.count == 3)
        #expect(fixture.value("lvsctl_config_valid") == 1)
        #expect(fixture.value("lvsctl_managed_services") == 3 && fixture.value("lvsctl_managed_servers") == 6)
        #expect(fixture.value("lvsctl_reconcile_total{result=\"applied\"}") == 4)
        // Touched, not changed: no reconcile until the timer.
        try fixture.write(configText(3))
        #expect(await loop.tick(.configChanged) == nil)
        #expect(fixture.value("lvsctl_drift_changes_total{object=\"service\",action=\"create\"}") == 5)
    }

    @Test("a refused plan is never applied, is counted, and a touched file does not retry it before the timer")
    func refusedAndBackOff() async throws {
        let fixture = try Fixture(configText(4))
        var loop = DaemonLoop(daemon: try fixture.daemon())
        #expect(await loop.tick(.start) == true)
        let writes = fixture.table.log.count
        let success = try #require(fixture.status.snapshot.lastSuccess)
        try fixture.write(configText(1))
        #expect(await loop.tick(.configChanged) == false)
        #expect(fixture.table.log.count == writes)
        #expect(fixture.value("lvsctl_reconcile_total{result=\"refused\"}") == 1)
        #expect(fixture.value("lvsctl_pending_changes") == 9)
        // The same file again (touched): waits for the timer.
        try fixture.write(configText(1))
        #expect(await loop.tick(.configChanged) == nil)
        #expect(await loop.tick(.timer) == false)
        #expect(fixture.value("lvsctl_reconcile_total{result=\"refused\"}") == 2)
        #expect(fixture.table.log.count == writes)
        // A refusal is no success, and it does not forget the earlier one: /healthz holds until
        // that one is too old (read at a fixed instant, however slowly the tests run).
        #expect(fixture.status.snapshot.lastSuccess == success)
        #expect(fixture.status.health(now: success + .seconds(1)).healthy)
    }

    @Test("detect mode writes nothing and reports what it would do")
    func detect() async throws {
        let fixture = try Fixture(configText(2))
        var loop = DaemonLoop(daemon: try fixture.daemon(.detect))
        #expect(await loop.tick(.start) == true)
        #expect(fixture.table.log.isEmpty)
        #expect(fixture.value("lvsctl_pending_changes") == 6)
        #expect(fixture.status.lastPlan?.plan.changes.count == 6)
        let plan = DaemonEndpoints.respond(to: "/plan", status: fixture.status, metrics: fixture.metrics, health: fixture.monitor())
        guard case .whole(let body) = plan.body else { Issue.record("/plan is not one buffer"); return }
        #expect(plan.status == 200 && String(buffer: body).contains("198.51.100.10"))
    }

    @Test("a tick while another process holds the lock is skipped")
    func lockHeld() async throws {
        let fixture = try Fixture(configText(1))
        var loop = DaemonLoop(daemon: try fixture.daemon())
        let held = try DirectorLock(path: fixture.folder + "/lock")
        #expect(await loop.tick(.start) == nil)
        #expect(fixture.table.log.isEmpty)
        held.release()
        #expect(await loop.tick(.timer) == true)
    }

    @Test("the timer's jitter stays within a tenth of the interval either way")
    func jitter() {
        let schedule = TickSchedule(interval: .seconds(30))
        for random in stride(from: 0.0, to: 1.0, by: 0.01) {
            let delay = schedule.delay(random: random)
            #expect(delay >= .seconds(27) && delay <= .seconds(33))
        }
        #expect(schedule.delay(random: 0) != schedule.delay(random: 0.99))
    }

    @Test("/healthz: 503 before the first success, 200 after, 503 once it is older than twice the interval")
    func health() throws {
        let status = DaemonStatus(interval: .seconds(2))
        let monitor = try Fixture("").monitor()
        #expect(DaemonEndpoints.respond(to: "/healthz", status: status, metrics: DaemonMetrics(), health: monitor).status == 503)
        let now = ContinuousClock.now
        status.update { $0.lastSuccess = now; $0.lastDuration = .milliseconds(500) }
        #expect(status.health(now: now + .seconds(4)).healthy)
        status.update { $0.lastProblem = "the kernel said no" }
        let stale = status.health(now: now + .seconds(5))
        #expect(!stale.healthy && stale.reason.contains("the kernel said no"))
        #expect(DaemonEndpoints.respond(to: "/nope", status: status, metrics: DaemonMetrics(), health: monitor).status == 404)
    }

    @Test("the IPVS series carry node_exporter's labels, escape names, and declare each family once")
    func ipvsSeries() throws {
        var desired = try #require(ConfigLoader.load(bytes: Array(configText(1).utf8), file: "t.yaml").state)
        let key = try #require(desired.table.services.first?.key)
        desired.names[key] = "a \"quoted\" name"
        var live = LiveState(table: desired.table)
        var counters = Counters()
        counters.inBytes = 1234
        counters.outBytes = .max
        live.statistics[key] = ServiceStatistics(counters: counters)
        let metrics = DaemonMetrics()
        metrics.recordTable(live, desired: desired)
        let parts = Array(metrics.exposition())
        let text = parts.map { String(buffer: $0) }.joined()
        // The daemon's own series, then a part per IPVS family.
        #expect(parts.count == 14 && String(buffer: parts[1]).hasPrefix("# HELP lvsctl_ipvs_connections_total "))
        #expect(text.contains("lvsctl_ipvs_outgoing_bytes_total{service=\"a \\\"quoted\\\" name\",local_address=\"198.51.100.10\",local_port=\"80\",local_mark=\"\",proto=\"TCP\"} 18446744073709551615\n"))
        #expect(text.contains("lvsctl_ipvs_connections_total{service=\"a \\\"quoted\\\" name\",local_address=\"198.51.100.10\",local_port=\"80\",local_mark=\"\",proto=\"TCP\"} 0\n"))
        #expect(text.contains("lvsctl_ipvs_incoming_bytes_total{service=\"a \\\"quoted\\\" name\",local_address=\"198.51.100.10\",local_port=\"80\",local_mark=\"\",proto=\"TCP\"} 1234\n"))
        #expect(text.contains("lvsctl_ipvs_backend_weight{service=\"a \\\"quoted\\\" name\",local_address=\"198.51.100.10\",local_port=\"80\",local_mark=\"\",proto=\"TCP\",remote_address=\"203.0.113.11\",remote_port=\"80\"} 1\n"))
        let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        #expect(types.count == Set(types).count && types.filter { $0.hasPrefix("# TYPE lvsctl_ipvs_") }.count == 13)

        // The labels are kept between scrapes until the table's shape or a name changes; the
        // next scrape reuses the buffers, but not under parts still held.
        live.table.services[0].servers.append(RealServer(address: IPAddress("203.0.113.99")!, port: 80))
        desired.names[key] = "renamed"
        metrics.recordTable(live, desired: desired)
        let again = metrics.exposition().map { String(buffer: $0) }.joined()
        #expect(parts.map { String(buffer: $0) }.joined() == text)
        #expect(again.contains("lvsctl_ipvs_backend_weight{service=\"renamed\",local_address=\"198.51.100.10\",local_port=\"80\",local_mark=\"\",proto=\"TCP\",remote_address=\"203.0.113.99\",remote_port=\"80\"} 1\n"))
        #expect(!again.contains("quoted"))
    }

    @Test("the IPVS series are those of managed services only, each server's counters its own")
    func ipvsSeriesOfManagedServices() throws {
        let desired = try #require(ConfigLoader.load(bytes: Array(configText(3).utf8), file: "t.yaml").state)
        let (first, second, third) = (desired.table.services[0], desired.table.services[1], desired.table.services[2])
        let secondName = try #require(desired.names[second.key])
        // A foreign service before and after the managed ones; the second managed one is missing.
        let foreign = [VirtualService(key: .address(.tcp, IPAddress("198.51.100.9")!, port: 80), scheduler: .rr),
                       VirtualService(key: .address(.tcp, IPAddress("198.51.100.10")!, port: 90), scheduler: .rr)]
        var live = LiveState(table: IPVSTable(services: foreign + [first, third]))
        func counters(_ connections: UInt64) -> Counters {
            var counters = Counters()
            counters.connections = connections
            return counters
        }
        // Only the third service's second server has statistics.
        func record(_ connections: UInt64) -> String {
            live.statistics[third.key] = ServiceStatistics(counters: counters(connections), servers: ServerStatisticsList([
                .init(server: third.servers[1].key, statistics: ServerStatistics(counters: counters(connections + 1), activeConnections: 3)),
            ]))
            metrics.recordTable(live, desired: desired)
            return metrics.exposition().map { String(buffer: $0) }.joined()
        }
        let metrics = DaemonMetrics()
        let text = record(7)
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("lvsctl_ipvs_") }
        #expect(lines.count == 2 * 5 + 4 * 8)
        #expect(!lines.contains { $0.contains("198.51.100.9\"") || $0.contains("local_port=\"90\"") || $0.contains("service=\"\(secondName)\"") })
        let labels = "service=\"s2\",local_address=\"198.51.100.10\",local_port=\"82\",local_mark=\"\",proto=\"TCP\""
        #expect(text.contains("lvsctl_ipvs_connections_total{\(labels)} 7\n"))
        #expect(text.contains("lvsctl_ipvs_backend_connections_total{\(labels),remote_address=\"203.0.113.12\",remote_port=\"82\"} 8\n"))
        #expect(text.contains("lvsctl_ipvs_backend_connections_active{\(labels),remote_address=\"203.0.113.12\",remote_port=\"82\"} 3\n"))
        #expect(text.contains("lvsctl_ipvs_backend_connections_total{\(labels),remote_address=\"203.0.113.11\",remote_port=\"82\"} 0\n"))
        #expect(text.contains("lvsctl_ipvs_backend_connections_total{service=\"s0\",local_address=\"198.51.100.10\",local_port=\"80\",local_mark=\"\",proto=\"TCP\",remote_address=\"203.0.113.11\",remote_port=\"80\"} 0\n"))

        // The same shape with new values: the kept labels, the new values.
        let again = record(20)
        #expect(again.contains("lvsctl_ipvs_connections_total{\(labels)} 20\n"))
        #expect(again.contains("lvsctl_ipvs_backend_connections_total{\(labels),remote_address=\"203.0.113.12\",remote_port=\"82\"} 21\n"))
        #expect(!again.contains("} 7\n"))
    }

    @Test("log lines stay one line, whatever the values hold")
    func logLines() {
        let logfmt = LineLogHandler.line([("msg", "reconcile"), ("name", "web\nlevel=error msg=forged"), ("n", "3")], format: .logfmt)
        #expect(logfmt == "msg=reconcile name=\"web\\nlevel=error msg=forged\" n=3\n")
        let json = LineLogHandler.line([("msg", "a\"b\n\u{1B}")], format: .json)
        #expect(json == "{\"msg\":\"a\\\"b\\n\\u001b\"}\n")
    }

    @Test("sd_notify datagrams reach the socket named in NOTIFY_SOCKET")
    func notify() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { for (i, byte) in path.utf8.enumerated() { $0[i] = byte } }
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        #expect(bound == 0)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "4000000"])
        #expect(notifier.watchdogTimeout == .seconds(4))
        #expect(notifier.notify(["READY=1", "STATUS=a\nb"]))
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = recv(fd, &buffer, buffer.count, 0)
        #expect(String(decoding: buffer.prefix(max(n, 0)), as: UTF8.self) == "READY=1\nSTATUS=a b")
        #expect(!SystemdNotifier(environment: [:]).notify(["READY=1"]))
    }
}
