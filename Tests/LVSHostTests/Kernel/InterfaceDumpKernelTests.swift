import Foundation
@testable import LVSHost
import LVSModel
import Testing

/// The rtnetlink reading of devices and addresses on a real kernel, inside the test VM
/// (`LVSCTL_KERNEL_TESTS=1`), against devices it makes and against iproute2's own view.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LVSCTL_KERNEL_TESTS"] == "1",
                             "needs a kernel to change: runs in the VM"))
struct InterfaceDumpKernelTests {
    let runner = CommandRunner()

    @Test("kind, alias and the UP flag of each device; IPv4 and IPv6 addresses; devices without any")
    func devicesAndAddresses() throws {
        defer { for device in ["lvstest0", "lvstest1"] { _ = try? runner.run("ip", ["link", "del", device]) } }
        for arguments in [["link", "add", "lvstest0", "type", "dummy"], ["link", "set", "lvstest0", "alias", "lvsctl test"],
                          ["address", "add", "192.0.2.10/32", "dev", "lvstest0"],
                          ["address", "add", "2001:db8::10/128", "dev", "lvstest0", "nodad"],
                          ["link", "add", "lvstest1", "type", "dummy"]] {
            _ = try runner.check("ip", arguments)
        }
        var (devices, addresses) = try InterfaceDump.read()
        #expect(devices["lvstest0"] == HostSnapshot.Device(kind: "dummy", alias: "lvsctl test", isUp: false))
        #expect(devices["lvstest1"] == HostSnapshot.Device(kind: "dummy", isUp: false))
        #expect(devices["lo"]?.kind == "")
        #expect(addresses["lvstest0"] == [InterfaceAddress(IPAddress("192.0.2.10")!, prefixLength: 32),
                                          InterfaceAddress(IPAddress("2001:db8::10")!, prefixLength: 128)])
        #expect(addresses["lvstest1"] == [])

        _ = try runner.check("ip", ["link", "set", "lvstest0", "up"])
        (devices, addresses) = try InterfaceDump.read()
        #expect(devices["lvstest0"]?.isUp == true)
        #expect(addresses == (try iproute2Addresses()))
    }

    /// `ip -o address show`, one line per address: "INDEX: NAME FAMILY ADDRESS/LENGTH …".
    private func iproute2Addresses() throws -> [String: [InterfaceAddress]] {
        var addresses: [String: [InterfaceAddress]] = [:]
        for line in try runner.check("ip", ["-o", "link", "show"]).output.split(separator: "\n") {
            let name = line.split(separator: " ")[1].dropLast().split(separator: "@")[0]
            addresses[String(name)] = []
        }
        for line in try runner.check("ip", ["-o", "address", "show"]).output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let parts = fields[3].split(separator: "/")
            addresses[String(fields[1]), default: []].append(InterfaceAddress(IPAddress(String(parts[0]))!, prefixLength: Int(parts[1])!))
        }
        return addresses
    }
}
