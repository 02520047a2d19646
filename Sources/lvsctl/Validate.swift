import ArgumentParser
import LVSConfig
import LVSJSON

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a config file without touching the kernel.",
        discussion: "Exits 0 when the file is valid and 1 when it is not, listing every problem as FILE:LINE:COLUMN.")

    @Option(name: [.short, .customLong("file")], help: "The config file to check ('-' reads standard input).")
    var file: String

    @Option(name: .shortAndLong, help: "How to print diagnostics: text (compiler style) or json.")
    var output: DiagnosticFormat = .text

    func run() throws {
        let result = ConfigLoader.load(path: file)
        switch output {
        case .text:
            let console = Console.standardError
            for diagnostic in result.diagnostics { console.print(diagnostic) }
            if result.errors.isEmpty {
                Console.standardOutput.write("\(file): valid (\(result.state?.table.services.count ?? 0) services)\n")
            } else {
                console.write("\(result.errors.count) error\(result.errors.count == 1 ? "" : "s") in \(file)\n")
            }
        case .json:
            Console.standardOutput.write(ValidationJSON.encode(file: file, result: result) + "\n")
        }
        if !result.errors.isEmpty { throw ExitCode.failure }
    }
}

enum DiagnosticFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

