// lvsctl-bench: times full reads of the kernel's IPVS table through the adapter, for
// scripts/bench-read.sh. Prints the seconds one `snapshot()` took, what it read, and the
// process's peak memory:
//
//   lvsctl-bench
//   snapshot 0.412 services=16000 servers=64000 user_s=0.21 sys_s=0.19 maxrss_kib=61234
//
// user_s / sys_s: the CPU time of the whole process in user space and in the kernel.
//
//   lvsctl-bench health TARGETS SECONDS
//
// runs the health checker on the TCP targets in the file TARGETS (one `ADDRESS PORT` a line) for
// SECONDS, for scripts/bench-health.sh (see HealthBench.swift).
//
//   lvsctl-bench metrics [SERVICES] [SERVERS]
//   services=16000 servers=64000
//   metrics render_s=0.045 bytes=108200848
//
// times the daemon's `/metrics` exposition of a synthetic table (MetricsBench.swift);
//
//   lvsctl-bench metrics-serve PORT
//
// serves that table's `/metrics` on 127.0.0.1:PORT through the daemon's endpoint, for timing
// with curl.
import Glibc
import IPVSKernel
import CMalloc

if CommandLine.arguments.count == 4, CommandLine.arguments[1] == "health" {
    exit(await HealthBench.run(targets: CommandLine.arguments[2], seconds: Int(CommandLine.arguments[3]) ?? 0))
}
if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "metrics" {
    MetricsBench.run(CommandLine.arguments.dropFirst(2).compactMap { Int($0) })
    exit(0)
}
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "metrics-serve", let port = Int(CommandLine.arguments[2]) {
    do {
        try await MetricsBench.serve(port: port)
    } catch {
        print("lvsctl-bench: \(error)")
    }
    exit(1)
}

func seconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

// As lvsctl itself does (LVSCtl.main).
mallopt(M_TOP_PAD, 64 << 20)
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
