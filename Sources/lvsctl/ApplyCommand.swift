import ArgumentParser
import IPVSKernel
import LVSConfig
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
    var lockFile = HostLock.defaultPath

    @OptionGroup var timing: TimingOptions

    func validate() throws {
        if (file == nil) == (planFile == nil) { throw ValidationError("give either -f FILE or a PLANFILE") }
        if let drain, drain < 0 { throw ValidationError("--drain takes a number of seconds, 0 or more") }
    }

    func run() throws {
        var timings = Timings(enabled: timing.timings)
        // A plan file is read and proven before the lock is taken or the kernel is touched.
        let saved = try planFile.map(Self.savedPlan)
        _ = try HostLock(path: lockFile)  // held until the process ends
        let host = LinuxHost()
        // The host is planned for a config, and for a saved plan that covers it.
        let reading = LiveRead(host: saved.map(\.coversHost) ?? true ? host : nil)
        let desired = try file.map(Inputs.desiredState)
        timings.lap("load config (reading kernel and host meanwhile)")
        let (kernel, live, hostSnapshot) = try reading.wait()
        timings.lap("rest of reading kernel and host")
        guard let target = desired ?? saved?.target else { throw ExitCode.failure }
        let plan = Planner.plan(desired: target, live: live.table, host: hostSnapshot)
        if let saved {
            do {
                try saved.checkCurrent(plan)
            } catch {
                throw Console.fail("\(planFile ?? ""): \(error)")
            }
        }
        if !allowMassDelete {
            do {
                try plan.checkMassDeletion()
            } catch {
                throw Console.fail(error.description)
            }
        }
        timings.lap("plan")
        let applier = Applier(table: kernel, host: host, drain: drain.map { DrainPolicy(timeout: .seconds($0)) })
        // With --yes nothing waits for a reader: the writes (of the plan already computed, so
        // exactly what is printed) overlap the printing of a large plan.
        let applying = yes && !plan.isEmpty ? Background { applier.apply(plan) } : nil
        Console.printPlan(plan)
        timings.lap(applying == nil ? "render" : "render (writing meanwhile)")
        guard !plan.isEmpty else { Console.end() }
        try Console.confirm(skip: yes, command: "apply")

        let report = applying?.wait() ?? applier.apply(plan)
        ApplyReportPrinter.print(report, command: "apply")
        timings.lap(applying == nil ? "write (\(plan.operations.count) operations)" : "rest of writing")
        guard report.succeeded else { throw ExitCode.failure }

        let verifying = LiveRead(kernel: kernel, host: nil)
        // The host is read again only where the plan changed it; else the reading from before
        // still stands, and the kernel read gets both CPUs.
        let changedHost = plan.changes.contains { $0.stage != .table }
        let hostAfter = hostSnapshot == nil ? nil : changedHost ? try Inputs.hostSnapshot(host) : hostSnapshot
        let after = try verifying.wait().live
        timings.lap("verify: read kernel and host")
        let remaining = Planner.plan(desired: target, live: after.table, host: hostAfter)
        timings.lap("verify: plan")
        guard remaining.isEmpty else {
            Console.standardError.write(PlanTextRenderer(colored: false).render(remaining))
            throw Console.fail("the kernel still differs after apply (changed meanwhile?); run apply again")
        }
        print("Apply complete: \(plan.changes.count) changes, \(plan.operations.count) kernel writes. The kernel matches.")
        Console.end()
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
            Swift.print("Drained \(drain.servers.count) server(s) to weight 0 before removing them.")
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
        for (_, error) in report.failures { err.write("lvsctl: error: \(error)\n") }
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
