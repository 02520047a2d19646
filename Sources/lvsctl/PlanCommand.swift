import ArgumentParser
import LVSConfig
import LVSDaemon
import LVSEngine
import LVSHost
import LVSJSON
import LVSModel
import LVSPlan

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what apply would change, without changing anything.",
        discussion: """
            Diffs the config against the kernel, or against a snapshot (--live) so CI needs no kernel. \
            With --detailed-exitcode: 0 no changes, 2 changes, 1 error.
            """)

    @Option(name: [.short, .customLong("file")], help: "The config file.")
    var file: String

    @Option(help: "Diff against a saved snapshot instead of the kernel: ipvsadm -Sn output or lvsctl get --output json ('-' for standard input).")
    var live: String?

    @Option(name: .shortAndLong, help: "text (a readable diff), json (docs/json.md) or ipvsadm (commands that carry the plan out).")
    var output: PlanFormat = .text

    @Option(help: "Also save the plan as JSON to this file, for 'lvsctl apply PLANFILE'.")
    var out: String?

    @Flag(help: "Exit 0 when there are no changes, 2 when there are, 1 on error.")
    var detailedExitcode = false

    @Option(help: "Where the reconcile daemon keeps health and overrides; used when planning against this director's kernel.")
    var stateDir = StateDirectory.defaultPath

    @OptionGroup var timing: TimingOptions

    func run() throws {
        var timings = Timings(enabled: timing.timings)
        let reading = self.live == nil ? EarlyRead.take() ?? DirectorRead(host: LinuxHost()) : nil
        let config = try Inputs.desiredState(file)
        // On the director, what its daemon and operators know counts; a snapshot is planned from the file alone.
        let desired = reading == nil ? config : try Inputs.onThisDirector(config, stateDir: stateDir)
        timings.lap(reading == nil ? "load config" : "load config (reading kernel and host meanwhile)")
        let live: LiveState
        let host: HostSnapshot?
        if let reading {
            let director = try reading.director()
            (live, host) = (director.live, director.host)
        } else {
            (live, host) = (try Inputs.snapshot(self.live ?? "-"), nil)
        }
        timings.lap(reading == nil ? "read snapshot" : "rest of reading kernel and host")
        if self.live != nil {
            Console.standardError.write("lvsctl: note: a plan against a snapshot covers the IPVS table only; VIPs, sysctls and firewall rules are planned on the director itself\n")
        }
        let plan = Planner.plan(desired: desired, live: live.table, host: host)
        timings.lap("plan")
        switch output {
        case .text: Console.printPlan(plan)
        case .json: Console.printLine(PlanJSON.encode(plan, target: desired, host: host))
        case .ipvsadm: Console.standardOutput.write(IPVSAdmFormat.script(plan.operations))
        }
        timings.lap("render")
        do {
            try plan.checkMassDeletion()
        } catch {
            Console.standardError.write("lvsctl: warning: apply will refuse this plan: \(error)\n")
        }
        if let out, case .failure(let failure) = OutputFile.write(Array((PlanJSON.encode(plan, target: desired, host: host) + "\n").utf8),
                                                                  to: out) {
            throw Console.fail("cannot write plan file '\(out)': \(failure)")
        }
        Console.end(detailedExitcode && !plan.isEmpty ? 2 : 0)
    }
}

extension PlanCommand {
    /// Whether the process's `arguments` (program name first) name a plan against the kernel,
    /// read before they are parsed: `plan` first, and no `--live` or help flag. `run()` then takes
    /// the read `EarlyRead.start()` started; a wrong guess only reads in vain.
    static func readsKernel(arguments: [String]) -> Bool {
        let words = arguments.dropFirst()
        return words.first == "plan"
            && !words.contains { $0 == "--live" || $0.hasPrefix("--live=") || $0 == "-h" || $0 == "--help" }
    }
}

enum PlanFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case ipvsadm
}
