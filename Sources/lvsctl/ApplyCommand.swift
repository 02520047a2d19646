import ArgumentParser
import IPVSKernel
import LVSConfig
import LVSHost
import LVSModel
import LVSPlan

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Change the kernel to match the config, or carry out a saved plan.",
        discussion: """
            Shows the plan, asks for confirmation on a terminal (or needs --yes), executes it, then reads the \
            kernel again and confirms nothing is left to do. A saved PLANFILE is applied only while the kernel \
            still holds the table it was computed from.
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
        _ = try HostLock(path: lockFile)  // held until the process ends
        let host = LinuxHost()
        // A saved plan carries its host changes; only a config is planned against the host.
        let reading = LiveRead(host: file == nil ? nil : host)
        let desired = try file.map(Inputs.desiredState)
        timings.lap("load config (reading kernel and host meanwhile)")
        let (kernel, live, hostSnapshot) = try reading.wait()
        timings.lap("rest of reading kernel and host")
        let plan: Plan
        let target: DesiredState
        if let desired {
            plan = Planner.plan(desired: desired, live: live.table, host: hostSnapshot)
            target = desired
        } else {
            plan = try savedPlan(planFile ?? "", live: live.table)
            do {
                target = try plan.target()
            } catch {
                throw Console.fail("the plan file does not apply to the table it was made from: \(error)")
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
        let hostAfter = file == nil ? nil : changedHost ? try Inputs.hostSnapshot(host) : hostSnapshot
        let after = try verifying.wait().live
        timings.lap("verify: read kernel and host")
        let remaining = Planner.plan(desired: target, live: after.table, host: hostAfter)
        timings.lap("verify: plan")
        guard remaining.isEmpty else {
            Console.standardError.write(PlanTextRenderer(colored: false).render(remaining))
            throw Console.fail("the kernel still differs after apply (changed meanwhile?); run apply again")
        }
        Console.printLine("Apply complete: \(plan.changes.count) changes, \(plan.operations.count) kernel writes. The kernel matches.")
        Console.end()
    }

    private func savedPlan(_ path: String, live: IPVSTable) throws -> Plan {
        let bytes = try Inputs.contents(of: path, what: "plan file")
        let plan: Plan
        do {
            plan = try PlanJSON.decode(bytes)
        } catch {
            throw Console.fail("\(path): \(error)")
        }
        guard plan.isCurrent(for: live) else {
            throw Console.fail("stale plan: the kernel's table changed since '\(path)' was made; run 'lvsctl plan' again")
        }
        return plan
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
