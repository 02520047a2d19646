internal import Glibc
import FoundationEssentials
import LVSConfig
public import LVSHealth
public import LVSModel

/// What outlives one lvsctl process until the machine restarts, in `/run/lvsctl`: the health of
/// every check target, written by the reconcile daemon at each change of verdict (so that a
/// restarted daemon neither flaps failing servers back in nor waits `rise` checks to admit
/// healthy ones, and so that `plan`, `apply` and `server list` see what the daemon sees), and the
/// operators' overrides (`lvsctl server disable`).
public struct StateDirectory: Sendable {
    public static let defaultPath = "/run/lvsctl"
    /// Both files are small; anything larger is not one of ours.
    static let maximumSize = 64 << 20

    public let path: String

    public init(path: String = Self.defaultPath) { self.path = path }

    public var healthPath: String { path + "/health.json" }

    /// Makes the directory when it is missing; whether it is there.
    public func ensure() -> Bool { mkdir(path, 0o755) == 0 || errno == EEXIST }
    public var overridesPath: String { path + "/overrides.json" }

    /// The daemon's last word on its checks.
    public struct HealthRecord: Codable, Sendable {
        public struct Entry: Codable, Sendable {
            public var target: CheckTarget
            public var state: CheckState
        }

        public var version = 1
        /// The daemon that wrote it.
        public var pid: Int32
        /// Seconds since the epoch.
        public var written: Double
        public var checks: [Entry]

        public var states: [CheckTarget: CheckState] {
            Dictionary(checks.map { ($0.target, $0.state) }, uniquingKeysWith: { _, last in last })
        }

        /// Whether the daemon that wrote it still runs.
        public var writerRuns: Bool { kill(pid, 0) == 0 || errno == EPERM }
    }

    public struct OverrideRecord: Codable, Sendable {
        public var version = 1
        public var overrides: [ServerOverride]
    }

    /// Why a state file cannot be read or written, for people.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// nil when there is none; a file that does not read is an error, as it is not what lvsctl wrote.
    public func readHealth() throws(Failure) -> HealthRecord? {
        try read(healthPath, as: HealthRecord.self)
    }

    public func writeHealth(_ states: [CheckTarget: CheckState], now: Double) throws(Failure) {
        let checks = states.map { HealthRecord.Entry(target: $0.key, state: $0.value) }
        try write(HealthRecord(pid: getpid(), written: now, checks: checks), to: healthPath)
    }

    public func readOverrides() throws(Failure) -> [ServerOverride] {
        try read(overridesPath, as: OverrideRecord.self)?.overrides ?? []
    }

    public func writeOverrides(_ overrides: [ServerOverride]) throws(Failure) {
        try write(OverrideRecord(overrides: overrides), to: overridesPath)
    }

    /// The verdicts to plan with: the daemon's health, as targets it has judged.
    public static func verdicts(_ states: [CheckTarget: CheckState]) -> [CheckTarget: TargetHealth] {
        var verdicts: [CheckTarget: TargetHealth] = [:]
        for (target, state) in states where state.verdict != .unknown {
            let reason = state.last.map { "\($0.reason) (\(state.streak) in a row)" } ?? ""
            verdicts[target] = TargetHealth(healthy: state.verdict == .healthy, reason: reason)
        }
        return verdicts
    }

    private func read<Record: Decodable>(_ file: String, as: Record.Type) throws(Failure) -> Record? {
        var status = stat()
        guard lstat(file, &status) == 0 else {
            if errno == ENOENT { return nil }
            throw Failure(description: "cannot read \(DisplayText.escaped(file)): \(String(cString: strerror(errno)))")
        }
        let bytes: [UInt8]
        switch InputFile.read(file) {
        case .success(let read): bytes = read
        case .failure(let failure): throw Failure(description: "cannot read \(DisplayText.escaped(file)): \(failure.reason)")
        }
        guard bytes.count <= Self.maximumSize else { throw Failure(description: "\(DisplayText.escaped(file)) is too large") }
        do {
            return try JSONDecoder().decode(Record.self, from: Data(bytes))
        } catch {
            throw Failure(description: "\(DisplayText.escaped(file)) is not a state file lvsctl wrote; remove it (\(DisplayText.escaped("\(error)")))")
        }
    }

    private func write(_ record: some Encodable, to file: String) throws(Failure) {
        if !ensure() {
            throw Failure(description: "cannot make \(DisplayText.escaped(path)): \(String(cString: strerror(errno)))")
        }
        let bytes: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            bytes = Array(try encoder.encode(record))
        } catch {
            throw Failure(description: "cannot encode \(file): \(error)")
        }
        if case .failure(let failure) = OutputFile.write(bytes, to: file) {
            throw Failure(description: "cannot write \(DisplayText.escaped(file)): \(failure.reason)")
        }
    }
}
