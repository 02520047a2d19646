import LVSModel
import Testing

/// The name rules configs, snapshots, ipvsadm text and the host executor share.
@Suite("name rules")
struct NameRuleTests {
    @Test("device names: what the kernel's dev_valid_name takes, in printable ASCII")
    func deviceNames() {
        for name in ["eth0", "eth0.100", "lvs0", "bond0-vlan7", String(repeating: "d", count: 15)] {
            #expect(DeviceName.isValid(name), "\(name)")
        }
        for name in ["", ".", "..", "eth0:1", "a/b", "eth 0", "eth\t0", "eth\u{0}0", "é0", String(repeating: "d", count: 16)] {
            #expect(!DeviceName.isValid(name), "\(name.debugDescription)")
        }
    }

    @Test("scheduler names: what follows ip_vs_ in a module's name")
    func schedulerNames() {
        for name in ["wlc", "mh", "my_sched2", "ABC", String(repeating: "s", count: 15)] {
            #expect(Scheduler.isValidName(name), "\(name)")
        }
        for name in ["", "wl\u{1}c", "wlç", "a-b", "a b", "@", "`", "[", String(repeating: "s", count: 16)] {
            #expect(!Scheduler.isValidName(name), "\(name.debugDescription)")
        }
    }
}
