import Foundation
@testable import LVSHost
import LVSModel
import Testing

/// The shell lines of `HostScript`, run by `sh` against real iptables in a network namespace of
/// their own, inside the test VM (`LVSCTL_KERNEL_TESTS=1`).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LVSCTL_KERNEL_TESTS"] == "1",
                             "needs a kernel to change: runs in the VM"))
struct HostScriptKernelTests {
    let runner = CommandRunner()
    static let namespace = "lvsctl-script"

    @Test("a chain's lines, run twice by sh, leave the chain and one jump to it", arguments: [AddressFamily.ipv4, .ipv6])
    func chain(_ family: AddressFamily) throws {
        _ = try? runner.run("ip", ["netns", "del", Self.namespace])
        _ = try runner.check("ip", ["netns", "add", Self.namespace])
        defer { _ = try? runner.run("ip", ["netns", "del", Self.namespace]) }
        let destination = family == .ipv4 ? "198.51.100.10/32" : "2001:db8::10/128"
        let rule = "-d \(destination) -p tcp -m multiport --dports 80,443 -j MARK --set-xmark 0xa/0xffffffff"
        let script = HostScript.lines(for: .writeChain(.marks(family), rules: [rule])).joined(separator: "\n") + "\n"
        for _ in 1...2 {
            let ran = try runner.run("ip", ["netns", "exec", Self.namespace, "/bin/sh", "-e", "-c", script])
            #expect(ran.status == 0, "\(ran.error)\n\(script)")
        }
        let saved = try runner.check("ip", ["netns", "exec", Self.namespace, HostCommands.iptables(family, "-save"), "-t", "mangle"]).output
        let lines = saved.split(separator: "\n").map(String.init)
        #expect(lines.contains("-A LVSCTL-MARK \(rule)"), "\(saved)")
        #expect(lines.filter { $0 == "-A PREROUTING -j LVSCTL-MARK" }.count == 1, "\(saved)")
    }
}
