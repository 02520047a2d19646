import ArgumentParser
import LVSModel

struct ModulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modules",
        abstract: "Print the kernel modules a config needs, as a modules-load.d file.",
        discussion: """
            ip_vs and one ip_vs_NAME module per scheduler the config uses. Loaded at boot from \
            /etc/modules-load.d/, they let lvsctl run under systemd's ProtectKernelModules (deploy/).
            """)

    @Option(name: [.short, .customLong("file")], help: "The config file.")
    var file: String

    func run() throws {
        let desired = try Inputs.desiredState(file)
        let schedulers = Set(desired.table.services.map(\.scheduler.rawValue)).sorted()
        let lines = ["# Written by 'lvsctl modules -f \(file)'.", "ip_vs"] + schedulers.map { "ip_vs_\($0)" }
        Console.standardOutput.write(lines.joined(separator: "\n") + "\n")
    }
}
