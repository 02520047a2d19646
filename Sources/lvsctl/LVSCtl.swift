import ArgumentParser

@main
struct LVSCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lvsctl",
        abstract: "Keep a Linux IPVS load balancer in the state a YAML file describes.",
        version: "0.1.0",
        subcommands: [Validate.self, PlanCommand.self, ApplyCommand.self, Get.self, Import.self, RealServerCommand.self])
}
