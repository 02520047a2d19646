import Foundation
import TestSupport

/// The programs the traffic tests run, by full path (the VM has the host's files).
enum TrafficTool {
    static let ip = "/usr/sbin/ip"
    static let busybox = "/usr/bin/busybox"
    static let curl = "/usr/bin/curl"
    static let ipvsadm = "/usr/sbin/ipvsadm"
}

struct TopologyError: Error, CustomStringConvertible {
    var description: String
}

/// A throwaway network for one traffic test, inside the test VM: one network namespace per node
/// (client, director, real servers), each joined by veth pairs to Linux bridges, one bridge per
/// segment; the bridges live in a namespace of their own. Real servers run `busybox httpd`
/// answering with their node's name. `tearDown()` kills what runs in the namespaces and deletes
/// them, which takes the links, addresses, routes, IPVS tables and firewall rules with it.
///
/// Addresses are TEST-NET only (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32).
/// The topology writes links, addresses and routes; everything else a node needs is left to lvsctl.
///
/// Starting a program in the emulated VM costs a few hundred milliseconds, so the network is
/// built with one `ip -batch` per namespace. Batch lines are `ip` arguments split at spaces,
/// read by `ip` itself (no shell), and hold only the fixed names and addresses of the tests.
final class Topology {
    /// Namespaces are `lvst-NODE`; the bridges' is `lvst-lan`.
    static let prefix = "lvst-"
    static let lan = "lvst-lan"

    /// A node's interface on a segment: `device` in the node, `NODE-DEVICE` on the bridge.
    struct Link {
        var node: String
        var segment: String
        var device = "eth0"
        /// `ADDRESS/PREFIX`; IPv6 ones are added without duplicate address detection.
        var addresses: [String]
    }

    let folder: URL
    private var namespaces: [String] = []
    private var servers: [(node: String, process: Process)] = []

    /// Builds the network: namespaces, bridges, links, addresses, then `routes` (per node, what
    /// follows `ip route add`: `"::/0 via 2001:db8:1::1"`). Leftovers of an earlier run that died
    /// are removed first.
    init(nodes: [String], segments: [String], links: [Link], routes: [String: [String]] = [:]) throws {
        folder = URL(fileURLWithPath: try temporaryFolder("lvsctl-traffic"))
        let all = [Self.lan] + nodes.map { Self.prefix + $0 }
        Self.remove(namespaces: all)
        do {
            namespaces = all
            try Self.batch(nil, all.map { "netns add \($0)" })
            var lan = ["link set lo up"] + segments.flatMap { ["link add \($0) type bridge", "link set \($0) up"] }
            var perNode: [String: [String]] = Dictionary(uniqueKeysWithValues: nodes.map { ($0, ["link set lo up"]) })
            for link in links {
                let port = "\(link.node)-\(link.device)"
                lan += ["link add \(port) type veth peer name \(link.device) netns \(namespace(link.node))",
                        "link set \(port) master \(link.segment) up"]
                perNode[link.node, default: []] += ["link set \(link.device) up"] + link.addresses.map {
                    "address add \($0) dev \(link.device)" + ($0.contains(":") ? " nodad" : "")
                }
            }
            for (node, nodeRoutes) in routes {
                perNode[node, default: []] += nodeRoutes.map { "route add \($0)" }
            }
            try Self.batch(Self.lan, lan)
            for node in nodes { try Self.batch(namespace(node), perNode[node] ?? []) }
        } catch {
            tearDown()
            throw error
        }
    }

    func namespace(_ node: String) -> String { Self.prefix + node }

    /// Runs a program inside the node's namespace (`ip netns exec`), whatever its exit status.
    func exec(_ node: String, _ executable: String, _ arguments: [String]) throws -> Run {
        try run(TrafficTool.ip, ["netns", "exec", namespace(node), executable] + arguments)
    }

    /// Starts `busybox httpd -f` on each port of the node (every address, IPv4 and IPv6), serving
    /// an index.html holding the node's name, and waits until each listens. (In the foreground:
    /// Foundation's `Process` would wait forever for a daemon that keeps its descriptors.)
    func startHTTP(on node: String, ports: [Int]) throws {
        let root = folder.appendingPathComponent(node)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data(node.utf8).write(to: root.appendingPathComponent("index.html"))
        for port in ports {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TrafficTool.ip)
            // `ip netns exec` execs the program: the process is httpd itself, in the namespace.
            process.arguments = ["netns", "exec", namespace(node), TrafficTool.busybox, "httpd", "-f", "-p", String(port),
                                 "-h", root.path]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            servers.append((node, process))
            let started = Date()
            while !Self.listens(process.processIdentifier, port: port) {
                guard process.isRunning, Date().timeIntervalSince(started) < 20 else {
                    throw TopologyError(description: "busybox httpd on \(node):\(port) does not listen")
                }
                usleep(50_000)
            }
        }
    }

    /// Kills the HTTP servers of `node` (nil: of every node), as a crashed server process goes:
    /// its port then refuses connections.
    func stopHTTP(on node: String?) {
        let stopping = servers.filter { node == nil || $0.node == node }
        for server in stopping where server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) }
        for server in stopping { server.process.waitUntilExit() }
        servers.removeAll { node == nil || $0.node == node }
    }

    /// Whether the process's network namespace has a TCP socket listening on the port, read from
    /// /proc/PID/net/tcp and tcp6 (local address `…:PORT` in hex, state 0A).
    static func listens(_ pid: pid_t, port: Int) -> Bool {
        let local = ":" + String(format: "%04X", port)
        return ["tcp", "tcp6"].contains { table in
            // Read to the end: a one-read of procfs stops at a page.
            guard let data = FileHandle(forReadingAtPath: "/proc/\(pid)/net/\(table)")?.readDataToEndOfFile() else { return false }
            let text = String(decoding: data, as: UTF8.self)
            return text.split(separator: "\n").dropFirst().contains { line in
                let fields = line.split(separator: " ")
                return fields.count > 3 && fields[1].hasSuffix(local) && fields[3] == "0A"
            }
        }
    }

    /// Sends one HTTP/1.0 request (a connection of its own) per URL from the node, with curl.
    func requests(from node: String, _ urls: [String], source: String? = nil) -> Tally {
        sendRequests(namespace: namespace(node), urls, source: source)
    }

    /// Kills everything still running in the namespaces (the HTTP servers and their children)
    /// and deletes the namespaces. Safe to call more than once.
    func tearDown() {
        stopHTTP(on: nil)
        Self.remove(namespaces: namespaces)
        namespaces = []
        try? FileManager.default.removeItem(at: folder)
    }

    deinit { tearDown() }

    // MARK: Helpers

    @discardableResult
    private static func check(_ executable: String, _ arguments: [String], input: String = "") throws -> Run {
        let result = try run(executable, arguments, input: input)
        guard result.status == 0 else {
            throw TopologyError(description: "\(executable) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.error)\(input.isEmpty ? "" : "\ninput:\n\(input)")")
        }
        return result
    }

    /// `ip [-n NAMESPACE] -batch -` with the lines on stdin; stops at the first failure.
    private static func batch(_ namespace: String?, _ lines: [String]) throws {
        guard !lines.isEmpty else { return }
        try check(TrafficTool.ip, (namespace.map { ["-n", $0] } ?? []) + ["-batch", "-"], input: lines.joined(separator: "\n") + "\n")
    }

    /// Kills the processes inside our namespaces (found as `ip netns pids` does: by the inode of
    /// their network namespace) and deletes the namespaces.
    private static func remove(namespaces: [String]) {
        var inodes: Set<UInt64> = []
        var present: [String] = []
        for namespace in namespaces {
            var info = stat()
            if stat("/run/netns/\(namespace)", &info) == 0 {
                inodes.insert(UInt64(info.st_ino))
                present.append(namespace)
            }
        }
        guard !present.isEmpty else { return }
        for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap({ pid_t($0) }) ?? [] {
            var info = stat()
            if stat("/proc/\(pid)/ns/net", &info) == 0, inodes.contains(UInt64(info.st_ino)) { kill(pid, SIGKILL) }
        }
        _ = try? run(TrafficTool.ip, ["-force", "-batch", "-"], input: present.map { "netns delete \($0)" }.joined(separator: "\n") + "\n")
    }
}

/// The answers to a run of requests: how often each server name came back, and how many failed.
struct Tally: Sendable, CustomStringConvertible {
    /// Every answer in order; nil for a request that failed or was not sent after a failure.
    var answers: [String?] = []

    var counts: [String: Int] { answers.compactMap { $0 }.reduce(into: [:]) { $0[$1, default: 0] += 1 } }
    var failures: Int { answers.filter { $0 == nil }.count }
    var distinct: Set<String> { Set(answers.compactMap { $0 }) }

    static func + (left: Tally, right: Tally) -> Tally { Tally(answers: left.answers + right.answers) }

    var description: String {
        let parts = counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" } + (failures > 0 ? ["failed or not sent: \(failures)"] : [])
        return "\(answers.count) requests (\(parts.joined(separator: ", ")))"
    }
}

/// Sends one request per URL with a single curl, inside `namespace`: HTTP/1.0, so every request
/// has a connection of its own and is scheduled on its own. Short timeouts; curl stops at the
/// first failure (a broken path costs one timeout, not one per URL), and the whole run is
/// bounded in time too. A request that failed, or that curl never got to, counts as failed.
func sendRequests(namespace: String, _ urls: [String], source: String? = nil) -> Tally {
    var arguments = ["netns", "exec", namespace, TrafficTool.curl, "--silent", "--globoff", "--http1.0", "--noproxy", "*",
                     "--fail-early",
                     "--connect-timeout", "2", "--max-time", "4", "--write-out", " %{http_code}\n"]
    if let source { arguments += ["--interface", source] }
    arguments += urls
    let process = Process()
    process.executableURL = URL(fileURLWithPath: TrafficTool.ip)
    process.arguments = arguments
    let stdout = Pipe()
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = stdout
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return Tally(answers: Array(repeating: nil, count: urls.count)) }
    // However the network behaves, the run ends (a request takes 50–150 ms in the VM).
    let pid = process.processIdentifier
    let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
    DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(10 + urls.count / 2), execute: watchdog)
    let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    watchdog.cancel()
    var answers: [String?] = output.split(separator: "\n").map { line in
        guard let space = line.lastIndex(of: " "), line[line.index(after: space)...] == "200" else { return nil }
        return String(line[..<space])
    }
    answers += Array(repeating: nil, count: max(0, urls.count - answers.count))
    return Tally(answers: answers)
}
