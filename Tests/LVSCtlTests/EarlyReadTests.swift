@testable import lvsctl
import Testing

/// Which command lines start reading the kernel before they are parsed.
@Suite("plan's early read")
struct EarlyReadTests {
    @Test("a plan against the kernel reads early", arguments: [
        ["plan", "-f", "lb.yaml"],
        ["plan", "--file=lb.yaml", "--output", "json", "--detailed-exitcode"],
        ["plan", "-f", "lb.yaml", "--out", "plan.json", "--timings"],
    ])
    func readsEarly(_ words: [String]) {
        #expect(PlanCommand.readsKernel(arguments: ["lvsctl"] + words))
    }

    @Test("snapshots, help and other commands do not", arguments: [
        ["plan", "-f", "lb.yaml", "--live", "live.txt"],
        ["plan", "--live=live.txt", "-f", "lb.yaml"],
        ["plan", "--help"],
        ["plan", "-h"],
        ["apply", "-f", "lb.yaml"],
        ["validate", "-f", "plan"],
        ["--version"],
        [],
    ])
    func doesNotReadEarly(_ words: [String]) {
        #expect(!PlanCommand.readsKernel(arguments: ["lvsctl"] + words))
    }
}
