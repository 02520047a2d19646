import LVSModel
internal import Foundation

/// Runs host tools (`ip`, `iptables-restore`, `modprobe`) with argument arrays, never through a
/// shell, so that no value from a config file is ever parsed as shell syntax.
struct CommandRunner {
    /// Where the tools live; searched after `PATH`, because `sudo` and systemd units often leave
    /// the sbin folders out of it.
    static let systemFolders = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]

    /// The Debian package that brings each tool, for the message when it is missing.
    static let packages = ["ip": "iproute2", "modprobe": "kmod", "iptables": "iptables", "ip6tables": "iptables",
                           "iptables-save": "iptables", "ip6tables-save": "iptables",
                           "iptables-restore": "iptables", "ip6tables-restore": "iptables"]

    /// What a finished program said.
    struct Result {
        var status: Int32
        var output: String
        var error: String

        var succeeded: Bool { status == 0 }
    }

    /// The full path of `program`, or nil when it is not installed.
    func locate(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map(String.init) ?? []
        return (path + Self.systemFolders).lazy.map { "\($0)/\(program)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `program` with `arguments`, feeding `input` on standard input (nothing when nil).
    /// Standard input and error go through temporary files, so that neither a large input nor a
    /// chatty error stream can fill a pipe and stall both processes.
    func run(_ program: String, _ arguments: [String], input: String? = nil) throws(HostError) -> Result {
        let commandLine = ([program] + arguments).joined(separator: " ")
        guard let executable = locate(program) else {
            let package = Self.packages[program].map { " (Debian package \($0))" } ?? ""
            throw HostError(action: commandLine, message: "\(program) is not installed\(package)")
        }
        do {
            let folder = FileManager.default.temporaryDirectory
            let errorFile = folder.appendingPathComponent("lvsctl-\(UUID().uuidString).err")
            let inputFile = folder.appendingPathComponent("lvsctl-\(UUID().uuidString).in")
            defer {
                try? FileManager.default.removeItem(at: errorFile)
                try? FileManager.default.removeItem(at: inputFile)
            }
            _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            if let input {
                try Data(input.utf8).write(to: inputFile)
                process.standardInput = try FileHandle(forReadingFrom: inputFile)
            } else {
                process.standardInput = FileHandle.nullDevice
            }
            let errorHandle = try FileHandle(forWritingTo: errorFile)
            process.standardError = errorHandle
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let bytes = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            try errorHandle.close()
            let errorText = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            return Result(status: process.terminationStatus, output: String(decoding: bytes, as: UTF8.self),
                          error: errorText.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw HostError(action: commandLine, message: "could not run \(executable): \(error.localizedDescription)")
        }
    }

    /// Runs the program and fails with its own words, made actionable, when it exits non-zero.
    @discardableResult
    func check(_ program: String, _ arguments: [String], input: String? = nil) throws(HostError) -> Result {
        let result = try run(program, arguments, input: input)
        guard result.succeeded else {
            throw HostError(action: ([program] + arguments).joined(separator: " "),
                            message: HostErrorWording.explain(result.error, status: result.status))
        }
        return result
    }
}
