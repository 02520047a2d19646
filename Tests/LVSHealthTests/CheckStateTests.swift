import Foundation
import LVSHealth
import LVSModel
import XCTest

final class CheckStateTests: XCTestCase {
    private let ok = ProbeResult(success: true, reason: "status 200", duration: .milliseconds(2))
    private let bad = ProbeResult(success: false, reason: "status 503", duration: .milliseconds(2))
    private let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// Records `results` one second apart; the verdict after each, and the transitions.
    private func run(_ state: inout CheckState, _ results: [ProbeResult]) -> (verdicts: [CheckState.Verdict], transitions: [CheckState.Transition]) {
        var verdicts: [CheckState.Verdict] = []
        var transitions: [CheckState.Transition] = []
        for (index, result) in results.enumerated() {
            if let transition = state.record(result, at: start + Double(index)) { transitions.append(transition) }
            verdicts.append(state.verdict)
        }
        return (verdicts, transitions)
    }

    func testTheFirstResultDecidesAtOnce() {
        var up = CheckState(rise: 2, fall: 3)
        XCTAssertEqual(up.verdict, .unknown)
        let transition = up.record(ok, at: start)
        XCTAssertEqual(up.verdict, .healthy)
        XCTAssertEqual(transition, CheckState.Transition(from: .unknown, to: .healthy, reason: "status 200", streak: 1, required: 1))
        XCTAssertEqual(up.since, start)

        var down = CheckState(rise: 2, fall: 3)
        XCTAssertEqual(down.record(bad, at: start)?.to, .failing)
        XCTAssertEqual(down.verdict, .failing)
        XCTAssertEqual(down.last?.reason, "status 503")
    }

    func testFallFailuresInARowMakeAHealthyTargetFailing() {
        var state = CheckState(rise: 2, fall: 3)
        let (verdicts, transitions) = run(&state, [ok, bad, bad, bad, bad])
        XCTAssertEqual(verdicts, [.healthy, .healthy, .healthy, .failing, .failing])
        XCTAssertEqual(transitions.last, CheckState.Transition(from: .healthy, to: .failing, reason: "status 503", streak: 3, required: 3))
        XCTAssertEqual(transitions.last?.description, "failing, status 503, 3 of 3")
        XCTAssertEqual(state.since, start + 3)
        XCTAssertEqual(state.transitions, 2)
        XCTAssertEqual(state.streak, 4)
    }

    func testRiseSuccessesInARowMakeAFailingTargetHealthy() {
        var state = CheckState(rise: 2, fall: 3)
        let (verdicts, transitions) = run(&state, [bad, ok, ok, ok])
        XCTAssertEqual(verdicts, [.failing, .failing, .healthy, .healthy])
        XCTAssertEqual(transitions.map(\.count), ["1 of 1", "2 of 2"])
        XCTAssertEqual(state.checked, start + 3)
    }

    func testFlappingNeverChangesTheVerdict() {
        var healthy = CheckState(rise: 2, fall: 2)
        _ = healthy.record(ok, at: start)
        let (up, upChanges) = run(&healthy, Array(repeating: [bad, ok], count: 10).flatMap { $0 })
        XCTAssertEqual(Set(up), [.healthy])
        XCTAssertEqual(upChanges, [])

        var failing = CheckState(rise: 2, fall: 2)
        _ = failing.record(bad, at: start)
        let (down, downChanges) = run(&failing, Array(repeating: [ok, bad], count: 10).flatMap { $0 })
        XCTAssertEqual(Set(down), [.failing])
        XCTAssertEqual(downChanges, [])
        XCTAssertEqual(failing.transitions, 1)
        XCTAssertEqual(failing.since, start)
    }

    func testARestoredStateGoesOnCounting() throws {
        var state = CheckState(rise: 2, fall: 3)
        _ = run(&state, [ok, bad, bad])
        var restored = try JSONDecoder().decode(CheckState.self, from: JSONEncoder().encode(state))
        XCTAssertEqual(restored, state)
        XCTAssertEqual(restored.record(bad, at: start + 10)?.count, "3 of 3")
        XCTAssertEqual(restored.verdict, .failing)
    }
}
