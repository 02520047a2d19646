@testable import LVSHost
import LVSModel
import Testing

@Suite("host actions as shell lines")
struct HostScriptTests {
    @Test("words are quoted only when the shell would read them otherwise")
    func quoting() {
        #expect(HostScript.quote("198.51.100.10/32") == "198.51.100.10/32")
        #expect(HostScript.quote("managed by lvsctl") == "'managed by lvsctl'")
        #expect(HostScript.quote("it's") == #"'it'\''s'"#)
        #expect(HostScript.quote("") == "''")
        #expect(HostScript.quote("$(reboot)") == "'$(reboot)'")
    }

    @Test("a tunnel device: its module, created only when loading did not, marked and up")
    func createDevice() {
        #expect(HostScript.lines(for: .createDevice(name: "tunl0", kind: "ipip")) == [
            "modprobe ipip",
            "ip link show dev tunl0 >/dev/null 2>&1 || ip link add tunl0 type ipip",
            "ip link set dev tunl0 alias 'managed by lvsctl'",
            "ip link set dev tunl0 up",
        ])
        #expect(HostScript.lines(for: .createDevice(name: "lvs0", kind: "dummy")).first
            == "ip link show dev lvs0 >/dev/null 2>&1 || ip link add lvs0 type dummy")
    }

    @Test("addresses, sysctls, routes and GUE ports, each safe to run twice")
    func settings() {
        #expect(HostScript.lines(for: .addAddress(IPAddress("198.51.100.10")!, prefixLength: 32, device: "lo"))
            == ["ip address replace 198.51.100.10/32 dev lo"])
        #expect(HostScript.lines(for: .addAddress(IPAddress("2001:db8::10")!, prefixLength: 128, device: "lo"))
            == ["ip address replace 2001:db8::10/128 dev lo nodad"])
        #expect(HostScript.lines(for: .setSysctl(key: "net.ipv4.conf.all.arp_ignore", value: "1"))
            == ["echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore"])
        #expect(HostScript.lines(for: .replaceDefaultRoute(via: IPAddress("2001:db8::1")!))
            == ["ip -6 route replace default via 2001:db8::1"])
        #expect(HostScript.lines(for: .addGUEPort(6080))
            == ["modprobe fou", "ip fou show | grep -qx 'port 6080 gue' || ip fou add port 6080 gue"])
    }

    @Test("a chain: one restore transaction from a quoted here-document, then the jump when missing")
    func writeChain() {
        #expect(HostScript.lines(for: .writeChain(.marks(.ipv6), rules: ["-d 2001:db8::10/128 -j MARK --set-xmark 0xa/0xffffffff"])) == [
            "ip6tables-restore -w --noflush <<'LVSCTL_RULES'",
            "*mangle",
            ":LVSCTL-MARK - [0:0]",
            "-A LVSCTL-MARK -d 2001:db8::10/128 -j MARK --set-xmark 0xa/0xffffffff",
            "COMMIT",
            "LVSCTL_RULES",
            "ip6tables -w -t mangle -C PREROUTING -j LVSCTL-MARK 2>/dev/null || ip6tables -w -t mangle -I PREROUTING 1 -j LVSCTL-MARK",
        ])
    }

    @Test("sysctl keys map to /proc/sys paths, with dots in device names written as slashes")
    func sysctlPaths() {
        #expect(SysctlFile.path("net.ipv4.conf.tunl0.rp_filter") == "/proc/sys/net/ipv4/conf/tunl0/rp_filter")
        #expect(SysctlFile.path("net.ipv4.conf.eth0/100.rp_filter") == "/proc/sys/net/ipv4/conf/eth0.100/rp_filter")
    }
}
