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

    @Test("a chain: one restore transaction of quoted lines, then the jump when missing")
    func writeChain() {
        #expect(HostScript.lines(for: .writeChain(.marks(.ipv6), rules: ["-d 2001:db8::10/128 -j MARK --set-xmark 0xa/0xffffffff"])) == [
            "printf '%s\\n' '*mangle' ':LVSCTL-MARK - [0:0]' '-A LVSCTL-MARK -d 2001:db8::10/128 -j MARK --set-xmark 0xa/0xffffffff' COMMIT"
                + " | ip6tables-restore -w --noflush",
            "ip6tables -w -t mangle -C PREROUTING -j LVSCTL-MARK 2>/dev/null || ip6tables -w -t mangle -I PREROUTING 1 -j LVSCTL-MARK",
        ])
    }

    /// Whatever a host action holds (validation refuses such names, a plan file could carry
    /// them), the script runs `sh` on nothing but the commands lvsctl means.
    @Test("a script runs no command from a value, whatever it holds", arguments: [
        "x\nLVSCTL_RULES\ntouch /tmp/lvsctl-injected", "$(touch /tmp/lvsctl-injected)", "`touch /tmp/lvsctl-injected`",
        "'; touch /tmp/lvsctl-injected; '", "a\u{0}b",
    ])
    func nothingRunsFromValues(_ value: String) throws {
        let actions: [HostAction] = [
            .writeChain(.marks(.ipv4), rules: [value]), .setSysctl(key: "net.ipv4.conf.lo.arp_ignore", value: value),
            .createDevice(name: value, kind: value), .addAddress(IPAddress("192.0.2.1")!, prefixLength: 32, device: value),
        ]
        for action in actions {
            for line in HostScript.lines(for: action) {
                let unquoted = outsideSingleQuotes(line)
                #expect(!unquoted.contains("touch") && !unquoted.contains("\n"), "\(line)")
            }
        }
    }

    /// What the shell reads as code: `line` without its single-quoted words and `\'` escapes,
    /// inside which it expands, splits and runs nothing.
    private func outsideSingleQuotes(_ line: String) -> String {
        var rest = "", quoted = false, escaped = false
        for character in line {
            if escaped { escaped = false; continue }
            if !quoted, character == "\\" { escaped = true; continue }
            if character == "'" { quoted.toggle(); continue }
            if !quoted { rest.append(character) }
        }
        return rest
    }

    @Test("sysctl keys map to /proc/sys paths, with dots in device names written as slashes")
    func sysctlPaths() {
        #expect(SysctlFile.path("net.ipv4.conf.tunl0.rp_filter") == "/proc/sys/net/ipv4/conf/tunl0/rp_filter")
        #expect(SysctlFile.path("net.ipv4.conf.eth0/100.rp_filter") == "/proc/sys/net/ipv4/conf/eth0.100/rp_filter")
    }
}
