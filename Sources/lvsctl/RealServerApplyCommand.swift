import ArgumentParser
import Foundation
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
        let lock = try HostLock()
        let host = LinuxHost()
        let plan = setup.plan(against: try options.snapshot(host, for: setup))
        print(PlanTextRenderer(colored: Console.standardOutput.colored).render(plan), terminator: "")
        guard !plan.isEmpty else { return }
        try confirm()
        try carryOut(plan, on: host)

        let remaining = setup.plan(against: try options.snapshot(host, for: setup))
        guard remaining.isEmpty else {
            Console.standardError.write(PlanTextRenderer(colored: false).render(remaining))
            throw Console.fail("this host still differs after rs apply (changed meanwhile?); run rs apply again")
        }
        withExtendedLifetime(lock) {}
        print("Real-server setup complete: \(plan.changes.count) changes. This host matches.")
    }

    private func confirm() throws {
        if yes { return }
        guard isatty(STDIN_FILENO) == 1 else {
            throw Console.fail("no terminal to confirm on; run with --yes to apply without asking")
        }
        Swift.print("\nDo you want to perform these actions? Only 'yes' will be accepted: ", terminator: "")
        guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
            throw Console.fail("rs apply cancelled; nothing was changed")
        }
    }

    /// Change by change; the first failure stops the rest and says what was and was not done.
    private func carryOut(_ plan: Plan, on host: LinuxHost) throws {
        for (index, change) in plan.changes.enumerated() {
            do {
                for action in change.hostActions { try host.perform(action) }
            } catch {
                let err = Console.standardError
                err.write("lvsctl: error: \(error)\n")
                for (title, changes) in [("Done", plan.changes[..<index]), ("Failed", [change]),
                                         ("Not done", plan.changes[(index + 1)...])] where !changes.isEmpty {
                    err.write("\(title) (\(changes.count)):\n")
                    for change in changes { err.write("  \(change.action.rawValue) \(change.subject ?? "")\n") }
                }
                err.write("This host is partly set up. Fix the cause and run rs apply again: it goes on from where it stopped.\n")
                throw ExitCode.failure
            }
        }
    }
}
