import Foundation
import Glibc
import Testing

/// An active/backup pair under keepalived, inside the test VM (`LVSCTL_KERNEL_TESTS=1`): two
/// directors, `lvs1` and `lvs2`, a client and four real servers on one bridge (the front and back
/// networks of `deploy/keepalived` in one). Each director runs keepalived with
/// `deploy/keepalived/keepalived.conf` (VRRP only; `lvs2` with the file's `# backup:` values) and
/// the lvsctl reconcile daemon with `deploy/keepalived/lb.yaml`, the same file on both; the real
/// servers are set up by `lvsctl rs apply` with it. The client holds TCP connections to the DR and
/// the NAT service that send a numbered line every 100 ms and expect it echoed by the same
/// server, across a failover and a fail-back.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LVSCTL_KERNEL_TESTS"] == "1",
                             "needs a kernel with IPVS: runs in the VM"))
struct PairKernelTests {
    static let directors = ["lvs1", "lvs2"]
    static let vip = "198.51.100.10"
    static let deployFolder = repositoryRoot.appendingPathComponent("deploy/keepalived")

    /// How the master goes away, and comes back.
    enum Outage: String, CustomTestStringConvertible, CaseIterable, Sendable {
        case keepalivedStopped = "keepalived stopped"
        case linkCut = "link cut"

        var testDescription: String { rawValue }
    }

    @Test("the backup takes the VIP over with the connections, and the master takes them back", arguments: Outage.allCases)
    func failoverAndBack(_ outage: Outage) throws {
        let pair = try Pair()
        defer { pair.tearDown() }
        try #require(try eventually(within: 20) { try pair.owners() == ["lvs1"] } != nil,
                     "lvs1 never became the only master: \((try? pair.owners()) ?? [])\n\(pair.logs())")
        let tables = try pair.tables()
        #expect(tables[0] == tables[1], "the directors' tables differ:\n\(tables[0])\n---\n\(tables[1])")
        for director in Self.directors {
            let daemons = try pair.exec(director, TrafficTool.ipvsadm, ["-L", "--daemon"]).output
            #expect(daemons.contains("master sync daemon (mcast=eth0, syncid=51,")
                    && daemons.contains("backup sync daemon (mcast=eth0, syncid=51,"), "\(director): \(daemons)")
        }
        let drift = try pair.drift()

        let early = try pair.startClient("early", flows: 3)
        try #require(try eventually(within: 20) { try early.flows().allSatisfy { $0.echoes >= 5 } } != nil, "\((try? early.flows()) ?? [])")
        // The backup holds the client's connections before any failover: the sync daemons gave them.
        #expect(try eventually(within: 10) { try pair.syncedConnections(on: "lvs2") >= 6 } != nil,
                "lvs2 does not hold the client's 6 connections:\n\((try? pair.exec("lvs2", TrafficTool.ipvsadm, ["-Lnc"]).output) ?? "")")

        let outageStart = Date()
        try pair.begin(outage)
        let takeover = try eventually(within: 15) { try pair.owners() == ["lvs2"] }
        try #require(takeover != nil, "lvs2 did not take the VIP over: \((try? pair.owners()) ?? [])\n\(pair.logs())")
        print("pair (\(outage.rawValue)): lvs2 owns the VIP \(String(format: "%.1f", takeover!)) s after the outage began")
        #expect(takeover! < 8, "the takeover took \(takeover!) s")
        let tookOver = Date()
        try expectFlowing(early, since: tookOver, "after the takeover")
        print("pair (\(outage.rawValue)): connections flow again \(String(format: "%.1f", Date().timeIntervalSince(outageStart))) s after the outage began, longest silence \(String(format: "%.1f", try early.flows().map(\.longestGap).max() ?? 0)) s")

        let late = try pair.startClient("late", flows: 2)
        #expect(try eventually(within: 20) { try late.flows().allSatisfy { $0.echoes >= 5 } } != nil, "new connections through lvs2: \((try? late.flows()) ?? [])")
        #expect(try pair.tables() == tables, "a table changed while lvs2 was master")

        try pair.end(outage)
        // preempt_delay (10 s), then three advertisements; a loaded emulated VM has taken 40 s.
        let failBack = try eventually(within: 60) { try pair.owners() == ["lvs1"] }
        try #require(failBack != nil, "lvs1 did not take the VIP back: \((try? pair.owners()) ?? [])\n\(pair.logs())")
        print("pair (\(outage.rawValue)): lvs1 owns the VIP again \(String(format: "%.1f", failBack!)) s after it came back")
        let back = Date()
        try expectFlowing(early, since: back, "after the fail-back")
        try expectFlowing(late, since: back, "after the fail-back")

        #expect(try pair.tables() == tables, "a table changed across the failover and fail-back")
        #expect(try pair.drift() == drift, "a reconcile daemon found something to change during the failover")
        for director in Self.directors {
            let plan = try pair.exec(director, lvsctlBinary, ["plan", "-f", pair.config, "--detailed-exitcode"])
            #expect(plan.status == 0, "\(director): the plan is not empty:\n\(plan.output)\(plan.error)")
        }
        for client in [early, late] {
            let flows = try client.stop()
            #expect(flows.allSatisfy { $0.error == nil }, "\(flows)")
            print("pair (\(outage.rawValue)): \(client.name) connections' longest silence \(String(format: "%.1f", flows.map(\.longestGap).max() ?? 0)) s")
        }
    }

    @Test("every sync sysctl is written as the file says, read back as written, and then left alone")
    func syncSysctls() throws {
        let topology = try Topology(nodes: ["solo"], segments: ["lan"], links: [Topology.Link(node: "solo", segment: "lan", addresses: ["192.0.2.1/24"])])
        defer { topology.tearDown() }
        let config = topology.folder.appendingPathComponent("lb.yaml").path
        try """
            version: 1
            sync: [ { state: backup, interface: eth0, syncid: 9 } ]
            director:
              vips: external
              sync_threshold: [5, 100]
              sync_refresh_period: 7
              sync_retries: 3
              sync_persist_mode: 1
              sync_version: 0
              sloppy_tcp: true
              sloppy_sctp: true
              conn_reuse_mode: 3
              backup_only: true
            services: []

            """.write(toFile: config, atomically: true, encoding: .utf8)
        let applied = try topology.exec("solo", lvsctlBinary, ["apply", "-f", config, "--yes"])
        try #require(applied.status == 0, "\(applied.output)\(applied.error)")
        let wanted = ["sync_threshold": "5 100", "sync_refresh_period": "7", "sync_retries": "3", "sync_persist_mode": "1",
                      "sync_version": "0", "sloppy_tcp": "1", "sloppy_sctp": "1", "conn_reuse_mode": "3", "backup_only": "1"]
        for (name, value) in wanted.sorted(by: { $0.key < $1.key }) {
            let read = try topology.exec("solo", "/usr/bin/cat", ["/proc/sys/net/ipv4/vs/\(name)"]).output
            #expect(read.split(whereSeparator: \.isWhitespace).joined(separator: " ") == value, "\(name): \(read)")
        }
        let again = try topology.exec("solo", lvsctlBinary, ["plan", "-f", config, "--detailed-exitcode"])
        #expect(again.status == 0, "the second plan is not empty:\n\(again.output)\(again.error)")
    }

    /// Waits until every flow of `client` has been echoed after `since`, and none failed.
    private func expectFlowing(_ client: Client, since: Date, _ when: String) throws {
        let flowing = try eventually(within: 25) {
            let flows = try client.flows()
            return flows.contains { $0.error != nil } || flows.allSatisfy { $0.last > since.timeIntervalSince1970 + 1 }
        }
        let flows = try client.flows()
        #expect(flowing != nil && flows.allSatisfy { $0.error == nil }, "\(client.name) connections \(when): \(flows)")
    }
}

/// The pair's network and programs.
private final class Pair {
    /// DR servers answer for the VIP themselves, NAT servers route back through the pair's
    /// floating gateway (lb.yaml's director.address, a VRRP address).
    static let servers = ["rs1": "198.51.100.11", "rs2": "198.51.100.12", "app1": "203.0.113.21", "app2": "203.0.113.22"]

    let topology: Topology
    let config: String
    private var keepalived: [String: DaemonProcess] = [:]
    private var daemons: [String: DaemonProcess] = [:]
    private var clients: [Client] = []

    init() throws {
        let links = [Topology.Link(node: "client", segment: "lan", addresses: ["198.51.100.2/24"]),
                     Topology.Link(node: "lvs1", segment: "lan", addresses: ["198.51.100.3/24", "203.0.113.3/24"]),
                     Topology.Link(node: "lvs2", segment: "lan", addresses: ["198.51.100.4/24", "203.0.113.4/24"])]
            + Self.servers.sorted { $0.key < $1.key }.map { Topology.Link(node: $0.key, segment: "lan", addresses: [$0.value + "/24"]) }
        topology = try Topology(nodes: ["client"] + PairKernelTests.directors + Self.servers.keys.sorted(), segments: ["lan"], links: links)
        config = topology.folder.appendingPathComponent("lb.yaml").path
        do {
            // One bridge stands for both of deploy/keepalived's networks: eth1 there is eth0 here.
            let text = try String(contentsOf: PairKernelTests.deployFolder.appendingPathComponent("lb.yaml"), encoding: .utf8)
            try text.replacingOccurrences(of: "eth1", with: "eth0").write(toFile: config, atomically: true, encoding: .utf8)
            try Self.echoServer.write(to: topology.folder.appendingPathComponent("echo.py"), atomically: true, encoding: .utf8)
            try Self.echoClient.write(to: topology.folder.appendingPathComponent("client.py"), atomically: true, encoding: .utf8)
            for (server, address) in Self.servers.sorted(by: { $0.key < $1.key }) {
                let applied = try topology.exec(server, lvsctlBinary, ["rs", "apply", "-f", config, "--node", address, "--yes"])
                try #require(applied.status == 0, "\(server): \(applied.output)\(applied.error)")
                try startEcho(on: server, port: server.hasPrefix("rs") ? 80 : 8080)
            }
            for director in PairKernelTests.directors {
                daemons[director] = try DaemonProcess(namespace: topology.namespace(director), arguments: [
                    "reconcile", "-f", config, "--interval", "5s", "--listen", "127.0.0.1:9742",
                    "--lock-file", topology.folder.appendingPathComponent("\(director).lock").path,
                ])
            }
            for director in PairKernelTests.directors {
                try #require(try eventually(within: 30) { try self.healthy(director) } != nil, "\(director)'s lvsctl is not healthy:\n\(logs())")
            }
            for director in PairKernelTests.directors { try startKeepalived(director) }
        } catch {
            tearDown()
            throw error
        }
    }

    func exec(_ node: String, _ executable: String, _ arguments: [String]) throws -> Run {
        try topology.exec(node, executable, arguments)
    }

    // MARK: keepalived

    /// deploy/keepalived/keepalived.conf for `director`: lvs2 takes the `# backup:` values.
    private func keepalivedConfig(_ director: String) throws -> String {
        let text = try String(contentsOf: PairKernelTests.deployFolder.appendingPathComponent("keepalived.conf"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard director == "lvs2", let mark = line.range(of: "# backup: ") else { return String(line) }
            let indent = line.prefix { $0 == " " }
            let keyword = line.dropFirst(indent.count).prefix { $0 != " " }
            return indent + keyword + " " + line[mark.upperBound...]
        }
        let path = topology.folder.appendingPathComponent("keepalived-\(director).conf").path
        try lines.joined(separator: "\n").replacingOccurrences(of: "eth1", with: "eth0").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func startKeepalived(_ director: String) throws {
        let files = topology.folder.appendingPathComponent(director).path
        keepalived[director] = try DaemonProcess(namespace: topology.namespace(director), executable: "/usr/sbin/keepalived", arguments: [
            "--dont-fork", "--log-console", "--log-detail", "--vrrp", "--use-file=" + (try keepalivedConfig(director)),
            "--pid=" + files + "-keepalived.pid", "--vrrp_pid=" + files + "-vrrp.pid",
        ])
    }

    func begin(_ outage: PairKernelTests.Outage) throws {
        switch outage {
        case .keepalivedStopped: keepalived["lvs1"]?.stop()
        case .linkCut: try setLink("down")
        }
    }

    func end(_ outage: PairKernelTests.Outage) throws {
        switch outage {
        case .keepalivedStopped: try startKeepalived("lvs1")
        case .linkCut: try setLink("up")
        }
    }

    private func setLink(_ state: String) throws {
        let set = try topology.exec("lvs1", TrafficTool.ip, ["link", "set", "eth0", state])
        try #require(set.status == 0, "ip link set eth0 \(state) in lvs1: \(set.error)")
    }

    // MARK: What the test looks at

    /// The directors holding the VIP.
    func owners() throws -> [String] {
        try PairKernelTests.directors.filter { director in
            try exec(director, TrafficTool.ip, ["-o", "address", "show", "dev", "eth0"]).output.contains(" \(PairKernelTests.vip)/32 ")
        }
    }

    /// Each director's table as `ipvsadm -Sn` writes it.
    func tables() throws -> [String] {
        try PairKernelTests.directors.map { try exec($0, TrafficTool.ipvsadm, ["-Sn"]).output }
    }

    /// The client's established connections to the VIP in the director's connection table.
    func syncedConnections(on director: String) throws -> Int {
        try exec(director, TrafficTool.ipvsadm, ["-Lnc"]).output.split(separator: "\n").filter {
            $0.contains("ESTABLISHED") && $0.contains(" 198.51.100.2:") && $0.contains(" \(PairKernelTests.vip):")
        }.count
    }

    private func healthy(_ director: String) throws -> Bool {
        try exec(director, TrafficTool.curl, ["-s", "-f", "-m", "2", "-o", "/dev/null", "http://127.0.0.1:9742/healthz"]).status == 0
    }

    /// Every director's count of changes its reconcile daemon found (`lvsctl_drift_changes_total`, all labels).
    func drift() throws -> [Double] {
        try PairKernelTests.directors.map { director in
            try exec(director, TrafficTool.curl, ["-s", "-m", "5", "http://127.0.0.1:9742/metrics"]).output.split(separator: "\n")
                .filter { $0.hasPrefix("lvsctl_drift_changes_total{") }
                .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        }
    }

    func logs() -> String {
        (keepalived.sorted { $0.key < $1.key }.map { "keepalived \($0.key):\n\($0.value.log())" }
            + daemons.sorted { $0.key < $1.key }.map { "lvsctl \($0.key):\n\($0.value.log())" }).joined(separator: "\n")
    }

    // MARK: Traffic

    /// A python3 echo server on the node's port: each line comes back after the node's name.
    private func startEcho(on node: String, port: Int) throws {
        let server = try DaemonProcess(namespace: topology.namespace(node), executable: "/usr/bin/python3",
                                       arguments: [topology.folder.appendingPathComponent("echo.py").path, String(port), node])
        clientsAndServers.append(server)
        try #require(eventually(within: 20) { Topology.listens(server.pid, port: port) } != nil, "echo server on \(node):\(port)")
    }

    private var clientsAndServers: [DaemonProcess] = []

    /// Opens `flows` connections to each service of the VIP from the client.
    func startClient(_ name: String, flows: Int) throws -> Client {
        let status = topology.folder.appendingPathComponent("\(name).json").path
        let targets = Array(repeating: "\(PairKernelTests.vip):80", count: flows) + Array(repeating: "\(PairKernelTests.vip):8080", count: flows)
        let process = try DaemonProcess(namespace: topology.namespace("client"), executable: "/usr/bin/python3",
                                        arguments: [topology.folder.appendingPathComponent("client.py").path, status] + targets)
        let client = Client(name: name, status: status, process: process)
        clients.append(client)
        return client
    }

    func tearDown() {
        for client in clients { _ = try? client.stop() }
        clients = []
        for process in Array(keepalived.values) + Array(daemons.values) + clientsAndServers { process.stop() }
        keepalived = [:]
        daemons = [:]
        clientsAndServers = []
        topology.tearDown()
    }

    /// Serves each connection on a thread of its own: every line comes back as `NAME LINE`.
    static let echoServer = """
        import socket, sys, threading
        name = sys.argv[2].encode()
        listener = socket.create_server(("", int(sys.argv[1])))
        def serve(connection):
            with connection:
                for line in connection.makefile("rb"):
                    connection.sendall(name + b" " + line)
        while True:
            connection, _ = listener.accept()
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

        """

    /// One thread per `HOST:PORT` argument: connects, then sends `N` every 100 ms and waits for
    /// `SERVER N`, from the same server every time. The state of every connection (server,
    /// echoes, time of the last echo, longest silence, error) is written to the status file every
    /// 200 ms, until a file named like it with `.stop` appears.
    static let echoClient = """
        import json, os, socket, sys, threading, time
        status, stop = sys.argv[1], sys.argv[1] + ".stop"
        lock = threading.Lock()
        flows = []
        def talk(flow, host, port):
            try:
                connection = socket.create_connection((host, port), timeout=5)
                connection.settimeout(30)
                replies = connection.makefile("rb")
                count = 0
                while not os.path.exists(stop):
                    count += 1
                    connection.sendall(b"%d\\n" % count)
                    reply = replies.readline().decode().split()
                    if reply[1:] != [str(count)]:
                        raise OSError("sent %d, got %r" % (count, reply) if reply else "closed by the peer")
                    now = time.time()
                    with lock:
                        if flow["server"] not in (None, reply[0]):
                            raise OSError("answered by %s, then by %s" % (flow["server"], reply[0]))
                        flow["server"] = reply[0]
                        if flow["last"]:
                            flow["longest_gap"] = max(flow["longest_gap"], now - flow["last"] - 0.1)
                        flow["echoes"], flow["last"] = count, now
                    time.sleep(0.1)
            except Exception as error:
                with lock:
                    flow["error"] = "%s: %s" % (type(error).__name__, error)
        for target in sys.argv[2:]:
            host, port = target.rsplit(":", 1)
            flow = {"target": target, "server": None, "echoes": 0, "last": 0.0, "longest_gap": 0.0, "error": None}
            flows.append(flow)
            threading.Thread(target=talk, args=(flow, host, int(port)), daemon=True).start()
        while True:
            stopping = os.path.exists(stop)
            with lock:
                text = json.dumps(flows)
            with open(status + ".new", "w") as file:
                file.write(text)
            os.replace(status + ".new", status)
            if stopping:
                break
            time.sleep(0.2)

        """
}

/// A client program and the status file it keeps.
private final class Client {
    struct Flow: Decodable, CustomStringConvertible {
        var target: String
        var server: String?
        var echoes: Int
        var last: Double
        var longestGap: Double
        var error: String?

        enum CodingKeys: String, CodingKey {
            case target, server, echoes, last, longestGap = "longest_gap", error
        }

        var description: String {
            "\(target)→\(server ?? "-") \(echoes) echoes, longest silence \(String(format: "%.1f", longestGap)) s\(error.map { ", \($0)" } ?? "")"
        }
    }

    let name: String
    let status: String
    let process: DaemonProcess

    init(name: String, status: String, process: DaemonProcess) {
        self.name = name
        self.status = status
        self.process = process
    }

    func flows() throws -> [Flow] {
        try JSONDecoder().decode([Flow].self, from: Data(contentsOf: URL(fileURLWithPath: status)))
    }

    /// Asks the client to stop, waits for its last status, and returns it.
    func stop() throws -> [Flow] {
        _ = FileManager.default.createFile(atPath: status + ".stop", contents: nil)
        eventually(within: 5, every: 0.1) { !process.isRunning }
        process.stop()
        return try flows()
    }
}
