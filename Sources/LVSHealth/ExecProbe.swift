import Glibc
import LVSModel
import NIOCore
import NIOPosix
import Synchronization

/// `type: exec`: a program run from an argument array (never through a shell) with the target
/// in its environment; exit 0 is healthy. It runs in a process group of its own, killed whole
/// at the timeout, and is waited for on a thread pool so no event loop thread ever blocks.
enum ExecProbe {
    static func run(_ arguments: [String], address: String, port: UInt16, timeout: Duration,
                    on clock: LoopTimers, pool: NIOThreadPool) -> ProbeRun {
        let attempt = ProbeAttempt(on: clock, timeout: timeout, timeoutReason: "killed after timeout \(timeout.spoken)")
        guard let program = arguments.first, !program.isEmpty else {
            attempt.finish(success: false, reason: "no program to run")
            return attempt.run
        }
        let environment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                           "LVSCTL_CHECK_ADDRESS=\(address)", "LVSCTL_CHECK_PORT=\(port)"]
        let (pid, code) = spawn(arguments, environment: environment)
        guard code == 0 else {
            attempt.finish(success: false, reason: "cannot run \(DisplayText.escaped(program, limit: 100)): \(String(cString: strerror(code)))")
            return attempt.run
        }
        let child = Child(pid: pid)
        attempt.hold { child.kill() }
        pool.runIfActive(eventLoop: clock.eventLoop) { child.wait() }.whenComplete { result in
            switch result {
            case .success(let status): attempt.finish(success: status == 0, reason: reason(status: status))
            case .failure(let error): attempt.fail(error)
            }
        }
        return attempt.run
    }

    private static func reason(status: Int32) -> String {
        let signal = status & 0x7F
        return signal == 0 ? "exit status \((status >> 8) & 0xFF)" : "killed by signal \(signal)"
    }

    /// Starts `arguments` with stdin, stdout and stderr on /dev/null, default signal handling,
    /// no blocked signals, and its own process group: its pid, or the errno why not.
    private static func spawn(_ arguments: [String], environment: [String]) -> (pid: pid_t, errno: Int32) {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        for descriptor: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var none = sigset_t()
        var all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        return (pid, code)
    }
}

/// A started program: killed only while it has not been reaped, so a kill never reaches a
/// process that reused its number.
private final class Child: Sendable {
    let pid: pid_t
    private let exited = Mutex(false)

    init(pid: pid_t) { self.pid = pid }

    func kill() {
        exited.withLock { exited in
            if !exited { _ = Glibc.kill(-pid, SIGKILL) }
        }
    }

    /// Blocks until the program ends, then reaps it; its wait status.
    func wait() -> Int32 {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
        exited.withLock { $0 = true }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        return status
    }
}
