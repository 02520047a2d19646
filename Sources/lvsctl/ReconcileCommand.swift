import ArgumentParser
internal import CMalloc
internal import Dispatch
import FoundationEssentials
import IPVSKernel
import LVSDaemon
import LVSEngine
import LVSHost
import LVSModel
import LVSPlan
import Logging
import ServiceLifecycle
import Synchronization

struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Keep this director converged to a config file, as a daemon.",
        discussion: """
            Reconciles at start, every --interval (with a small random jitter), within a second of the file \
            changing, and on SIGHUP; an invalid file is reported and the last valid one kept. SIGTERM or SIGINT \
            lets a reconcile in flight finish, then exits 0; SIGUSR1 or SIGUSR2 logs the status. Health checks in \
            the file run all the while; a change of verdict, or of the overrides 'lvsctl server' writes, \
            reconciles at once. Serves /metrics, /healthz, /health and /plan on --listen (docs/operations.md). \
            With --once: one reconcile, exit 0 when the director converged, 1 otherwise.
            """)

    @Option(name: [.short, .customLong("file")], help: "The config file to converge to.")
    var file: String

    @Option(help: "How often to reconcile: seconds (30), or with a unit (30s, 5m, 1h).")
    var interval = Interval(duration: .seconds(30))

    @Option(help: "correct: write drift back; detect: only report it.")
    var mode: ReconcileMode = .correct

    @Option(help: "Where to serve /metrics, /healthz and /plan: ADDRESS:PORT ([ADDRESS]:PORT for IPv6).")
    var listen = ListenAddress(host: "127.0.0.1", port: 9742)

    @Option(help: "Drain servers being removed: weight 0 first, deleted once their connections end or after this many seconds.")
    var drain: Int?

    @Flag(help: "Allow a plan that deletes more than half of the managed services, or all of them.")
    var allowMassDelete = false

    @Flag(help: "Reconcile once with the daemon's semantics and exit (for a systemd timer).")
    var once = false

    @Option(help: "Log lines as logfmt (journald, people) or json (log shippers).")
    var logFormat: LogFormat = .logfmt

    @Option(help: "Where health and the operators' overrides are kept across restarts (lvsctl server).")
    var stateDir = StateDirectory.defaultPath

    @Option(help: .hidden)
    var lockFile = DirectorLock.defaultPath

    func validate() throws {
        if let drain, drain < 0 { throw ValidationError("--drain takes a number of seconds, 0 or more") }
    }

    func run() throws {
        // A process that lives for days returns what it frees (see LVSCtl.main for one-shot
        // commands), and keeps it in two arenas, not one per thread that ever allocated: each
        // tick's reading threads left their own fragments behind.
        mallopt(M_TOP_PAD, 0)
        mallopt(M_ARENA_MAX, 2)
        var config = ConfigSource(path: file)
        _ = config.refresh()
        for diagnostic in config.diagnostics { Console.standardError.print(diagnostic) }
        guard let initial = config.current else { throw ExitCode.failure }
        let format = logFormat.format
        LoggingSystem.bootstrap { _ in LineLogHandler(format: format) }
        let logger = Logger(label: "lvsctl")
        let settings = DaemonSettings(schedule: TickSchedule(interval: interval.duration), mode: mode.mode,
                                      allowMassDeletion: allowMassDelete, drain: drain.map { .seconds($0) }, lockPath: lockFile,
                                      stateDirectory: StateDirectory(path: stateDir))
        let status = DaemonStatus(interval: interval.duration)
        let metrics = DaemonMetrics()
        metrics.recordConfig(valid: true, now: DaemonClock.epochSeconds(), state: initial)
        let daemon = ReconcileDaemon<IPVSKernel>(
            settings: settings, config: config, status: status, metrics: metrics,
            notifier: SystemdNotifier(environment: ProcessInfo.processInfo.environment), logger: logger
        ) { options in
            Reconciler(connect: { () throws(IPVSError) in try IPVSKernel() }, host: LinuxHost(), options: options)
        }
        let health = daemon.health
        let endpoint = HTTPEndpoint(host: listen.host, port: listen.port, logger: logger) { path in
            DaemonEndpoints.respond(to: path, status: status, metrics: metrics, health: health)
        }
        let once = self.once
        let code = Self.blocking {
            if once { return await daemon.runOnce() ? 0 : 1 }
            let listening: ListeningEndpoint
            do throws(ListenError) {
                listening = try await endpoint.listen()
            } catch {
                _ = Console.fail(error.description)
                return 1
            }
            let group = ServiceGroup(configuration: .init(services: [.init(service: daemon), .init(service: listening)],
                                                          gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            do {
                try await group.run()
                return 0
            } catch {
                logger.error("stopped", metadata: ["reason": "\(error)"])
                return 1
            }
        }
        Console.end(code)
    }

    /// Runs `work` on Swift concurrency's pool while this thread waits for its exit code.
    private static func blocking(_ work: @escaping @Sendable () async -> Int32) -> Int32 {
        let done = DispatchSemaphore(value: 0)
        let code = Mutex<Int32>(1)
        Task {
            let result = await work()
            code.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return code.withLock { $0 }
    }
}

/// A duration on the command line: `30` (seconds), `30s`, `5m`, `1h`.
struct Interval: ExpressibleByArgument {
    var duration: Duration

    init(duration: Duration) { self.duration = duration }

    init?(argument: String) {
        guard let duration = DurationText.parse(argument), duration >= .seconds(1) else { return nil }
        self.duration = duration
    }

    var defaultValueDescription: String { "30s" }
}

/// `ADDRESS:PORT` or `[IPv6]:PORT`.
struct ListenAddress: ExpressibleByArgument {
    var host: String
    var port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"), let port = Int(argument[argument.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(argument[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard IPAddress(host) != nil else { return nil }
        self.host = host
        self.port = port
    }

    var defaultValueDescription: String { "\(host):\(port)" }
}

enum ReconcileMode: String, ExpressibleByArgument, CaseIterable {
    case correct, detect

    var mode: DaemonSettings.Mode { self == .correct ? .correct : .detect }
}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case logfmt, json

    var format: LineLogHandler.Format { self == .logfmt ? .logfmt : .json }
}
