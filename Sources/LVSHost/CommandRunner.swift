import LVSModel
internal import FoundationEssentials
internal import Glibc

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
    ///
    /// `posix_spawn`, not Foundation's `Process`: on Linux, `Process` waits for its children
    /// through a CFSocket that needs 127.0.0.1, and hangs for good on a host (or in a network
    /// namespace) whose `lo` is down — the very state a real server's setup may have to fix.
    /// All three streams go through temporary files, so no pipe can fill and stall both sides.
    func run(_ program: String, _ arguments: [String], input: String? = nil) throws(HostError) -> Result {
        let commandLine = ([program] + arguments).joined(separator: " ")
        guard let executable = locate(program) else {
            let package = Self.packages[program].map { " (Debian package \($0))" } ?? ""
            throw HostError(action: commandLine, message: "\(program) is not installed\(package)")
        }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("lvsctl-\(UUID().uuidString)").path
        let (inputPath, outputPath, errorPath) = (base + ".in", base + ".out", base + ".err")
        defer { for path in [inputPath, outputPath, errorPath] { unlink(path) } }
        if let input {
            guard FileManager.default.createFile(atPath: inputPath, contents: Data(input.utf8)) else {
                throw HostError(action: commandLine, message: "cannot write its input to \(inputPath)")
            }
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input == nil ? "/dev/null" : inputPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw HostError(action: commandLine, message: "could not run \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw HostError(action: commandLine, message: "lost track of \(executable): \(String(cString: strerror(errno)))")
            }
        }
        // Exited: the code in bits 8–15; killed: the signal in the low 7 bits, reported as the shell does.
        let code = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + status & 0x7F
        return Result(status: code, output: String(decoding: FileBytes.read(outputPath) ?? [], as: UTF8.self),
                      error: String(decoding: FileBytes.read(errorPath) ?? [], as: UTF8.self).trimmingWhitespace)
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
