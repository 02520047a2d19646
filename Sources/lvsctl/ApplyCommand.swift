import ArgumentParser
import IPVSKernel
import LVSConfig
import LVSDaemon
import LVSEngine
import LVSHost
import LVSJSON
import LVSModel
import LVSPlan

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Change the kernel to match the config, or carry out a saved plan.",
        discussion: """
            Shows the plan, asks for confirmation on a terminal (or needs --yes), executes it, then reads the \
            kernel again and confirms nothing is left to do. A saved PLANFILE is checked whole before anything \
            is touched: its changes must be exactly what its target and basis give, and planning its target \
            against the kernel (and this host) now must give the same plan, which is then what runs.
            """)

    @Option(name: [.short, .customLong("file")], help: "The config file to converge to.")
    var file: String?

    @Argument(help: "A plan saved with 'lvsctl plan --out', instead of -f.")
    var planFile: String?

    @Flag(help: "Apply without asking; needed when there is no terminal.")
    var yes = false

    @Option(help: "Drain servers being removed: set them to weight 0 first and delete them once their connections end, waiting at most this many seconds.")
    var drain: Int?

    @Flag(help: "Allow a plan that deletes more than half of the managed services, or all of them.")
    var allowMassDelete = false

    @Option(help: .hidden)
    var lockFile = DirectorLock.defaultPath

    @Option(help: "Where the reconcile daemon keeps health and overrides: failing and disabled servers stay out of rotation.")
    var stateDir = StateDirectory.defaultPath

    @OptionGroup var timing: TimingOptions

    func validate() throws {
        if (file == nil) == (planFile == nil) { throw ValidationError("give either -f FILE or a PLANFILE") }
        if let drain, drain < 0 { throw ValidationError("--drain takes a number of seconds, 0 or more") }
    }

    func run() throws {
        var timings = Timings(enabled: timing.timings)
        // A plan file is read and proven before the lock is taken or the kernel is touched.
        let saved = try planFile.map(Self.savedPlan)
        _ = try DirectorLock.forCommand(path: lockFile)  // held until the process ends
        // The host is planned for a config, and for a saved plan that covers it.
        let options = ReconcileOptions(allowMassDeletion: allowMassDelete, drain: drain.map { DrainPolicy(timeout: .seconds($0)) })
        var reconciler = Reconciler(connect: { () throws(IPVSError) in try IPVSKernel() },
                                    host: saved.map(\.coversHost) ?? true ? LinuxHost() : nil, options: options)
        if let saved, let path = planFile {
            // Only a plan equal to the one the operator reviewed runs.
            reconciler.admit = { current in
                do {
                    try saved.checkCurrent(current)
                    return nil
                } catch {
                    return .stale("\(path): \(error)")
                }
            }
        }
        let review = Reconciler<IPVSKernel>.Review(show: Console.printPlan,
                                                   confirm: yes ? nil : { _ in Console.confirm("apply") })
        let outcome = try reconciler.run(load: {
            try saved?.target ?? Inputs.onThisDirector(Inputs.desiredState(file ?? ""), stateDir: stateDir)
        }, review: review) {
            timings.lap($0)
        }
        try Self.report(outcome, command: "apply")
        Console.end()
    }

    /// Prints what a reconcile did; exits 1 unless it converged or there was nothing to do.
    static func report(_ outcome: ReconcileOutcome, command: String) throws {
        switch outcome {
        case .unchanged(let plan):
            Console.printPlan(plan)
        case .applied(let plan, let report):
            ApplyReportPrinter.print(report, command: command)
            Console.printLine("Apply complete: \(plan.changes.count) changes, \(plan.operations.count) kernel writes. The kernel matches.")
        case .detected:
            break
        case .refused(_, let refusal):
            throw Console.fail(refusal.description)
        case .cancelled:
            throw Console.fail("\(command) cancelled; nothing was changed")
        case .failed(let failure):
            if let report = failure.report, !report.succeeded {
                ApplyReportPrinter.print(report, command: command)
                throw ExitCode.failure
            }
            if let remaining = failure.remaining {
                Console.standardError.write(PlanTextRenderer(colored: false).render(remaining))
                throw Console.fail("\(failure.message); run \(command) again")
            }
            throw Console.fail(failure.message)
        }
    }

    /// The plan file, read and proven (see `SavedPlan`), or exit 1 with every located reason.
    private static func savedPlan(_ path: String) throws -> SavedPlan {
        let bytes = try Inputs.contents(of: path, what: "plan file")
        do {
            return try SavedPlan.read(bytes, file: path)
        } catch {
            for diagnostic in error.diagnostics { Console.standardError.print(diagnostic) }
            throw ExitCode.failure
        }
    }
}

/// Says what an apply did, change by change, when it did not all go through.
enum ApplyReportPrinter {
    static func print(_ report: ApplyReport, command: String) {
        if let drain = report.drain, !drain.servers.isEmpty {
            Console.printLine("Drained \(drain.servers.count) server(s) to weight 0 before removing them.")
            if !drain.stillConnected.isEmpty {
                Console.standardError.write("lvsctl: warning: still connected when the drain time ran out: \(drain.stillConnected.joined(separator: ", "))\n")
            }
        }
        if let failure = report.drain?.failure {
            Console.standardError.write("lvsctl: error: draining failed, nothing else was changed: \(failure)\n")
            return
        }
        guard !report.succeeded else { return }
        let err = Console.standardError
        for (_, error) in report.failures { err.write("lvsctl: error: \(DisplayText.escaped("\(error)"))\n") }
        for (title, status) in [("Done", ApplyReport.Status.done), ("Not done", .notDone)] {
            let changes = report.results.filter { $0.status == status }.map(\.change)
            guard !changes.isEmpty else { continue }
            err.write("\(title) (\(changes.count)):\n")
            for change in changes { err.write("  \(change.action.rawValue) \(describe(change))\n") }
        }
        err.write("Failed (\(report.failures.count)):\n")
        for (change, _) in report.failures { err.write("  \(change.action.rawValue) \(describe(change))\n") }
        err.write("The change is partly made. Fix the cause and run \(command) again: it converges from where it stopped.\n")
    }

    private static func describe(_ change: Change) -> String {
        DisplayText.escaped(subject(change))
    }

    private static func subject(_ change: Change) -> String {
        switch change.object {
        case .service: "service \(change.service?.description ?? "")"
        case .server: "server \(change.server?.description ?? "") in \(change.service?.description ?? "")"
        case .timeouts: "timeouts"
        case .sync: "sync daemon"
        case .firewall: "firewall chain \(change.subject ?? "")"
        case .host: change.subject ?? "host setting"
        }
    }
}
