import Foundation
import Glibc
import TestSupport
import Testing

/// `lvsctl reconcile` as a running process in a network namespace of its own, inside the test VM
/// (`LVSCTL_KERNEL_TESTS=1`), driven from outside: drift made with ipvsadm, the config file
/// edited, replaced and broken, signals, and its endpoints read with curl.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LVSCTL_KERNEL_TESTS"] == "1",
                             "needs a kernel with IPVS: runs in the VM"))
struct ReconcileKernelTests {
    static let namespace = "lvsdaemon"
    static let port = 19742

    init() throws {
        _ = try? run("/usr/sbin/ip", ["netns", "del", Self.namespace])
        try run("/usr/sbin/ip", ["netns", "add", Self.namespace])
        for arguments in [["link", "set", "lo", "up"], ["link", "add", "eth1", "type", "dummy"], ["link", "set", "eth1", "up"],
                          ["route", "replace", "default", "dev", "eth1"]] {
            try run("/usr/sbin/ip", ["-n", Self.namespace] + arguments)
        }
    }

    // MARK: The config

    /// Two services in 198.51.100.0/24, the scope; `weight` for the first server of web.
    static func config(weight: Int = 1, extraService: Bool = false, services: Int = 2) -> String {
        var text = """
            version: 1
            scope: { vips: [198.51.100.0/24] }
            defaults: { forward: nat, scheduler: rr }
            services:

            """
        let all = [
            "  - { name: web, vip: 198.51.100.10, port: 80, servers: [ { address: 203.0.113.11, port: 8080, weight: \(weight) }, \"203.0.113.12:8080\" ] }\n",
            "  - { name: dns, vip: 198.51.100.53, protocol: udp, port: 53, servers: [ \"203.0.113.21:53\" ] }\n",
        ]
        text += all.prefix(services).joined()
        if extraService { text += "  - { name: api, vip: 198.51.100.20, port: 443, servers: [ \"203.0.113.31:8443\" ] }\n" }
        return text
    }

    // MARK: Helpers

    @discardableResult
    private func inside(_ program: String, _ arguments: [String], input: String = "") throws -> Run {
        try run("/usr/sbin/ip", ["netns", "exec", Self.namespace, program] + arguments, input: input)
    }

    private func ipvsadm(_ arguments: String...) throws -> String {
        let result = try inside("/usr/sbin/ipvsadm", arguments)
        #expect(result.status == 0, "ipvsadm \(arguments): \(result.error)")
        return result.output
    }

    private func table() throws -> String { try ipvsadm("-Sn") }

    /// GET `path` from the daemon: the status code and the body.
    private func get(_ path: String) throws -> (status: Int, body: String) {
        let result = try inside("/usr/bin/curl", ["-s", "-m", "5", "-w", "\n%{http_code}", "http://127.0.0.1:\(Self.port)\(path)"])
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// The value of the series `name` (with its labels, as written) in /metrics.
    private func metric(_ series: String) throws -> Double? {
        let body = try get("/metrics").body
        return body.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// How long after `since` (seconds since the epoch) the daemon last read its config file, by
    /// its own metric: the time to pick a change up, without the time this test takes to see
    /// the table change through `ipvsadm`.
    private func pickedUp(since start: Double) throws -> Double? {
        try metric("lvsctl_config_last_load_timestamp_seconds").map { $0 - start }
    }

    /// Writes `text` to `path` through a file beside it and a rename, as Git and config management do.
    private func replace(_ path: String, with text: String) throws {
        try text.write(toFile: path + ".new", atomically: false, encoding: .utf8)
        #expect(rename(path + ".new", path) == 0)
    }

    /// A fresh folder holding `lb.yaml` with `text`, an empty table, and the daemon started on it
    /// with `options` (and `--listen`, `--lock-file` of its own), once `/healthz` answers 200.
    private func start(_ text: String = Self.config(), options: [String], environment: [String: String] = [:],
                       waitForHealth: Bool = true) throws -> (folder: String, config: String, daemon: DaemonProcess) {
        let folder = try temporaryFolder("lvsctl-daemon")
        let config = folder + "/lb.yaml"
        try text.write(toFile: config, atomically: false, encoding: .utf8)
        _ = try ipvsadm("-C")
        let daemon = try DaemonProcess(namespace: Self.namespace,
                                       arguments: ["reconcile", "-f", config] + options
                                           + ["--listen", "127.0.0.1:\(Self.port)", "--lock-file", folder + "/lock"],
                                       environment: environment)
        if waitForHealth {
            #expect(try eventually(within: 20) { try get("/healthz").status == 200 } != nil, "\(daemon.log())")
        }
        return (folder, config, daemon)
    }

    // MARK: Scenarios

    @Test("drift is corrected within two intervals, foreign services survive, config edits arrive within a second")
    func correctsDriftAndFollowsTheFile() throws {
        let (_, config, daemon) = try start(options: ["--interval", "2"], waitForHealth: false)
        defer { daemon.stop() }
        _ = try ipvsadm("-A", "-t", "192.0.2.99:80", "-s", "rr")  // outside the scope: not lvsctl's
        #expect(try eventually(within: 20) { try get("/healthz").status == 200 } != nil, "\(daemon.log())")
        let converged = try table()
        #expect(converged.contains("-a -t 198.51.100.10:80 -r 203.0.113.11:8080 -m -w 1"), "\(converged)")

        for drift in [["-d", "-t", "198.51.100.10:80", "-r", "203.0.113.12:8080"],
                      ["-e", "-t", "198.51.100.10:80", "-r", "203.0.113.11:8080", "-m", "-w", "7"],
                      ["-D", "-u", "198.51.100.53:53"]] {
            // (Checking the drift is there would race the daemon's timer.)
            #expect(try inside("/usr/sbin/ipvsadm", drift).status == 0)
            let corrected = try eventually(within: 4.5) { try table() == converged }
            #expect(corrected != nil, "drift \(drift) not corrected:\n\((try? table()) ?? "")")
        }
        #expect(try table().contains("-A -t 192.0.2.99:80 -s rr"))

        // Edited in place.
        var start = Date().timeIntervalSince1970
        try Self.config(weight: 5).write(toFile: config, atomically: false, encoding: .utf8)
        #expect(try eventually(within: 5) { try table().contains("203.0.113.11:8080 -m -w 5") } != nil)
        let inPlace = try pickedUp(since: start)
        #expect(inPlace.map { $0 <= 1.0 } == true, "edited in place: picked up after \(String(describing: inPlace)) s")
        // Replaced by a rename.
        start = Date().timeIntervalSince1970
        try replace(config, with: Self.config(weight: 6))
        #expect(try eventually(within: 5) { try table().contains("203.0.113.11:8080 -m -w 6") } != nil)
        let renamed = try pickedUp(since: start)
        #expect(renamed.map { $0 <= 1.0 } == true, "replaced by rename: picked up after \(String(describing: renamed)) s")
        #expect(try metric("lvsctl_config_valid") == 1)
        #expect(try metric("lvsctl_reconcile_total{result=\"applied\"}").map { $0 >= 5 } == true)
        #expect(try metric("lvsctl_drift_changes_total{object=\"server\",action=\"update\"}").map { $0 >= 3 } == true)
        #expect(try metric("lvsctl_managed_services") == 2 && metric("lvsctl_managed_servers") == 3)
        #expect(try metric("lvsctl_ipvs_backend_weight{service=\"web\",local_address=\"198.51.100.10\",local_port=\"80\",local_mark=\"\",proto=\"TCP\",remote_address=\"203.0.113.11\",remote_port=\"8080\"}") != nil)
        let log = daemon.log()
        #expect(log.contains("msg=reconcile outcome=applied") || log.contains("msg=reconcile") && log.contains("outcome=applied"), "\(log)")
        #expect(log.contains("msg=change action=update object=server"), "\(log)")
    }

    @Test("a ConfigMap-style link swap is picked up within a second")
    func followsALinkSwap() throws {
        let folder = try temporaryFolder("lvsctl-daemon")
        // As the kubelet lays a ConfigMap out: lb.yaml → ..data/lb.yaml, ..data → ..v1, swapped by a rename.
        for (version, weight) in [("..v1", 1), ("..v2", 8)] {
            try FileManager.default.createDirectory(atPath: folder + "/" + version, withIntermediateDirectories: true)
            try Self.config(weight: weight).write(toFile: folder + "/\(version)/lb.yaml", atomically: false, encoding: .utf8)
        }
        #expect(symlink("..v1", folder + "/..data") == 0 && symlink("..data/lb.yaml", folder + "/lb.yaml") == 0)
        _ = try ipvsadm("-C")
        let daemon = try DaemonProcess(namespace: Self.namespace, arguments: ["reconcile", "-f", folder + "/lb.yaml", "--interval", "60",
                                                                              "--listen", "127.0.0.1:\(Self.port)",
                                                                              "--lock-file", folder + "/lock"])
        defer { daemon.stop() }
        #expect(try eventually(within: 20) { try table().contains("203.0.113.11:8080 -m -w 1") } != nil, "\(daemon.log())")
        let start = Date().timeIntervalSince1970
        #expect(symlink("..v2", folder + "/..data_tmp") == 0 && rename(folder + "/..data_tmp", folder + "/..data") == 0)
        #expect(try eventually(within: 5) { try table().contains("203.0.113.11:8080 -m -w 8") } != nil, "\(daemon.log())")
        let swapped = try pickedUp(since: start)
        #expect(swapped.map { $0 <= 1.0 } == true, "link swap: picked up after \(String(describing: swapped)) s\n\(daemon.log())")
    }

    @Test("an invalid config changes nothing and keeps the process up; put back or fixed, it converges; mass deletion is refused and counted")
    func invalidAndRefused() throws {
        let (_, config, daemon) = try start(options: ["--interval", "2"])
        defer { daemon.stop() }
        let converged = try table()

        try replace(config, with: "version: 1\nservices:\n  - { vip: 198.51.100.10, port: 80, scheduler: wrrr }\n")
        #expect(try eventually(within: 3) { try metric("lvsctl_config_valid") == 0 } != nil, "\(daemon.log())")
        _ = try inside("/usr/sbin/ipvsadm", ["-e", "-t", "198.51.100.10:80", "-r", "203.0.113.11:8080", "-m", "-w", "9"])
        // The last good config still holds: the drift is corrected against it.
        #expect(try eventually(within: 4.5) { try table() == converged } != nil)
        #expect(daemon.isRunning)
        #expect(daemon.log().contains("config invalid; keeping the last valid one"))
        #expect(daemon.log().contains("unknown scheduler 'wrrr'"))
        // Reported once, not again at each tick, nor at each event in its folder (where the
        // daemon's lock file is written every tick).
        usleep(2_500_000)
        #expect(daemon.log().components(separatedBy: "config invalid; keeping the last valid one").count == 2, "\(daemon.log())")
        // Put back as it was: valid again, though nothing changes.
        try replace(config, with: Self.config())
        #expect(try eventually(within: 3) { try metric("lvsctl_config_valid") == 1 } != nil, "\(daemon.log())")

        try replace(config, with: Self.config(weight: 4))
        #expect(try eventually(within: 3) { try table().contains("203.0.113.11:8080 -m -w 4") } != nil)
        #expect(try metric("lvsctl_config_valid") == 1)

        // Deleting both of two services: refused every tick, never applied.
        try replace(config, with: "version: 1\nscope: { vips: [198.51.100.0/24] }\nservices: []\n")
        #expect(try eventually(within: 5) { (try metric("lvsctl_reconcile_total{result=\"refused\"}") ?? 0) >= 2 } != nil,
                "\(daemon.log())")
        #expect(try table().contains("-A -t 198.51.100.10:80"))
        #expect(try metric("lvsctl_pending_changes").map { $0 > 0 } == true)
        #expect(daemon.log().contains("refusing a plan that deletes all 2 managed services"))
    }

    @Test("detect mode writes nothing and counts the drift; a second daemon on its address stops untouched; SIGHUP reconciles at once; SIGUSR1 and SIGUSR2 log the status; SIGTERM exits 0 promptly")
    func detectModeAndSignals() throws {
        let (folder, config, detect) = try start(options: ["--interval", "2", "--mode", "detect"])
        #expect(try table().isEmpty)
        #expect(try metric("lvsctl_pending_changes").map { $0 >= 5 } == true)
        let plan = try get("/plan")
        #expect(plan.status == 200 && plan.body.contains("198.51.100.10"), "\(plan)")
        // A second daemon on the same address stops before it touches the director.
        let second = try inside(lvsctlBinary, ["reconcile", "-f", config, "--listen", "127.0.0.1:\(Self.port)",
                                               "--lock-file", folder + "/lock"])
        #expect(second.status == 1)
        #expect(second.error.contains("cannot listen on 127.0.0.1:\(Self.port) (--listen): another process listens there"),
                "\(second.error)")
        #expect(try table().isEmpty)
        #expect(detect.stop() == 0)

        let daemon = try DaemonProcess(namespace: Self.namespace, arguments: ["reconcile", "-f", config, "--interval", "600",
                                                                              "--listen", "127.0.0.1:\(Self.port)",
                                                                              "--lock-file", folder + "/lock"])
        #expect(try eventually(within: 20) { try get("/healthz").status == 200 } != nil, "\(daemon.log())")
        let converged = try table()
        _ = try inside("/usr/sbin/ipvsadm", ["-D", "-t", "198.51.100.10:80"])
        daemon.signal(SIGHUP)
        // At once, not at the next tick ten minutes away; in the emulated VM "at once" can take
        // longer than a second, so the log says what woke the reconcile.
        #expect(try eventually(within: 5) { try table() == converged } != nil, "\(daemon.log())")
        #expect(daemon.log().contains("trigger=hangup"), "\(daemon.log())")

        // SIGUSR1 and SIGUSR2 log the status and leave the daemon running (stop() below exits 0).
        daemon.signal(SIGUSR1)
        daemon.signal(SIGUSR2)
        #expect(eventually(within: 3) { daemon.log().contains("signal=SIGUSR2") } != nil, "\(daemon.log())")
        #expect(daemon.log().contains("msg=status signal=SIGUSR1 status=\"converged, applied "), "\(daemon.log())")

        // While someone else holds the lock, a tick is skipped and says why. (The daemon holds it
        // until its reconcile has read the kernel again after the writes.)
        let held = open(folder + "/lock", O_RDWR | O_CREAT, 0o644)
        #expect(eventually(within: 5) { flock(held, LOCK_EX | LOCK_NB) == 0 } != nil)
        daemon.signal(SIGHUP)
        #expect(eventually(within: 3) { daemon.log().contains("skipping this reconcile") }  != nil)
        close(held)

        let started = Date()
        #expect(daemon.stop() == 0)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(daemon.log().contains("msg=stopping"))
    }

    @Test("/healthz turns 503 when reconciling keeps failing; /metrics passes promtool; sd_notify messages arrive")
    func healthMetricsAndNotify() throws {
        let notifyPath = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)").path
        let socket = try NotifySocket(path: notifyPath)
        let (_, config, daemon) = try start(options: ["--interval", "1"],
                                            environment: ["NOTIFY_SOCKET": notifyPath, "WATCHDOG_USEC": "2000000"])
        #expect(eventually(within: 5) { socket.received.contains("READY=1") } != nil, "\(socket.received)")
        #expect(eventually(within: 3) { socket.received.contains("WATCHDOG=1") } != nil, "\(socket.received)")
        #expect(socket.received.contains { $0.hasPrefix("STATUS=converged") }, "\(socket.received)")

        let metrics = try get("/metrics").body
        let promtool = try run("/usr/bin/promtool", ["check", "metrics"], input: metrics)
        #expect(promtool.status == 0, "promtool: \(promtool.output)\(promtool.error)")
        // Sent as it is rendered: chunked to HTTP/1.1, up to the close to HTTP/1.0.
        for (version, framing) in [("--http1.1", "transfer-encoding: chunked"), ("--http1.0", "connection: close")] {
            let response = try inside("/usr/bin/curl", ["-s", "-i", version, "-m", "5", "http://127.0.0.1:\(Self.port)/metrics"]).output
            #expect(response.lowercased().contains(framing + "\r\n"), "\(version): \(response.prefix(300))")
            #expect(response.contains("\nlvsctl_ipvs_backend_weight{service=\"web\""), "\(version): \(response)")
        }

        // A scheduler no kernel module provides: every write fails from now on.
        try Self.config().replacingOccurrences(of: "scheduler: rr", with: "scheduler: nosuch")
            .replacingOccurrences(of: "version: 1", with: "version: 1\nextra_schedulers: [nosuch]")
            .write(toFile: config, atomically: false, encoding: .utf8)
        let unhealthy = try eventually(within: 8) { try get("/healthz").status == 503 }
        #expect(unhealthy != nil, "\(daemon.log())")
        #expect(try get("/healthz").body.contains("last problem"))
        #expect(try metric("lvsctl_reconcile_total{result=\"failed\"}").map { $0 >= 2 } == true)
        #expect(daemon.stop() == 0)
        #expect(eventually(within: 2) { socket.received.contains("STOPPING=1") } != nil, "\(socket.received)")
    }

    @Test("--once: exit 0 when converged, 1 when the plan is refused")
    func once() throws {
        let folder = try temporaryFolder("lvsctl-daemon")
        let config = folder + "/lb.yaml"
        try Self.config().write(toFile: config, atomically: false, encoding: .utf8)
        _ = try ipvsadm("-C")
        let lock = ["--lock-file", folder + "/lock"]
        #expect(try inside(lvsctlBinary, ["reconcile", "-f", config, "--once"] + lock).status == 0)
        #expect(try table().contains("-A -t 198.51.100.10:80"))
        try "version: 1\nscope: { vips: [198.51.100.0/24] }\nservices: []\n".write(toFile: config, atomically: false, encoding: .utf8)
        let refused = try inside(lvsctlBinary, ["reconcile", "-f", config, "--once"] + lock)
        #expect(refused.status == 1)
        #expect(refused.error.contains("refusing a plan"))
        #expect(try inside(lvsctlBinary, ["reconcile", "-f", folder + "/missing.yaml", "--once"] + lock).status == 1)
    }
}

/// The daemon under test (lvsctl, unless `executable` says otherwise), started in `namespace`,
/// its output kept in a file.
final class DaemonProcess {
    private let process = Process()
    private let logPath: String

    init(namespace: String, executable: String = lvsctlBinary, arguments: [String], environment: [String: String] = [:]) throws {
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("lvsctl-daemon-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace, executable] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    var pid: pid_t { process.processIdentifier }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// SIGTERM, then waits for the exit; its status (-1 if it had to be killed).
    @discardableResult
    func stop() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        signal(SIGTERM)
        eventually(within: 10) { !process.isRunning }
        if process.isRunning {
            signal(SIGKILL)
            process.waitUntilExit()
            return -1
        }
        return process.terminationStatus
    }

    deinit { if process.isRunning { stop() } }
}

/// A datagram socket standing in for systemd's notification socket.
final class NotifySocket: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var messages: [String] = []

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { target in
            for (index, byte) in path.utf8.enumerated() { target[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                guard n > 0 else { return }
                let lines = String(decoding: buffer.prefix(n), as: UTF8.self).split(separator: "\n").map(String.init)
                lock.withLock { messages += lines }
            }
        }
    }

    /// Every field received so far (`READY=1`, `STATUS=…`), in order.
    var received: [String] { lock.withLock { messages } }
}
