import LVSDaemon
import LVSModel
import Logging

/// Times the daemon's `/metrics` exposition of a synthetic table of SERVICES × SERVERS (no
/// kernel needed), the median of three renderings with the memory of the one before reused; or,
/// given a PORT, serves that table's `/metrics` on 127.0.0.1:PORT through the daemon's HTTP
/// endpoint until stopped, so that serving is timed with a client of one's own.
enum MetricsBench {
    static func run(_ arguments: [Int]) {
        let metrics = table(services: arguments.first ?? 16_000, perService: arguments.dropFirst().first ?? 4)
        var bytes = 0
        var times: [Double] = []
        for _ in 0..<3 {
            let start = seconds()
            bytes = metrics.exposition().reduce(0) { $0 + $1.readableBytes }
            times.append(seconds() - start)
        }
        print("metrics render_s=\(times.sorted()[1]) bytes=\(bytes)")
    }

    static func serve(port: Int) async throws {
        let metrics = table(services: 16_000, perService: 4)
        let endpoint = HTTPEndpoint(host: "127.0.0.1", port: port, logger: Logger(label: "lvsctl-bench")) { path in
            path == "/metrics" ? HTTPResponse(status: 200, body: .parts(metrics.exposition())) : HTTPResponse(status: 404, text: "")
        }
        _ = try await endpoint.listen()
        print("serving http://127.0.0.1:\(port)/metrics")
        try await Task.sleep(for: .seconds(86_400))
    }

    private static func table(services serviceCount: Int, perService: Int) -> DaemonMetrics {
        var services: [VirtualService] = []
        var statistics: [ServiceKey: ServiceStatistics] = [:]
        var names: [ServiceKey: String] = [:]
        for index in 0..<serviceCount {
            let key = ServiceKey.address(.tcp, IPAddress(ipv4: 0xC633_6400 + UInt32(index / 1000)), port: UInt16(1000 + index % 1000))
            let servers = (0..<perService).map {
                RealServer(address: IPAddress(ipv4: 0xCB00_7100 + UInt32($0 + 1)), port: UInt16(1000 + index % 1000), weight: 100)
            }
            var counters = Counters()
            counters.connections = UInt64(index) * 1_000_003
            counters.inBytes = UInt64(index) * 987_654_321
            let entries = servers.map { ServerStatisticsList.Entry(server: $0.key, statistics: ServerStatistics(counters: counters, activeConnections: 12)) }
            services.append(VirtualService(key: key, scheduler: .wrr, servers: servers))
            statistics[key] = ServiceStatistics(counters: counters, servers: ServerStatisticsList(entries))
            names[key] = "service-\(index)"
        }
        let table = IPVSTable(services: services)
        let metrics = DaemonMetrics()
        metrics.recordTable(LiveState(table: table, statistics: statistics), desired: DesiredState(table: table, names: names))
        print("services=\(serviceCount) servers=\(serviceCount * perService)")
        return metrics
    }
}
