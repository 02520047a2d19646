import Foundation
import Glibc
import Testing

/// Health checks with real traffic, inside the test VM: the reconcile daemon runs in the
/// director's namespace and checks HTTP servers in theirs, while a client keeps sending requests
/// through the VIP. Servers are killed, revived, disabled and restarted around it; the table,
/// the answers and the timing are checked against the limits of docs/operations.md.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LVSCTL_KERNEL_TESTS"] == "1",
                             "needs a kernel with IPVS: runs in the VM"))
struct HealthKernelTests {
    static let director = TrafficKernelTests.director
    static let client = TrafficKernelTests.client
    static let port = 19744
    /// Checks every second, two results in a row decide: a verdict within 2 s, applied at once.
    static let interval = 1.0, rise = 2.0, fall = 2.0

    // MARK: Helpers

    /// Requests sent one after another from the client until stopped, each answer with the time
    /// its batch started.
    final class ClientLoop: @unchecked Sendable {
        private let lock = NSLock()
        private var answers: [(started: Date, answer: String?)] = []
        private var running = true
        private let done = DispatchSemaphore(value: 0)

        init(namespace: String, url: String) {
            Thread.detachNewThread { [self] in
                while lock.withLock({ running }) {
                    let started = Date()
                    let tally = sendRequests(namespace: namespace, Array(repeating: url, count: 4))
                    lock.withLock { answers += tally.answers.map { (started, $0) } }
                }
                done.signal()
            }
        }

        /// The answers to requests sent at or after `since`.
        func answers(since: Date) -> Tally {
            Tally(answers: lock.withLock { answers.filter { $0.started >= since }.map(\.answer) })
        }

        func stop() {
            lock.withLock { running = false }
            done.wait()
        }
    }

    private func daemon(_ topology: Topology, _ file: String) throws -> DaemonProcess {
        try DaemonProcess(namespace: topology.namespace(Self.director), arguments: [
            "reconcile", "-f", file, "--interval", "30", "--listen", "127.0.0.1:\(Self.port)",
            "--state-dir", topology.folder.appendingPathComponent("state").path,
            "--lock-file", topology.folder.appendingPathComponent("lock").path,
        ])
    }

    /// The weight the director's kernel gives `server` (IPv4 `ADDRESS:PORT`) in its services; nil
    /// when absent. Read from `/proc/PID/net/ip_vs` of the daemon, which runs in the director's
    /// namespace: no process per look, so a poll costs milliseconds and the times measured with it
    /// are the daemon's, not an `ipvsadm` start-up's in the emulated VM.
    private func weight(_ daemon: DaemonProcess?, _ server: String) -> Int? {
        guard let daemon, let colon = server.lastIndex(of: ":"), let port = UInt16(server[server.index(after: colon)...]) else { return nil }
        let octets = server[..<colon].split(separator: ".").compactMap { UInt8($0) }
        let key = octets.map { String(format: "%02X", $0) }.joined() + ":" + String(format: "%04X", port)
        // Read to the end: a one-read of procfs stops at a page.
        guard let data = FileHandle(forReadingAtPath: "/proc/\(daemon.pid)/net/ip_vs")?.readDataToEndOfFile() else { return nil }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count >= 4, fields[0] == "->", fields[1] == key { return Int(fields[3]) }
        }
        return nil
    }

    private func get(_ topology: Topology, _ path: String) -> String {
        (try? topology.exec(Self.director, TrafficTool.curl, ["-s", "-m", "5", "http://127.0.0.1:\(Self.port)\(path)"]))?.output ?? ""
    }

    private func lvsctl(_ topology: Topology, _ arguments: [String]) throws -> Run {
        try topology.exec(Self.director, lvsctlBinary, arguments + ["--state-dir", topology.folder.appendingPathComponent("state").path])
    }


    // MARK: Scenarios

    @Test("NAT: a dead server leaves rotation within fall × interval + 1 s and comes back within rise × interval + 1 s; disable drains without a failed request; a restart keeps a down server out; all down: the sorry server answers")
    func natFailover() throws {
        let servers = ["rs1", "rs2", "rs3", "sorry"]
        let topology = try Topology.routed(servers: servers)
        defer { topology.tearDown() }
        for server in servers { try topology.startHTTP(on: server, ports: [8080]) }
        let file = try topology.configFile("""
            version: 1
            director: { address: 203.0.113.1, ip_forward: true }
            services:
              - name: web
                vip: 198.51.100.10
                port: 80
                scheduler: rr
                forward: nat
                check: { type: http, path: /, interval: 1s, timeout: 500ms, rise: 2, fall: 2 }
                sorry_server: 203.0.113.14:8080
                servers: ["203.0.113.11:8080", "203.0.113.12:8080", "203.0.113.13:8080"]

            """)
        for server in servers {
            _ = try topology.exec(server, TrafficTool.ip, ["route", "add", "default", "via", "203.0.113.1"])
        }
        var daemon = try self.daemon(topology, file)
        defer { daemon.stop() }
        let all = ["203.0.113.11:8080", "203.0.113.12:8080", "203.0.113.13:8080"]
        try #require(eventually(within: 20) { all.allSatisfy { weight(daemon, $0) == 1 } } != nil, "\(topology.directorTable())\n\(daemon.log())")
        // Every server has passed its first check.
        try #require(eventually(within: 10) { get(topology, "/health").components(separatedBy: "\"verdict\":\"healthy\"").count == 4 } != nil,
                     "\(get(topology, "/health"))")
        let client = ClientLoop(namespace: topology.namespace(Self.client), url: "http://198.51.100.10/")
        defer { client.stop() }

        // A server's HTTP process dies.
        topology.stopHTTP(on: "rs1")
        let out = eventually(within: 10) { weight(daemon, all[0]) == 0 }
        let deciding = Self.fall * Self.interval + 1
        #expect(out != nil && out! <= deciding, "rs1 left rotation after \(out.map { "\($0) s" } ?? "more than 10 s"), limit \(deciding) s\n\(daemon.log())")
        let quiesced = Date()
        usleep(3_000_000)
        let afterOut = client.answers(since: quiesced)
        #expect(afterOut.failures == 0 && afterOut.counts["rs1"] == nil && afterOut.answers.count > 0,
                "after rs1 was quiesced: \(afterOut)\n\(topology.directorTable())")
        #expect(daemon.log().contains("failing http check"), "the change's reason is not in the log:\n\(daemon.log())")
        #expect(get(topology, "/metrics").contains("lvsctl_backend_up{service=\"web\",address=\"203.0.113.11\",port=\"8080\"} 0"))

        // It comes back.
        try topology.startHTTP(on: "rs1", ports: [8080])
        let back = eventually(within: 10) { weight(daemon, all[0]) == 1 }
        let rising = Self.rise * Self.interval + 1
        #expect(back != nil && back! <= rising, "rs1 came back after \(back.map { "\($0) s" } ?? "more than 10 s"), limit \(rising) s")
        // From each deciding check to the kernel write: a reconcile of its own, not the next tick,
        // with no wait for a thread to read on. Its log line follows the write.
        let reactions = {
            daemon.log().split(separator: "\n").compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("health_reaction_seconds=") }.flatMap { Double($0.split(separator: "=")[1]) }
            }
        }
        _ = eventually(within: 2) { reactions().count == 2 }
        let reacted = reactions()
        #expect(reacted.count == 2 && reacted.allSatisfy { $0 < 0.5 }, "health reactions: \(reacted)\n\(daemon.log())")
        print("health reaction (deciding check to kernel write), out and back, seconds:", reacted)
        let readmitted = Date()
        // The client's batches take a second or more in the emulated VM: wait for one that began after.
        let served = eventually(within: 8) { client.answers(since: readmitted).counts["rs1", default: 0] > 0 }
        #expect(served != nil, "rs1 gets no requests after it came back: \(client.answers(since: readmitted))")

        // An operator drains rs2: not one request fails.
        let draining = Date()
        let disabled = try lvsctl(topology, ["server", "disable", all[1], "--reason", "kernel update"])
        #expect(disabled.status == 0, "\(disabled.output)\(disabled.error)")
        #expect(eventually(within: 3) { weight(daemon, all[1]) == 0 } != nil, "\(topology.directorTable())")
        let listed = try lvsctl(topology, ["server", "list", "-f", file])
        #expect(listed.output.contains("disabled by an operator: kernel update"), "\(listed.output + listed.error)")
        #expect(try lvsctl(topology, ["server", "enable", all[1]]).status == 0)
        #expect(eventually(within: 3) { weight(daemon, all[1]) == 1 } != nil, "\(topology.directorTable())")
        usleep(1_000_000)
        let duringDrain = client.answers(since: draining)
        #expect(duringDrain.failures == 0, "requests failed while rs2 was drained and put back: \(duringDrain)")

        // A manual plan and apply use the daemon's health: with rs2 down, apply keeps it out.
        topology.stopHTTP(on: "rs2")
        try #require(eventually(within: 10) { weight(daemon, all[1]) == 0 } != nil, "\(topology.directorTable())")
        let plan = try lvsctl(topology, ["plan", "-f", file, "--detailed-exitcode"])
        #expect(plan.status == 0, "a manual plan would change the table: \(plan.output)\(plan.error)")

        // The daemon restarts while rs2 is down: rs2 never comes back in meanwhile.
        #expect(daemon.stop() == 0)
        daemon = try self.daemon(topology, file)
        var flapped = false
        _ = eventually(within: 4) {
            // nil in the instant before `ip netns exec` enters the namespace: not a flap.
            if let weight = weight(daemon, all[1]), weight != 0 { flapped = true }
            return false
        }
        #expect(!flapped, "rs2 was put back in while the daemon restarted\n\(daemon.log())")
        try #require(eventually(within: 10) { get(topology, "/healthz").hasPrefix("ok") } != nil, "\(daemon.log())")

        // Every server down: the sorry server takes the traffic.
        topology.stopHTTP(on: "rs1")
        topology.stopHTTP(on: "rs3")
        let sorry = eventually(within: 10) { weight(daemon, "203.0.113.14:8080") != nil }
        #expect(sorry != nil && sorry! <= deciding, "the sorry server came in after \(sorry.map { "\($0) s" } ?? "more than 10 s")\n\(topology.directorTable())")
        print("NAT failover (limits \(deciding) s out, \(rising) s back), seconds: out", out ?? -1, "back", back ?? -1, "sorry", sorry ?? -1)
        let sorryIn = Date()
        // A batch of requests that met the dead servers ends at curl's timeouts; the next ones count.
        usleep(6_000_000)
        let answered = client.answers(since: sorryIn)
        #expect(answered.failures == 0 && answered.distinct == ["sorry"], "below quorum: \(answered)\n\(topology.directorTable())")
        #expect(get(topology, "/metrics").contains("lvsctl_service_quorum_up{service=\"web\"} 0"))
    }

    @Test("DR with tcp checks: a dead server is quiesced; with every server down and no sorry server, all stay in (fail-open)")
    func directRoutingFailOpen() throws {
        let servers = ["rs1", "rs2", "rs3"]
        let topology = try Topology.flat(servers: servers)
        defer { topology.tearDown() }
        for server in servers { try topology.startHTTP(on: server, ports: [80]) }
        let file = try topology.configFile("""
            version: 1
            services:
              - name: web
                vip: 198.51.100.10
                port: 80
                scheduler: rr
                forward: dr
                check: { type: tcp, interval: 1s, timeout: 500ms, rise: 2, fall: 2 }
                servers: [198.51.100.11, 198.51.100.12, 198.51.100.13]

            """)
        for (index, server) in servers.enumerated() {
            let applied = try topology.exec(server, lvsctlBinary, ["rs", "apply", "-f", file, "--node", "198.51.100.\(11 + index)", "--yes"])
            try #require(applied.status == 0, "\(applied.output)\(applied.error)")
        }
        let daemon = try self.daemon(topology, file)
        defer { daemon.stop() }
        let all = ["198.51.100.11:80", "198.51.100.12:80", "198.51.100.13:80"]
        try #require(eventually(within: 20) { all.allSatisfy { weight(daemon, $0) == 1 } } != nil, "\(topology.directorTable())\n\(daemon.log())")
        try #require(eventually(within: 10) { get(topology, "/health").components(separatedBy: "\"verdict\":\"healthy\"").count == 4 } != nil)
        let client = ClientLoop(namespace: topology.namespace(Self.client), url: "http://198.51.100.10/")
        defer { client.stop() }

        topology.stopHTTP(on: "rs1")
        let out = eventually(within: 10) { weight(daemon, all[0]) == 0 }
        #expect(out != nil && out! <= Self.fall * Self.interval + 1, "rs1 left after \(String(describing: out)) s\n\(daemon.log())")
        let quiesced = Date()
        usleep(3_000_000)
        let after = client.answers(since: quiesced)
        #expect(after.failures == 0 && after.counts["rs1"] == nil && after.answers.count > 0, "\(after)\n\(topology.directorTable())")

        // Below quorum (one healthy server) with no sorry server: every server stays in.
        topology.stopHTTP(on: "rs2")
        topology.stopHTTP(on: "rs3")
        #expect(eventually(within: 10) { get(topology, "/metrics").contains("lvsctl_service_quorum_up{service=\"web\"} 0") } != nil,
                "\(get(topology, "/metrics"))")
        #expect(eventually(within: 5) { all.allSatisfy { weight(daemon, $0) == 1 } } != nil,
                "fail-open did not keep every server in:\n\(topology.directorTable())\n\(daemon.log())")
        #expect(daemon.log().contains("fails open"), "\(daemon.log())")
    }

    @Test("https with a self-signed certificate, dns against a resolver in a namespace, exec: each decides the server's weight")
    func probeKinds() throws {
        let topology = try Topology.routed(servers: ["rs1"])
        defer { topology.tearDown() }
        let folder = topology.folder.path
        // A self-signed certificate, an HTTPS server, a DNS responder: all in rs1's namespace.
        let key = folder + "/key.pem", certificate = folder + "/cert.pem"
        let made = try run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                                "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=rs1.example.org"])
        try #require(made.status == 0, "\(made.error)")
        let https = try Background(topology, "rs1", "/usr/bin/openssl", ["s_server", "-quiet", "-accept", "8443", "-cert", certificate,
                                                                        "-key", key, "-www"])
        defer { https.stop() }
        let responder = folder + "/dns.py"
        try Self.dnsResponder.write(toFile: responder, atomically: true, encoding: .utf8)
        let dns = try Background(topology, "rs1", "/usr/bin/python3", [responder])
        defer { dns.stop() }
        let flag = folder + "/healthy"
        // Each service has a second server, unchecked, so that its checked one is never the last
        // healthy one (which fail-open would keep in).
        let file = try topology.configFile("""
            version: 1
            director: { address: 203.0.113.1 }
            defaults: { forward: nat }
            services:
              - { name: tls-unverified, vip: 198.51.100.10, port: 443, servers: ["203.0.113.11:8443", { address: 203.0.113.12, port: 8443, check: none }],
                  check: { type: https, verify: false, interval: 1s, timeout: 800ms, rise: 1, fall: 1 } }
              - { name: tls-verified, vip: 198.51.100.11, port: 443, servers: ["203.0.113.11:8443", { address: 203.0.113.12, port: 8443, check: none }],
                  check: { type: https, server_name: rs1.example.org, interval: 1s, timeout: 800ms, rise: 1, fall: 1 } }
              - { name: dns-known, vip: 198.51.100.10, protocol: udp, port: 53, servers: ["203.0.113.11:53", { address: 203.0.113.12, port: 53, check: none }],
                  check: { type: dns, query: ok.example.org, interval: 1s, timeout: 500ms, rise: 1, fall: 1 } }
              - { name: dns-unknown, vip: 198.51.100.11, protocol: udp, port: 53, servers: ["203.0.113.11:53", { address: 203.0.113.12, port: 53, check: none }],
                  check: { type: dns, query: missing.example.org, interval: 1s, timeout: 500ms, rise: 1, fall: 1 } }
              - { name: flag, vip: 198.51.100.12, port: 80, servers: ["203.0.113.11:80", { address: 203.0.113.12, port: 80, check: none }],
                  check: { type: exec, command: [/usr/bin/test, -e, "\(flag)"], interval: 1s, timeout: 500ms, rise: 1, fall: 1 } }

            """)
        let daemon = try self.daemon(topology, file)
        defer { daemon.stop() }
        func weights() -> [String: Int?] {
            let listing = topology.directorTable()
            var result: [String: Int?] = [:]
            var service = ""
            for line in listing.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count >= 2, fields[0] == "TCP" || fields[0] == "UDP" { service = "\(fields[0]) \(fields[1])" }
                if fields.count >= 4, fields[0] == "->", fields[1].hasPrefix("203.0.113.11:") { result[service] = Int(fields[3]) }
            }
            return result
        }
        let expected: [String: Int?] = ["TCP 198.51.100.10:443": 1, "TCP 198.51.100.11:443": 0, "UDP 198.51.100.10:53": 1,
                                        "UDP 198.51.100.11:53": 0, "TCP 198.51.100.12:80": 0]
        #expect(eventually(within: 20) { weights() == expected } != nil,
                "weights \(weights()), expected \(expected)\n\(get(topology, "/health"))\n\(daemon.log())")
        let health = get(topology, "/health")
        #expect(health.contains("certificate") && health.contains("NXDOMAIN"), "\(health)")

        // The exec check's file appears: the server comes in.
        try #require(FileManager.default.createFile(atPath: flag, contents: nil), "cannot create \(flag)")
        #expect(eventually(within: 5) { weights()["TCP 198.51.100.12:80"] == .some(1) } != nil, "\(weights())\n\(daemon.log())")
    }

    @Test("director.announce: the VIP leaves the announce device while its servers all fail, comes back with them, and goes when the daemon stops")
    func announcement() throws {
        let topology = try Topology.routed(servers: ["rs1"])
        defer { topology.tearDown() }
        try topology.startHTTP(on: "rs1", ports: [8080])
        let file = try topology.configFile("""
            version: 1
            director: { address: 203.0.113.1, announce: { interface: lvs-announce } }
            services:
              - { name: web, vip: 198.51.100.10, port: 80, forward: nat, servers: ["203.0.113.11:8080"],
                  check: { type: tcp, interval: 1s, timeout: 500ms, rise: 1, fall: 1 } }

            """)
        var daemon: DaemonProcess? = try self.daemon(topology, file)
        defer { daemon?.stop() }
        func announced() -> Bool {
            let shown = (try? topology.exec(Self.director, TrafficTool.ip, ["-o", "address", "show", "dev", "lvs-announce"]))?.output ?? ""
            return shown.contains("198.51.100.10/32")
        }
        #expect(eventually(within: 20) { announced() } != nil, "\(daemon?.log() ?? "")")
        topology.stopHTTP(on: "rs1")
        #expect(eventually(within: 5) { !announced() } != nil, "the VIP stays announced with its only server failing")
        #expect(weight(daemon, "203.0.113.11:8080") == 1, "fail-open keeps the server in the table")
        try topology.startHTTP(on: "rs1", ports: [8080])
        #expect(eventually(within: 5) { announced() } != nil, "the VIP is not announced again")
        #expect(daemon?.stop() == 0)
        daemon = nil
        #expect(!announced(), "the VIP is still announced after the daemon stopped")
    }

    /// Answers A queries for ok.example.org with 192.0.2.1 and every other name with NXDOMAIN, on
    /// UDP port 53 of every address.
    static let dnsResponder = """
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 53))
        while True:
            data, peer = s.recvfrom(512)
            if len(data) < 12:
                continue
            end = data.index(0, 12) + 5
            labels, i = [], 12
            while data[i]:
                labels.append(data[i + 1:i + 1 + data[i]].decode()); i += 1 + data[i]
            name = ".".join(labels).lower()
            if name == "ok.example.org":
                header = data[:2] + bytes([0x81, 0x80]) + data[4:6] + b"\\x00\\x01\\x00\\x00\\x00\\x00"
                answer = b"\\xc0\\x0c\\x00\\x01\\x00\\x01\\x00\\x00\\x00\\x3c\\x00\\x04" + bytes([192, 0, 2, 1])
                s.sendto(header + data[12:end] + answer, peer)
            else:
                header = data[:2] + bytes([0x81, 0x83]) + data[4:6] + b"\\x00\\x00\\x00\\x00\\x00\\x00"
                s.sendto(header + data[12:end], peer)

        """

    /// A program run in a node's namespace until stopped.
    final class Background {
        private let process = Process()

        init(_ topology: Topology, _ node: String, _ executable: String, _ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: TrafficTool.ip)
            process.arguments = ["netns", "exec", topology.namespace(node), executable] + arguments
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(500_000)
        }

        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }
}
