import ArgumentParser
internal import CMalloc

@main
struct LVSCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lvsctl",
        abstract: "Keep a Linux IPVS load balancer in the state a YAML file describes.",
        version: "0.1.0",
        subcommands: [Validate.self, PlanCommand.self, ApplyCommand.self, ReconcileCommand.self, Get.self, Import.self,
                      RealServerCommand.self, ServerCommand.self, ModulesCommand.self])

    /// Runs the command the arguments name, with the heap growing in 64 MiB steps instead of
    /// glibc's 128 KiB: reading, loading or planning a table of tens of thousands of services
    /// allocates tens of MB, from several threads when reading, and every small growth is a
    /// system call and a change of page tables (a tenth of a full read's time). A plan against
    /// the kernel starts reading it while the arguments are parsed.
    static func main() {
        mallopt(M_TOP_PAD, 64 << 20)
        if PlanCommand.readsKernel(arguments: CommandLine.arguments) { EarlyRead.start() }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
        Console.end()
    }
}
