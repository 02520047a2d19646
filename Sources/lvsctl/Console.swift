import ArgumentParser
import FoundationEssentials
import Glibc
import LVSConfig
import LVSModel
import LVSPlan
import Synchronization

/// Writes to a standard stream, colouring diagnostics only on a terminal and never when
/// `NO_COLOR` is set.
struct Console {
    let fd: Int32

    static let standardOutput = Console(fd: STDOUT_FILENO)
    static let standardError = Console(fd: STDERR_FILENO)

    var colored: Bool {
        isatty(fd) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
    }

    /// The first error of a write to standard output (an errno), or 0. A command whose output
    /// did not all arrive (a full disk, a closed pipe) must not exit 0: a truncated `import`
    /// is a valid config that deletes what was cut off.
    private static let outputFailure = Atomic<Int32>(0)

    /// Writes all of `text` at once, unbuffered.
    func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var rest = UnsafeRawBufferPointer(bytes)
            while !rest.isEmpty {
                let written = Glibc.write(fd, rest.baseAddress, rest.count)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else {
                    if fd == STDOUT_FILENO { _ = Self.outputFailure.compareExchange(expected: 0, desired: written < 0 ? errno : EIO, ordering: .relaxed) }
                    return
                }
                rest = UnsafeRawBufferPointer(rebasing: rest[written...])
            }
        }
    }

    /// Asks on a terminal before changing anything; without one, says that `--yes` is needed.
    /// True only for the answer `yes`.
    static func confirm(_ command: String) -> Bool {
        guard isatty(STDIN_FILENO) == 1 else {
            _ = fail("no terminal to confirm on; run with --yes to \(command) without asking")
            return false
        }
        standardOutput.write("\nDo you want to perform these actions? Only 'yes' will be accepted: ")
        return readLine()?.trimmingWhitespace == "yes"
    }

    /// Ends the process now with `code`, or with 1 when standard output did not take all that
    /// was printed. Every command ends here: `plan` and `apply` without freeing a large table,
    /// config and plan value by value (a quarter of a second of an apply in the test VM).
    static func end(_ code: Int32 = 0) -> Never {
        let failure = outputFailure.load(ordering: .relaxed)
        guard failure == 0 else {
            _ = fail("writing standard output failed: \(String(cString: strerror(failure))); what was printed is incomplete")
            exit(1)
        }
        exit(code)
    }

    /// Prints `lvsctl: error: MESSAGE` and returns the exit code that ends the command.
    /// `message` is shown as `DisplayText` shows it: it may quote input.
    static func fail(_ message: String) -> ExitCode {
        let console = standardError
        let label = console.colored ? "\u{1B}[1;31merror:\u{1B}[0m" : "error:"
        console.write("lvsctl: \(label) \(DisplayText.escaped(message))\n")
        return .failure
    }

    func print(_ diagnostic: Diagnostic) {
        guard colored else { return write("\(diagnostic)\n") }
        let color = diagnostic.severity == .error ? "\u{1B}[1;31m" : "\u{1B}[1;33m"
        let location = "\u{1B}[1m\(diagnostic.file):\(diagnostic.line):\(diagnostic.column):\u{1B}[0m"
        write("\(location) \(color)\(diagnostic.severity.rawValue):\u{1B}[0m \(diagnostic.message)\n")
    }
}

/// Standard output as a stream, for renderings too large to hold as one string: written in
/// pieces of about 64 KiB, each checked as every write to standard output is.
struct StandardOutputStream: TextOutputStream {
    private var buffer = ""

    mutating func write(_ string: String) {
        buffer += string
        if buffer.utf8.count >= 1 << 16 { flush() }
    }

    /// Writes what is buffered; the owner calls it before anything else is printed.
    mutating func flush() {
        Console.standardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

extension Console {
    /// Prints a plan for people, change by change, coloured on a terminal.
    static func printPlan(_ plan: Plan) {
        var output = StandardOutputStream()
        PlanTextRenderer(colored: standardOutput.colored).write(plan, to: &output)
        output.flush()
    }

    /// Writes `text` and a line break to standard output.
    static func printLine(_ text: String) { standardOutput.write(text + "\n") }
}
