import CMalloc
import Glibc
@testable import LVSHost
import LVSModel
import Testing

@Suite("running host tools")
struct CommandRunnerTests {
    @Test("input, output, error text and exit status each arrive intact")
    func streams() throws {
        let result = try CommandRunner().run("sh", ["-c", "cat; echo ' trouble ' >&2; exit 3"], input: "a rule\n")
        #expect(result.output == "a rule\n")
        #expect(result.error == "trouble")
        #expect(result.status == 3)
    }

    @Test("more output than a pipe holds does not stall")
    func largeOutput() throws {
        let result = try CommandRunner().run("sh", ["-c", "i=0; while [ $i -lt 20000 ]; do echo 0123456789; i=$((i+1)); done"])
        #expect(result.output.utf8.count == 220_000)
    }

    /// The daemon runs `iptables-save` and `ip6tables-save` every tick for months. In a child
    /// process of its own, so that no other test's allocations count.
    @Test("running a tool keeps none of its memory, however often")
    func noMemoryKept() async {
        await #expect(processExitsWith: .success) {
            let runner = CommandRunner()
            for _ in 0..<20 { _ = try? runner.run("true", []) }
            let before = mallinfo2().uordblks
            for _ in 0..<200 { _ = try? runner.run("true", []) }
            // Reading each empty output with FoundationEssentials kept 4 KiB: 1.6 MB here.
            exit(mallinfo2().uordblks < before + 100_000 ? EXIT_SUCCESS : EXIT_FAILURE)
        }
    }

    @Test("a missing tool is named with the package that brings it")
    func missing() {
        #expect {
            try CommandRunner().run("iptables-restore-that-does-not-exist", [])
        } throws: { ($0 as? HostError)?.message == "iptables-restore-that-does-not-exist is not installed" }
    }

    @Test("check fails with the tool's words, made actionable")
    func check() {
        #expect {
            try CommandRunner().check("sh", ["-c", "echo 'RTNETLINK answers: Operation not permitted' >&2; exit 2"])
        } throws: { error in
            let error = error as? HostError
            return error?.action.hasPrefix("sh -c") == true && error?.message.contains("needs root") == true
        }
    }
}
