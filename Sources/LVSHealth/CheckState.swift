public import Foundation
public import LVSModel

/// The verdict on one `CheckTarget` and how it got there: HAProxy's rise/fall counting. The
/// first result decides at once, so a server is neither admitted nor dropped only after `rise`
/// or `fall` checks of a freshly started checker; afterwards `rise` successes in a row make a
/// failing target healthy and `fall` failures in a row make a healthy one failing, so a target
/// that flaps keeps its verdict. Codable so that a restarted daemon resumes where it stopped.
public struct CheckState: Hashable, Sendable, Codable {
    public enum Verdict: String, Hashable, Sendable, Codable, CaseIterable {
        /// Not checked yet.
        case unknown
        case healthy
        case failing
    }

    public private(set) var verdict: Verdict
    /// Successes in a row that make a failing target healthy.
    public var rise: Int
    /// Failures in a row that make a healthy target failing.
    public var fall: Int
    /// The latest probe's result, whose reason says why a target fails.
    public private(set) var last: ProbeResult?
    /// When `last` was recorded.
    public private(set) var checked: Date?
    /// How many results in a row agree with `last`.
    public private(set) var streak: Int
    /// When the verdict last changed: wall-clock time, as it is kept across restarts.
    public private(set) var since: Date?
    /// How many times the verdict changed.
    public private(set) var transitions: Int

    /// A target not checked yet.
    public init(rise: Int, fall: Int) {
        verdict = .unknown
        self.rise = rise
        self.fall = fall
        streak = 0
        transitions = 0
    }

    /// The state of a target of `check` not checked yet.
    public init(for check: HealthCheck) {
        self.init(rise: check.rise, fall: check.fall)
    }

    /// Counts `result`, checked at `time`, and returns the change of verdict it decided, if any.
    public mutating func record(_ result: ProbeResult, at time: Date) -> Transition? {
        streak = last?.success == result.success ? streak + 1 : 1
        last = result
        checked = time
        let target: Verdict = result.success ? .healthy : .failing
        guard target != verdict else { return nil }
        let required = verdict == .unknown ? 1 : result.success ? max(rise, 1) : max(fall, 1)
        guard streak >= required else { return nil }
        let transition = Transition(from: verdict, to: target, reason: result.reason, streak: streak, required: required)
        verdict = target
        since = time
        transitions += 1
        return transition
    }
}
