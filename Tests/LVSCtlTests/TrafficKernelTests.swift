import Foundation
import Testing

/// Real requests through the VIP, inside the test VM (`LVSCTL_KERNEL_TESTS=1`). Each test builds
/// its own network (see `Topology`): a client, a director and real servers in namespaces, the
/// servers answering HTTP with their names. The director is configured only by `lvsctl apply`
/// run in its namespace, each real server only by `lvsctl rs apply`; the test writes links,
/// addresses and routes, and then counts which server answered the client's requests.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LVSCTL_KERNEL_TESTS"] == "1",
                             "needs a kernel with IPVS: runs in the VM"))
struct TrafficKernelTests {
    static let director = "director"
    static let client = "client"

    // MARK: lvsctl

    /// `lvsctl apply -f FILE --yes` in the director's namespace, which must succeed; then
    /// `lvsctl plan --detailed-exitcode` there must find nothing left to do.
    @discardableResult
    private func applyDirector(_ topology: Topology, _ file: String, _ extra: String...) throws -> Run {
        let applied = try topology.exec(Self.director, lvsctlBinary, ["apply", "-f", file, "--yes"] + extra)
        try #require(applied.status == 0, "lvsctl apply -f \(file) --yes \(extra.joined(separator: " ")) exited \(applied.status):\n\(applied.output)\(applied.error)")
        let again = try topology.exec(Self.director, lvsctlBinary, ["plan", "-f", file, "--detailed-exitcode"])
        #expect(again.status == 0, "second plan on the director is not empty (exit \(again.status)):\n\(again.output)\(again.error)")
        return applied
    }

    /// `lvsctl rs apply -f FILE --node ADDRESS --yes` in the server's namespace, which must
    /// succeed; then `lvsctl rs plan` there must report no changes.
    private func applyServer(_ topology: Topology, _ server: String, _ file: String, node address: String) throws {
        let applied = try topology.exec(server, lvsctlBinary, ["rs", "apply", "-f", file, "--node", address, "--yes"])
        try #require(applied.status == 0, "\(server): lvsctl rs apply -f \(file) --node \(address) --yes exited \(applied.status):\n\(applied.output)\(applied.error)")
        let again = try topology.exec(server, lvsctlBinary, ["rs", "plan", "-f", file, "--node", address])
        #expect(again.status == 0 && again.output.contains("No changes."),
                "\(server): second rs plan --node \(address) reports changes (exit \(again.status)):\n\(again.output)\(again.error)")
    }

    /// Serves HTTP on `ports` of every server, writes `yaml`, and sets up each server and then
    /// the director with lvsctl alone. Server i is at `prefix` + (11 + i), as `routed` and `flat`
    /// number them. Returns the config file.
    @discardableResult
    private func deploy(_ topology: Topology, servers: [String], ports: [Int], nodes prefix: String,
                        _ yaml: String) throws -> String {
        for server in servers { try topology.startHTTP(on: server, ports: ports) }
        let file = try topology.configFile(yaml)
        for (index, server) in servers.enumerated() { try applyServer(topology, server, file, node: "\(prefix)\(11 + index)") }
        try applyDirector(topology, file)
        return file
    }


    private func urls(_ url: String, _ count: Int) -> [String] { Array(repeating: url, count: count) }

    // MARK: Scenarios

    @Test("NAT with port mapping: VIP:80 to the servers' :8080, round-robin evenly")
    func natPortMapping() throws {
        let servers = ["rs1", "rs2"]
        let topology = try Topology.routed(servers: servers)
        defer { topology.tearDown() }
        try deploy(topology, servers: servers, ports: [8080], nodes: "203.0.113.", """
            version: 1
            director: { address: 203.0.113.1, ip_forward: true }
            services:
              - name: web
                vip: 198.51.100.10
                protocol: tcp
                port: 80
                scheduler: rr
                forward: nat
                servers:
                  - { address: 203.0.113.11, port: 8080 }
                  - { address: 203.0.113.12, port: 8080 }

            """)

        let tally = topology.requests(from: Self.client, urls("http://198.51.100.10/", 40))
        #expect(tally.failures == 0, "\(tally)\n\(topology.directorTable())")
        #expect(tally.distinct == ["rs1", "rs2"], "\(tally)")
        #expect(abs(tally.counts["rs1", default: 0] - tally.counts["rs2", default: 0]) <= 1, "rr is not even: \(tally)")
    }

    @Test("DR with wrr 3:1: three quarters of the requests reach the heavier server")
    func directRoutingWeighted() throws {
        let servers = ["rs1", "rs2"]
        let topology = try Topology.flat(servers: servers)
        defer { topology.tearDown() }
        try deploy(topology, servers: servers, ports: [80], nodes: "198.51.100.", """
            version: 1
            services:
              - name: web
                vip: 198.51.100.10
                port: 80
                scheduler: wrr
                forward: dr
                servers:
                  - { address: 198.51.100.11, weight: 3 }
                  - { address: 198.51.100.12, weight: 1 }

            """)

        let tally = topology.requests(from: Self.client, urls("http://198.51.100.10/", 400))
        #expect(tally.failures == 0, "\(tally)\n\(topology.directorTable())")
        let share = Double(tally.counts["rs1", default: 0]) / Double(max(tally.answers.count, 1))
        #expect(abs(share - 0.75) <= 0.07, "rs1 (weight 3) got \(Int(share * 100))%: \(tally)")
    }

    @Test("TUN (ipip): every server answers, through its tunnel")
    func tunnel() throws {
        let servers = ["rs1", "rs2"]
        let topology = try Topology.flat(servers: servers)
        defer { topology.tearDown() }
        try deploy(topology, servers: servers, ports: [80], nodes: "198.51.100.", """
            version: 1
            services:
              - name: web
                vip: 198.51.100.10
                port: 80
                scheduler: rr
                forward: tun
                tunnel: ipip
                servers: [ 198.51.100.11, 198.51.100.12 ]

            """)

        let tally = topology.requests(from: Self.client, urls("http://198.51.100.10/", 20))
        #expect(tally.failures == 0, "\(tally)\n\(topology.directorTable())")
        #expect(tally.distinct == Set(servers), "\(tally)")
        for server in servers {
            let received = try topology.exec(server, "/usr/bin/cat", ["/sys/class/net/tunl0/statistics/rx_packets"])
            #expect((Int(received.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0,
                    "\(server): nothing came in on tunl0 (\(received.output)\(received.error))")
        }
    }

    @Test("fwmark bundling :80 and :8080 with persistence: a client keeps its server on both ports")
    func firewallMarkBundle() throws {
        let servers = ["rs1", "rs2"]
        // A second client address: persistence is per client, and rr gives the second one the other server.
        let topology = try Topology.flat(servers: servers, extraClientAddresses: ["198.51.100.3/24"])
        defer { topology.tearDown() }
        try deploy(topology, servers: servers, ports: [80, 8080], nodes: "198.51.100.", """
            version: 1
            services:
              - name: web-bundle
                fwmark: 10
                match: { vip: 198.51.100.10, protocol: tcp, ports: [80, 8080] }
                scheduler: rr
                persistence: { timeout: 300 }
                forward: dr
                servers: [ 198.51.100.11, 198.51.100.12 ]

            """)

        let bothPorts = Array(repeating: ["http://198.51.100.10/", "http://198.51.100.10:8080/"], count: 5).flatMap { $0 }
        let first = topology.requests(from: Self.client, bothPorts, source: "198.51.100.2")
        let second = topology.requests(from: Self.client, bothPorts, source: "198.51.100.3")
        #expect(first.failures == 0 && second.failures == 0, "\(first); \(second)\n\(topology.directorTable())")
        #expect(first.distinct.count == 1, "198.51.100.2 moved between servers: \(first.answers)")
        #expect(second.distinct.count == 1, "198.51.100.3 moved between servers: \(second.answers)")
        #expect(first.distinct.union(second.distinct) == Set(servers), "both clients on one server: \(first); \(second)")
    }

    @Test("sh: one client always reaches the same server")
    func sourceHashing() throws {
        let servers = ["rs1", "rs2"]
        let topology = try Topology.routed(servers: servers)
        defer { topology.tearDown() }
        try deploy(topology, servers: servers, ports: [80], nodes: "203.0.113.", """
            version: 1
            director: { address: 203.0.113.1, ip_forward: true }
            services:
              - name: web
                vip: 198.51.100.10
                port: 80
                scheduler: sh
                forward: nat
                servers: [ 203.0.113.11, 203.0.113.12 ]

            """)

        let tally = topology.requests(from: Self.client, urls("http://198.51.100.10/", 20))
        #expect(tally.failures == 0, "\(tally)\n\(topology.directorTable())")
        #expect(tally.distinct.count == 1, "\(tally)")
    }

    @Test("FULLNAT: servers with no route to the client still answer")
    func fullNAT() throws {
        let servers = ["rs1", "rs2"]
        let topology = try Topology.routed(servers: servers)
        defer { topology.tearDown() }
        try deploy(topology, servers: servers, ports: [80], nodes: "203.0.113.", """
            version: 1
            director: { address: 203.0.113.1, ip_forward: true }
            services:
              - name: web
                vip: 198.51.100.10
                port: 80
                scheduler: rr
                forward: fullnat
                servers: [ 203.0.113.11, 203.0.113.12 ]

            """)
        for server in servers {
            let route = try topology.exec(server, TrafficTool.ip, ["route", "get", "198.51.100.2"])
            #expect(route.status != 0, "\(server) has a route to the client after rs apply: \(route.output)")
        }

        let tally = topology.requests(from: Self.client, urls("http://198.51.100.10/", 20))
        #expect(tally.failures == 0, "\(tally)\n\(topology.directorTable())")
        #expect(tally.distinct == Set(servers), "\(tally)")
    }

    @Test("IPv6 NAT: requests over IPv6 reach every server")
    func ipv6NAT() throws {
        let servers = ["rs1", "rs2"]
        let topology = try Topology.routed(servers: servers, ipv4: false, ipv6: true)
        defer { topology.tearDown() }
        try deploy(topology, servers: servers, ports: [8080], nodes: "2001:db8:2::", """
            version: 1
            director: { address: "2001:db8:2::1", ip_forward: true }
            services:
              - name: web6
                vip: "2001:db8:10::10"
                port: 80
                scheduler: rr
                forward: nat
                servers:
                  - { address: "2001:db8:2::11", port: 8080 }
                  - { address: "2001:db8:2::12", port: 8080 }

            """)

        let tally = topology.requests(from: Self.client, urls("http://[2001:db8:10::10]/", 20))
        #expect(tally.failures == 0, "\(tally)\n\(topology.directorTable())")
        #expect(tally.distinct == Set(servers), "\(tally)")
    }

    @Test("draining a server out while a client sends requests loses none of them")
    func drainUnderLoad() throws {
        let servers = ["rs1", "rs2", "rs3"]
        let topology = try Topology.routed(servers: servers)
        defer { topology.tearDown() }
        func config(_ addresses: [String]) -> String {
            """
            version: 1
            director: { address: 203.0.113.1, ip_forward: true, expire_nodest_conn: true }
            services:
              - name: web
                vip: 198.51.100.10
                port: 80
                scheduler: rr
                forward: nat
                servers:
            \(addresses.map { "      - { address: \($0), port: 8080 }" }.joined(separator: "\n"))

            """
        }
        try deploy(topology, servers: servers, ports: [8080], nodes: "203.0.113.",
                   config(["203.0.113.11", "203.0.113.12", "203.0.113.13"]))
        let withoutThird = try topology.configFile(config(["203.0.113.11", "203.0.113.12"]))

        let load = RequestLoop(namespace: topology.namespace(Self.client), url: "http://198.51.100.10/")
        load.start()
        defer { load.stop() }
        // Every server takes traffic before the drain starts.
        let warm = Date()
        while load.tally.distinct.count < 3, load.isRunning, Date().timeIntervalSince(warm) < 20 { usleep(100_000) }
        #expect(load.tally.distinct == Set(servers), "before the drain: \(load.tally)")

        let drained = try applyDirector(topology, withoutThird, "--drain", "5")
        let afterApply = load.tally.answers.count
        // A few more requests once the server is gone.
        let settle = Date()
        while load.tally.answers.count < afterApply + 10, load.isRunning, Date().timeIntervalSince(settle) < 20 { usleep(100_000) }
        load.stop()

        let tally = load.tally
        #expect(tally.failures == 0, "requests failed during the drain: \(tally)\napply said: \(drained.output)\(drained.error)")
        #expect(tally.answers.count >= afterApply + 10, "the load stopped early: \(tally)")
        #expect(!tally.answers[afterApply...].contains("rs3"), "rs3 answered after it was removed: \(tally)")
        let table = topology.directorTable()
        #expect(!table.contains("203.0.113.13"), "the drained server is still in the table:\n\(table)")
        #expect(table.contains("203.0.113.11:8080") && table.contains("203.0.113.12:8080"), "\(table)")
    }
}

/// A client sending requests in a loop on a thread of its own, batch after batch of short
/// connections (one curl per batch of 10), until stopped — and at most 60 batches or 90 seconds.
final class RequestLoop: @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var stopRequested = false
    private var running = false
    private var collected = Tally()
    let namespace: String
    let url: String

    init(namespace: String, url: String) {
        self.namespace = namespace
        self.url = url
    }

    var tally: Tally { lock.withLock { collected } }
    var isRunning: Bool { lock.withLock { running } }

    func start() {
        lock.withLock { running = true }
        Thread.detachNewThread { [self] in
            let started = Date()
            for _ in 0..<60 {
                if lock.withLock({ stopRequested }) || Date().timeIntervalSince(started) > 90 { break }
                let batch = sendRequests(namespace: namespace, Array(repeating: url, count: 10))
                lock.withLock { collected = collected + batch }
            }
            lock.withLock { running = false }
            done.signal()
        }
    }

    /// Stops after the batch under way; waits for it (at most 30 seconds).
    func stop() {
        let wasRunning = lock.withLock { () -> Bool in
            stopRequested = true
            return running
        }
        if wasRunning { _ = done.wait(timeout: .now() + 30) }
    }
}
