import ArgumentParser
import LVSEngine
import LVSHost
import LVSModel
import LVSPlan

struct RealServerApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Set this real server up for the services it backs.",
        discussion: """
            Shows the plan, asks for confirmation on a terminal (or needs --yes), carries it out, then reads this \
            host again and confirms nothing is left to do. Needs root.
            """)

    @OptionGroup var options: RealServerOptions

    @Flag(help: "Apply without asking; needed when there is no terminal.")
    var yes = false

    func run() throws {
        let setup = try options.setup()
        _ = try DirectorLock.forCommand()  // held until the process ends
        let host = LinuxHost()
        let plan = setup.plan(against: try options.snapshot(host, for: setup))
        Console.printPlan(plan)
        guard !plan.isEmpty else { return }
        guard yes || Console.confirm("rs apply") else { throw Console.fail("rs apply cancelled; nothing was changed") }
        // A real server's plan holds host changes only: the table the applier is given stays untouched.
        let report = Applier(table: InMemoryTable(), host: host).apply(plan)
        ApplyReportPrinter.print(report, command: "rs apply")
        guard report.succeeded else { throw ExitCode.failure }

        let remaining = setup.plan(against: try options.snapshot(host, for: setup))
        guard remaining.isEmpty else {
            Console.standardError.write(PlanTextRenderer(colored: false).render(remaining))
            throw Console.fail("this host still differs after rs apply (changed meanwhile?); run rs apply again")
        }
        Console.printLine("Real-server setup complete: \(plan.changes.count) changes. This host matches.")
    }
}
