import ArgumentParser
import LVSConfig
import LVSModel

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn ipvsadm -Sn output, a restore file or an ipvsadm -Ln listing into a config file.",
        discussion: """
            The YAML validates and, applied, reproduces the same table; input it could not say is refused. \
            Thresholds are kept when the save has -x/-y; --set lines become timeouts, --start-daemon lines sync. A listing (-Ln, \
            -Ln --tun-info, --thresholds or --persistent-conn) shows less than a save: a warning names what it lacks.
            """)

    @Argument(help: "The ipvsadm -Sn output, restore file or -Ln listing to read, or '-' for standard input.")
    var file: String

    func run() throws {
        let live = try Inputs.snapshot(file)
        Console.standardOutput.write(try Inputs.checkedYAML(DesiredState(table: live.table)))
    }
}
