import ArgumentParser
import LVSHost
import LVSJSON
import LVSModel
import LVSPlan

struct RealServerPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what this real server still needs, without changing anything.",
        discussion: """
            text and json compare with this host. script prints the whole setup as a POSIX sh script instead, \
            whatever this host holds, for configuration management that pushes files to servers.
            """)

    @OptionGroup var options: RealServerOptions

    @Option(name: .shortAndLong, help: "text (a readable diff), json (docs/json.md), or script (every setting as sh commands that can run again; reads nothing of this host).")
    var output: RealServerPlanFormat = .text

    func run() throws {
        let setup = try options.setup()
        switch output {
        case .script:
            Console.standardOutput.write(RealServerScript.render(setup.plan(against: HostSnapshot()), node: options.nodeAddress,
                                                                 file: options.file, warnings: setup.warnings))
        case .text, .json:
            let host = try options.snapshot(LinuxHost(), for: setup)
            let plan = setup.plan(against: host)
            if output == .json {
                Console.printLine(PlanJSON.encode(plan, target: nil, host: host))
            } else {
                Console.printPlan(plan)
            }
        }
    }
}

enum RealServerPlanFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case script
}
