// lvsctl-bench: times full reads of the kernel's IPVS table through the adapter, for
// scripts/bench-read.sh. Prints the seconds one `snapshot()` took, what it read, and the
// process's peak memory:
//
//   lvsctl-bench
//   snapshot 0.412 services=16000 servers=64000 user_s=0.21 sys_s=0.19 maxrss_kib=61234
//
// user_s / sys_s: the CPU time of the whole process in user space and in the kernel.
//
//   lvsctl-bench metrics [SERVICES] [SERVERS]
//   metrics render_s=0.210 bytes=113000000 services=16000 servers=64000
//
// times the daemon's `/metrics` exposition of a synthetic table (no kernel needed): the first
// rendering after a tick and a repeated one, for scripts/bench-reconcile.sh's figure.
import Glibc
import IPVSKernel
import LVSDaemon
import LVSModel
import CMalloc

func seconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

// As lvsctl itself does (LVSCtl.main).
mallopt(M_TOP_PAD, 64 << 20)
if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "metrics" {
    let arguments = CommandLine.arguments.dropFirst(2).compactMap { Int($0) }
    let (serviceCount, perService) = (arguments.first ?? 16_000, arguments.dropFirst().first ?? 4)
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
    var bytes = 0
    var times: [Double] = []
    for _ in 0..<3 {
        metrics.recordTable(LiveState(table: table, statistics: statistics), desired: DesiredState(table: table, names: names))
        let start = seconds()
        bytes = metrics.exposition().readableBytes
        times.append(seconds() - start)
    }
    print("metrics render_s=\(times.sorted()[1]) bytes=\(bytes) services=\(serviceCount) servers=\(serviceCount * perService)")
    exit(0)
}
do {
    let kernel = try IPVSKernel()
    let start = seconds()
    let live = try kernel.snapshot()
    let elapsed = seconds() - start
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let servers = live.table.services.reduce(0) { $0 + $1.servers.count }
    func cpu(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    print("snapshot \(elapsed) services=\(live.table.services.count) servers=\(servers)",
          "user_s=\(cpu(usage.ru_utime)) sys_s=\(cpu(usage.ru_stime)) maxrss_kib=\(usage.ru_maxrss)")
} catch {
    print("lvsctl-bench: \(error)")
    exit(1)
}
