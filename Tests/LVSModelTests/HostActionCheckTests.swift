import LVSModel
import Testing

@Suite struct HostActionCheckTests {
    @Test func sysctlKeysOutsideNetOrWithTraversalAreRefused() {
        for key in ["//.//.root./ssh.authorized_keys", "net.ipv4.//.x", "net./..", "net", "kernel.core_pattern",
                    "net.ipv4..ip_forward", "net.ipv4.conf.eth 0.rp_filter", "net.ipv4.ip_forward\n", "/net.ipv4.ip_forward"] {
            #expect(throws: HostError.self, "\(key)") { try HostAction.setSysctl(key: key, value: "1").check() }
        }
        for key in ["net.ipv4.ip_forward", "net.ipv4.conf.eth0/100.arp_ignore", "net.ipv4.vs.conntrack"] {
            #expect(throws: Never.self) { try HostAction.setSysctl(key: key, value: "1").check() }
        }
        #expect(throws: HostError.self) { try HostAction.setSysctl(key: "net.ipv4.ip_forward", value: "1\n2").check() }
    }

    @Test func rulesWithLineBreaksAndForeignChainsAreRefused() {
        let chain = FirewallChain.marks(.ipv4)
        for rule in ["-d 198.51.100.1/32 -j MARK --set-xmark 0x1/0xffffffff\n-A INPUT -j ACCEPT", "-j ACCEPT\r", "-j \0ACCEPT", ""] {
            #expect(throws: HostError.self) { try HostAction.writeChain(chain, rules: [rule]).check() }
        }
        #expect(throws: HostError.self) {
            try HostAction.writeChain(FirewallChain(family: .ipv4, table: "filter", name: "INPUT", hook: "INPUT"), rules: []).check()
        }
        #expect(throws: Never.self) { try HostAction.writeChain(chain, rules: ["-d 198.51.100.1/32 -p tcp -j MARK --set-xmark 0x1/0xffffffff"]).check() }
    }

    @Test func deviceNamesAreChecked() {
        for name in ["", ".", "..", "a/b", "-x", "eth0\n", "sixteen-bytes-xx", "a b"] {
            #expect(throws: HostError.self, "\(name)") { try HostAction.setLinkUp(name).check() }
        }
        #expect(throws: HostError.self) { try HostAction.createDevice(name: "lvs0", kind: "veth").check() }
        #expect(throws: Never.self) { try HostAction.createDevice(name: "lvs0", kind: "dummy").check() }
    }
}
