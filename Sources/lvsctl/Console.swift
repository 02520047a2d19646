import ArgumentParser
import FoundationEssentials
import Glibc
import LVSConfig
import LVSPlan

/// Writes to a standard stream, colouring diagnostics only on a terminal and never when
/// `NO_COLOR` is set.
struct Console {
    let fd: Int32

    static let standardOutput = Console(fd: STDOUT_FILENO)
    static let standardError = Console(fd: STDERR_FILENO)

    var colored: Bool {
        isatty(fd) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
    }

    /// Writes all of `text` at once, unbuffered.
    func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var rest = UnsafeRawBufferPointer(bytes)
            while !rest.isEmpty {
                let written = Glibc.write(fd, rest.baseAddress, rest.count)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                rest = UnsafeRawBufferPointer(rebasing: rest[written...])
            }
        }
    }

    /// Asks on a terminal before changing anything; without one, `--yes` (`skip`) is required.
    static func confirm(skip: Bool, command: String) throws {
        if skip { return }
        guard isatty(STDIN_FILENO) == 1 else {
            throw fail("no terminal to confirm on; run with --yes to \(command) without asking")
        }
        Swift.print("\nDo you want to perform these actions? Only 'yes' will be accepted: ", terminator: "")
        guard readLine()?.trimmingWhitespace == "yes" else {
            throw fail("\(command) cancelled; nothing was changed")
        }
    }

    /// Ends the process now with `code`. `plan` and `apply` end this way instead of returning:
    /// freeing a large table, config and plan value by value took a quarter of a second of an
    /// apply in the test VM, and the process's end returns the memory at once. `exit` still
    /// flushes what was printed.
    static func end(_ code: Int32 = 0) -> Never {
        exit(code)
    }

    /// Prints `lvsctl: error: MESSAGE` and returns the exit code that ends the command.
    static func fail(_ message: String) -> ExitCode {
        let console = standardError
        let label = console.colored ? "\u{1B}[1;31merror:\u{1B}[0m" : "error:"
        console.write("lvsctl: \(label) \(message)\n")
        return .failure
    }

    func print(_ diagnostic: Diagnostic) {
        guard colored else { return write("\(diagnostic)\n") }
        let color = diagnostic.severity == .error ? "\u{1B}[1;31m" : "\u{1B}[1;33m"
        let location = "\u{1B}[1m\(diagnostic.file):\(diagnostic.line):\(diagnostic.column):\u{1B}[0m"
        write("\(location) \(color)\(diagnostic.severity.rawValue):\u{1B}[0m \(diagnostic.message)\n")
    }
}

/// Standard output as a stream, for renderings too large to hold as one string; it writes
/// with `print`, so it keeps its order with everything else printed.
struct StandardOutputStream: TextOutputStream {
    mutating func write(_ string: String) { print(string, terminator: "") }
}

extension Console {
    /// Prints a plan for people, change by change, coloured on a terminal.
    static func printPlan(_ plan: Plan) {
        var output = StandardOutputStream()
        PlanTextRenderer(colored: standardOutput.colored).write(plan, to: &output)
    }
}
