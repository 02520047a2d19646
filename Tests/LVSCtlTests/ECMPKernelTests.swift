import Foundation
import Testing

/// Two directors behind an ECMP router, inside the test VM (`LVSCTL_KERNEL_TESTS=1`): BIRD 2 on
/// the router and on each director, the directors announcing the VIP over BGP from lvsctl's
/// announce device, the router installing one multipath route hashed on the L4 ports. Both
/// directors run the same `mh` config through `lvsctl apply`; the real servers answer HTTP with
/// their names (direct routing, replies through the router).
///
/// ```
/// client 198.51.100.2 ── edge ── 198.51.100.1 router 203.0.113.1 ── core ─┬─ dir1 203.0.113.2
///                                                                          ├─ dir2 203.0.113.3
///                                                                          ├─ rs1…rs3 203.0.113.11–13
///                                                                          └─ probe 203.0.113.50
/// ```
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LVSCTL_KERNEL_TESTS"] == "1",
                             "needs a kernel with IPVS: runs in the VM"))
struct ECMPKernelTests {
    static let vip = "192.0.2.10"
    static let servers = ["rs1", "rs2", "rs3"]
    static let directors = ["dir1": "203.0.113.2", "dir2": "203.0.113.3"]
    static let bird = "/usr/sbin/bird"
    static let sysctl = "/usr/sbin/sysctl"

    private func network() throws -> Topology {
        var links = [
            Topology.Link(node: "client", segment: "edge", addresses: ["198.51.100.2/24"]),
            Topology.Link(node: "router", segment: "edge", addresses: ["198.51.100.1/24"]),
            Topology.Link(node: "router", segment: "core", device: "eth1", addresses: ["203.0.113.1/24"]),
            Topology.Link(node: "probe", segment: "core", addresses: ["203.0.113.50/24"]),
        ]
        links += Self.directors.sorted { $0.key < $1.key }.map { Topology.Link(node: $0.key, segment: "core", addresses: ["\($0.value)/24"]) }
        links += Self.servers.enumerated().map { Topology.Link(node: $1, segment: "core", addresses: ["203.0.113.\(11 + $0)/24"]) }
        var routes = ["client": ["default via 198.51.100.1"]]
        for node in Self.servers + Self.directors.keys { routes[node] = ["default via 203.0.113.1"] }
        return try Topology(nodes: ["client", "router", "probe"] + Self.directors.keys.sorted() + Self.servers,
                            segments: ["edge", "core"], links: links, routes: routes)
    }

    /// The directors' config: one mh service over the three servers, with `weight` on each, and
    /// the health-gated announcement; `scheduler` and `servers` for the histories.
    private func config(scheduler: String = "mh", servers: [Int] = [11, 12, 13], weight: Int = 1) -> String {
        """
        version: 1
        director: { announce: { interface: lvs-announce } }
        services:
          - name: web
            vip: \(Self.vip)
            port: 80
            scheduler: \(scheduler)
            flags: \(scheduler == "mh" ? "[mh-port, mh-fallback]" : "[]")
            forward: dr
            servers: [\(servers.map { "{ address: 203.0.113.\($0), weight: \(weight) }" }.joined(separator: ", "))]

        """
    }

    private func write(_ topology: Topology, _ name: String, _ text: String) throws -> String {
        let file = topology.folder.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// `lvsctl apply --yes` on a director, which must succeed and leave an empty second plan.
    @discardableResult
    private func apply(_ topology: Topology, _ director: String, _ yaml: String) throws -> Run {
        let file = try write(topology, "\(director)-\(UUID().uuidString.prefix(8)).yaml", yaml)
        let applied = try topology.exec(director, lvsctlBinary, ["apply", "-f", file, "--yes"])
        try #require(applied.status == 0, "\(director): lvsctl apply exited \(applied.status):\n\(applied.output)\(applied.error)")
        let again = try topology.exec(director, lvsctlBinary, ["plan", "-f", file, "--detailed-exitcode"])
        #expect(again.status == 0, "\(director): second plan is not empty (exit \(again.status)):\n\(again.output)\(again.error)")
        return applied
    }

    /// The director's table as the kernel lists it: `ipvsadm -Ln --nosort`.
    private func listing(_ topology: Topology, _ director: String) throws -> String {
        try topology.exec(director, TrafficTool.ipvsadm, ["-Ln", "--nosort"]).output
    }

    /// The servers of a listing, in its order.
    private func order(_ listing: String) -> [String] {
        listing.split(separator: "\n").filter { $0.hasPrefix("  -> ") && !$0.contains("RemoteAddress") }
            .map { String($0.split(separator: " ")[1]) }
    }

    /// The connections the director's service has scheduled (`ipvsadm -Ln --stats`, Conns).
    /// The kernel folds its per-CPU counters into these every two seconds: wait that out first.
    private func connections(_ topology: Topology, _ director: String) throws -> Int {
        usleep(2_500_000)
        let stats = try topology.exec(director, TrafficTool.ipvsadm, ["-Ln", "--stats", "-t", "\(Self.vip):80"]).output
        let line = stats.split(separator: "\n").first { $0.hasPrefix("TCP") }
        return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[2]) } ?? -1
    }

    /// The router's route to the VIP, as `ip route show` prints it.
    private func route(_ topology: Topology) throws -> String {
        try topology.exec("router", TrafficTool.ip, ["route", "show", "\(Self.vip)/32"]).output
    }

    /// Starts `program` with `arguments` in the node's namespace, in the background.
    private func start(_ topology: Topology, _ node: String, _ program: String, _ arguments: [String],
                       output: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TrafficTool.ip)
        process.arguments = ["netns", "exec", topology.namespace(node), program] + arguments
        process.standardInput = FileHandle.nullDevice
        if let output {
            try #require(FileManager.default.createFile(atPath: output.path, contents: nil), "cannot create \(output.path)")
            process.standardOutput = try FileHandle(forWritingTo: output)
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private static let timers = "hold time 6; keepalive time 2; connect delay time 1; connect retry time 2; error wait time 1, 4;"

    /// BIRD on the router (ECMP into the kernel) and on each director (the announce device's
    /// addresses exported over BGP), in the foreground.
    private func startBIRD(_ topology: Topology) throws -> [Process] {
        let prefixes = "[ 192.0.2.0/24{32,32} ]"
        var configs = ["router": """
            router id 203.0.113.1;
            protocol device { scan time 2; }
            protocol kernel { ipv4 { import none; export where net ~ \(prefixes); }; merge paths on; }
            template bgp director { local 203.0.113.1 as 64512; \(Self.timers) ipv4 { import where net ~ \(prefixes); export none; }; }
            protocol bgp dir1 from director { neighbor 203.0.113.2 as 64513; }
            protocol bgp dir2 from director { neighbor 203.0.113.3 as 64513; }

            """]
        for (director, address) in Self.directors {
            configs[director] = """
                router id \(address);
                protocol device { scan time 2; }
                protocol direct announce { ipv4; interface "lvs-announce"; }
                protocol bgp uplink {
                  local \(address) as 64513; neighbor 203.0.113.1 as 64512; \(Self.timers)
                  ipv4 { import none; export where proto = "announce" && net ~ \(prefixes); };
                }

                """
        }
        return try configs.sorted { $0.key < $1.key }.map { node, text in
            let file = try write(topology, "\(node).bird.conf", text)
            return try start(topology, node, Self.bird, ["-f", "-c", file, "-s", topology.folder.appendingPathComponent("\(node).ctl").path])
        }
    }

    /// One request per local port from the node, each from that source port, each a curl of its
    /// own: the same 5-tuple every time the same port is used. nil for a failed one.
    private func answers(_ topology: Topology, from node: String, ports: [Int]) throws -> [String?] {
        try ports.map { port in
            let result = try topology.exec(node, TrafficTool.curl, ["--silent", "--fail", "--http1.0", "--noproxy", "*",
                                                                    "--connect-timeout", "3", "--max-time", "6",
                                                                    "--local-port", String(port), "http://\(Self.vip)/"])
            return result.status == 0 ? result.output : nil
        }
    }

    @Test("mh behind ECMP: one server order on both directors, one server per flow through either, a health-gated withdrawal")
    func activeActive() throws {
        let topology = try network()
        defer { topology.tearDown() }
        for setting in ["net.ipv4.ip_forward=1", "net.ipv4.fib_multipath_hash_policy=1"] {
            let set = try topology.exec("router", Self.sysctl, ["-w", setting])
            try #require(set.status == 0, "router: sysctl -w \(setting): \(set.error)")
        }
        let file = try write(topology, "servers.yaml", config())
        for (index, server) in Self.servers.enumerated() {
            try topology.startHTTP(on: server, ports: [80])
            // A large file for the long downloads: 400 KiB.
            try Data(repeating: UInt8(ascii: "x"), count: 400 * 1024).write(to: topology.folder.appendingPathComponent(server).appendingPathComponent("big"))
            let applied = try topology.exec(server, lvsctlBinary, ["rs", "apply", "-f", file, "--node", "203.0.113.\(11 + index)", "--yes"])
            try #require(applied.status == 0, "\(server): rs apply: \(applied.output)\(applied.error)")
        }
        for director in Self.directors.keys {
            // The mh profile: a flow moved from the other director is scheduled by its next packet.
            let sloppy = try topology.exec(director, Self.sysctl, ["-w", "net.ipv4.vs.sloppy_tcp=1"])
            try #require(sloppy.status == 0, "\(director): sloppy_tcp: \(sloppy.error)")
        }

        // dir1 fresh; dir2 through a history: other schedulers, servers added out of order.
        try apply(topology, "dir1", config())
        try apply(topology, "dir2", config(scheduler: "wlc", servers: [13]))
        try apply(topology, "dir2", config(scheduler: "wlc", servers: [11, 12, 13], weight: 2))
        let before = try listing(topology, "dir2")
        let final = try apply(topology, "dir2", config())
        #expect(final.output.contains("mh fills its lookup table in list order"), "the plan does not say why:\n\(final.output)")
        let fresh = try listing(topology, "dir1")
        #expect(order(before).count == 3 && order(before) != order(fresh),
                "the history left dir2 in dir1's order already: the test proves nothing\n\(before)")
        let rebuilt = try listing(topology, "dir2")
        #expect(rebuilt == fresh, "server order differs:\ndir1:\n\(fresh)\ndir2:\n\(rebuilt)")

        // The same 5-tuple reaches the same server through either director. Fixed source ports
        // lie below the ephemeral range (32768–60999), where no other request can hold them.
        let ports = Array(21000..<21016)
        var chosen: [String: [String?]] = [:]
        for (director, address) in Self.directors.sorted(by: { $0.key < $1.key }) {
            let routed = try topology.exec("probe", TrafficTool.ip, ["route", "replace", "\(Self.vip)/32", "via", address])
            try #require(routed.status == 0, "\(routed.error)")
            chosen[director] = try answers(topology, from: "probe", ports: ports)
        }
        #expect(chosen["dir1"]?.allSatisfy { $0 != nil } == true, "requests through dir1 failed: \(chosen)")
        #expect(chosen["dir1"] == chosen["dir2"], "a flow's server depends on the director: \(chosen)")
        #expect(Set((chosen["dir1"] ?? []).compactMap { $0 }).count >= 2, "every flow on one server: \(chosen)")

        // BGP: both directors announce, the router holds one route with two next hops.
        let birds = try startBIRD(topology)
        defer { for bird in birds where bird.isRunning { kill(bird.processIdentifier, SIGKILL) } }
        let multipath = try eventually(within: 90, every: 0.5) { try route(topology).components(separatedBy: "nexthop via").count == 3 }
        let routes = try route(topology)
        try #require(multipath != nil, "the router has no ECMP route to the VIP: \(routes)")

        // Flows from the client spread over both directors.
        let earlier = try Self.directors.keys.sorted().map { try connections(topology, $0) }
        let spread = topology.requests(from: "client", Array(repeating: "http://\(Self.vip)/", count: 40))
        #expect(spread.failures == 0, "\(spread)")
        let counts = try Self.directors.keys.sorted().map { try connections(topology, $0) }
        #expect(zip(earlier, counts).allSatisfy { $0 < $1 }, "flows did not spread over both directors: \(earlier) → \(counts)")

        // Long downloads, each from a port of its own; which director carries each.
        let downloads = try (0..<12).map { index in
            try start(topology, "client", TrafficTool.curl,
                      ["--silent", "--http1.0", "--noproxy", "*", "--limit-rate", "40k", "--max-time", "120",
                       "--local-port", String(23000 + index), "--output", "/dev/null", "--write-out", "%{size_download}",
                       "http://\(Self.vip)/big"],
                      output: topology.folder.appendingPathComponent("download-\(index)"))
        }
        usleep(2_000_000)
        let carried = try topology.exec("dir2", TrafficTool.ipvsadm, ["-Lnc"]).output
        let throughDir2 = Set(downloads.indices.filter { carried.contains("198.51.100.2:\(23000 + $0) ") })

        // dir1's servers all fail: its config holds them at weight 0, lvsctl withdraws the VIP.
        let down = try apply(topology, "dir1", config(weight: 0))
        #expect(down.output.contains("withdraw"), "the plan does not withdraw:\n\(down.output)")
        let announced = try topology.exec("dir1", TrafficTool.ip, ["-o", "address", "show", "dev", "lvs-announce"]).output
        #expect(!announced.contains(Self.vip), "dir1 still announces: \(announced)")
        let withdrawn = try eventually(within: 30, every: 0.5) {
            let text = try route(topology)
            return !text.contains("nexthop") && text.contains("via 203.0.113.3")
        }
        let remaining = try route(topology)
        #expect(withdrawn != nil, "the router still routes the VIP to dir1: \(remaining)")

        // New flows all go to dir2 and succeed.
        let dir1Before = try connections(topology, "dir1")
        let after = topology.requests(from: "client", Array(repeating: "http://\(Self.vip)/", count: 20))
        #expect(after.failures == 0, "\(after)")
        let dir1After = try connections(topology, "dir1")
        #expect(dir1After == dir1Before, "new flows still reach dir1: \(dir1Before) → \(dir1After)")

        // Established flows: those through dir2 untouched, those moved off dir1 carried on by dir2.
        for (index, download) in downloads.enumerated() {
            download.waitUntilExit()
            let size = (try? String(contentsOf: topology.folder.appendingPathComponent("download-\(index)"), encoding: .utf8)) ?? ""
            let complete = download.terminationStatus == 0 && size == String(400 * 1024)
            if throughDir2.contains(index) {
                #expect(complete, "download \(index) through the healthy director broke: exit \(download.terminationStatus), \(size) bytes")
            } else {
                #expect(complete, "download \(index) moved from dir1 to dir2 broke: exit \(download.terminationStatus), \(size) bytes")
            }
        }
        #expect(!throughDir2.isEmpty && throughDir2.count < downloads.count,
                "the downloads did not spread over both directors: \(throughDir2.sorted()) through dir2")
    }
}
