import ArgumentParser
import LVSConfig
import LVSHost
import LVSJSON
import LVSModel
import LVSPlan

struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print the live IPVS table.",
        discussion: "As YAML (a config that validate accepts and apply reproduces), JSON, or ipvsadm -Sn text. The YAML describes this host as it is: with 'director: { vips: external }' when its VIPs are not bound on lvsctl's lvs0, so that planning it changes nothing.")

    @Option(name: .shortAndLong, help: "yaml (a config file), json (docs/json.md) or ipvsadm (ipvsadm -Sn format).")
    var output: TableFormat = .yaml

    @Flag(help: "Add the counters: connections, packets, bytes, rates, and each server's active and inactive connections.")
    var stats = false

    func validate() throws {
        if stats && output == .ipvsadm { throw ValidationError("--stats goes with --output yaml or json; ipvsadm's save format has no counters") }
    }

    func run() throws {
        let live = try Inputs.liveState(from: Inputs.kernel())
        switch output {
        case .yaml:
            let comment: ConfigWriter.Comment? = stats ? { service, server in
                Self.counters(live.statistics[service], server: server)
            } : nil
            let host: HostSnapshot
            do {
                host = try LinuxHost().snapshot(sysctls: DirectorPlanner.sysctls, chains: [], routes: false)
            } catch {
                throw Inputs.failure(error)
            }
            let state = DesiredState(table: live.table, director: DirectorPlanner.observed(live.table, host: host))
            Console.standardOutput.write(try Inputs.checkedYAML(state, comment: comment))
        case .json:
            Console.printLine(SnapshotJSON.encode(live, statistics: stats))
        case .ipvsadm:
            Console.standardOutput.write(IPVSAdmFormat.save(live.table))
        }
    }

    /// `conns 120, in 4.1 KB …` for a YAML comment.
    private static func counters(_ statistics: ServiceStatistics?, server: ServerKey?) -> String? {
        guard let statistics else { return nil }
        guard let server else {
            let c = statistics.counters
            return "conns \(c.connections), in \(c.inPackets) pkts / \(c.inBytes) B, out \(c.outPackets) pkts / \(c.outBytes) B, \(c.connectionsPerSecond) conns/s"
        }
        guard let s = statistics.servers[server] else { return nil }
        return "active \(s.activeConnections), inactive \(s.inactiveConnections), persistent \(s.persistentConnections), conns \(s.counters.connections), in \(s.counters.inBytes) B, out \(s.counters.outBytes) B"
    }
}

enum TableFormat: String, ExpressibleByArgument, CaseIterable {
    case yaml
    case json
    case ipvsadm
}
