import ArgumentParser
import FoundationEssentials
import IPVSKernel
import LVSConfig
import LVSDaemon
import LVSHealth
import LVSHost
import LVSJSON
import LVSModel
import LVSPlan

/// Reading what commands work on: the config file, a saved snapshot, or the kernel. Each prints
/// its own errors and ends the command with exit code 1.
enum Inputs {
    /// The desired state in `path`, or exit 1 after printing every diagnostic.
    static func desiredState(_ path: String) throws -> DesiredState {
        let result = ConfigLoader.load(path: path)
        for diagnostic in result.diagnostics { Console.standardError.print(diagnostic) }
        guard let state = result.state else { throw ExitCode.failure }
        return state
    }

    /// The bytes of a file the command reads whole (`-`: standard input), or exit 1 saying
    /// which `what` could not be read, and why.
    static func contents(of path: String, what: String) throws -> [UInt8] {
        switch InputFile.read(path) {
        case .success(let bytes): return bytes
        case .failure(let failure): throw Console.fail("cannot read \(what) '\(path)': \(failure.reason)")
        }
    }

    /// A table saved by `ipvsadm -Sn` or `lvsctl get --output json`, told apart by content
    /// (a byte-order mark before the JSON is skipped).
    static func snapshot(_ path: String) throws -> LiveState {
        let bytes = try contents(of: path, what: "snapshot")
        if JSONReader.looksLikeObject(bytes) {
            do {
                return try SnapshotJSON.decode(bytes)
            } catch {
                Console.standardError.print(error.diagnostic(file: path))
                throw ExitCode.failure
            }
        }
        let result = IPVSAdmFormat.parse(String(decoding: bytes, as: UTF8.self), file: path)
        for diagnostic in result.diagnostics { Console.standardError.print(diagnostic) }
        guard let table = result.table else { throw ExitCode.failure }
        return LiveState(table: table)
    }

    /// The config `ConfigWriter` writes for `state`, or exit 1 when it would not read back as
    /// `state`: `get` and `import` never print a config that fails to validate or means
    /// something else.
    static func checkedYAML(_ state: DesiredState, comment: ConfigWriter.Comment? = nil) throws -> String {
        switch ConfigWriter.checkedYAML(state, comment: comment) {
        case .success(let yaml): return yaml
        case .failure(let failure): throw Console.fail("the config written for this table does not read back the same (\(failure)); nothing is printed")
        }
    }

    /// The kernel adapter, or exit 1 with the reason IPVS cannot be reached.
    static func kernel() throws -> IPVSKernel {
        do {
            return try IPVSKernel()
        } catch {
            throw failure(error)
        }
    }

    static func liveState(from kernel: IPVSKernel) throws -> LiveState {
        do {
            return try kernel.snapshot()
        } catch {
            throw failure(error)
        }
    }

    /// Prints why the kernel could not be reached or read; the command then exits 1.
    static func failure(_ error: IPVSError) -> ExitCode { Console.fail(error.description) }

    /// Prints why this host's setup could not be read; the command then exits 1.
    static func failure(_ error: HostError) -> ExitCode { Console.fail("reading this host's setup: \(error)") }
}

extension Inputs {
    /// The config with what this director knows on top of it: the health of its servers while
    /// the reconcile daemon that judged it runs, and the operators' overrides (`lvsctl server`),
    /// so that a manual plan or apply never puts back a server the daemon or an operator took
    /// out. Says so on standard error when it changes anything.
    static func onThisDirector(_ state: DesiredState, stateDir: String) throws -> DesiredState {
        let directory = StateDirectory(path: stateDir)
        let now = Date().timeIntervalSince1970
        let overrides: [ServerOverride]
        var health: [CheckTarget: TargetHealth] = [:]
        var daemon: Int32?
        do {
            overrides = try directory.readOverrides().filter { $0.isActive(at: now) }
            if let record = try directory.readHealth(), record.writerRuns {
                health = StateDirectory.verdicts(record.states)
                daemon = record.pid
            }
        } catch {
            throw Console.fail("\(error)")
        }
        let effective = state.effective(health: health, overrides: overrides, now: now).state
        let failing = health.values.filter { !$0.healthy }.count
        if let daemon, failing > 0 {
            Console.standardError.write("lvsctl: note: \(failing) check target\(failing == 1 ? "" : "s") failing, as the reconcile daemon (pid \(daemon)) judges; those servers are planned out of rotation\n")
        }
        if !overrides.isEmpty {
            Console.standardError.write("lvsctl: note: \(overrides.count) server override\(overrides.count == 1 ? "" : "s") in force ('lvsctl server list')\n")
        }
        return effective
    }
}
