import ArgumentParser
import LVSConfig
import LVSModel

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn ipvsadm -Sn output into a config file.",
        discussion: "The YAML validates and, applied, reproduces the same table. Thresholds are kept when the save has -x/-y.")

    @Argument(help: "The ipvsadm -Sn output to read, or '-' for standard input.")
    var file: String

    func run() throws {
        let live = try Inputs.snapshot(file)
        Console.standardOutput.write(ConfigWriter.yaml(DesiredState(table: live.table)))
    }
}
