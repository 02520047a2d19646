import Foundation
import Testing

/// `lvsctl rs apply` and `rs plan` on a real kernel, inside the test VM (`LVSCTL_KERNEL_TESTS=1`).
/// Each test sets up a fresh network namespace as the real server, runs lvsctl in it with
/// `ip netns exec`, and checks the result with `ip -j` and /proc/sys as seen from inside.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LVSCTL_KERNEL_TESTS"] == "1",
                             "needs a kernel to change: runs in the VM"))
struct RealServerKernelTests {
    static let namespace = "lvsrs"
    /// On lo before lvsctl runs: must still be there afterwards.
    static let bystander = "192.0.2.99/32"

    /// A fresh namespace: lo down as the kernel makes it, eth1 (a dummy) carrying the node's
    /// address, and one address on lo that is not lvsctl's.
    init() throws {
        _ = try run("/usr/sbin/ip", ["netns", "del", Self.namespace])
        try ip("netns", "add", Self.namespace)
        try ip("-n", Self.namespace, "link", "add", "eth1", "type", "dummy")
        try ip("-n", Self.namespace, "link", "set", "eth1", "up")
        try ip("-n", Self.namespace, "address", "add", "203.0.113.11/24", "dev", "eth1")
        try ip("-n", Self.namespace, "address", "add", "192.0.2.11/24", "dev", "eth1")
        try ip("-n", Self.namespace, "address", "add", "2001:db8::11/64", "dev", "eth1", "nodad")
        try ip("-n", Self.namespace, "address", "add", Self.bystander, "dev", "lo")
    }

    // MARK: Helpers

    @discardableResult
    private func ip(_ arguments: String...) throws -> Run {
        let result = try run("/usr/sbin/ip", arguments)
        #expect(result.status == 0, "ip \(arguments.joined(separator: " ")): \(result.error)")
        return result
    }

    /// lvsctl run inside the namespace.
    private func lvsctlInside(_ arguments: [String]) throws -> Run {
        try run("/usr/sbin/ip", ["netns", "exec", Self.namespace, lvsctlBinary] + arguments)
    }

    /// `rs apply --yes` must succeed, and a second `rs plan` must find nothing to do, in text and JSON.
    private func applyAndConverge(_ yaml: String, node: String) throws {
        let file = try temporaryFile("cluster.yaml", yaml)
        let applied = try lvsctlInside(["rs", "apply", "-f", file, "--node", node, "--yes"])
        #expect(applied.status == 0, "rs apply: \(applied.output)\(applied.error)")
        #expect(applied.output.contains("Real-server setup complete"), "\(applied.output)")

        let text = try lvsctlInside(["rs", "plan", "-f", file, "--node", node])
        #expect(text.status == 0 && text.output.contains("No changes."), "second plan: \(text.output)\(text.error)")
        let json = try lvsctlInside(["rs", "plan", "-f", file, "--node", node, "--output", "json"])
        let document = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        let summary = document?["summary"] as? [String: Int]
        #expect(summary == ["create": 0, "update": 0, "delete": 0, "replace": 0], "\(json.output)")
    }

    /// `ADDRESS/LENGTH` of every address on `device`, from `ip -j` inside the namespace.
    private func addresses(_ device: String) throws -> Set<String> {
        let shown = try ip("-n", Self.namespace, "-j", "address", "show", "dev", device)
        let links = try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [[String: Any]] ?? []
        let infos = links.flatMap { $0["addr_info"] as? [[String: Any]] ?? [] }
        return Set(infos.compactMap { info in
            guard let local = info["local"] as? String, let length = info["prefixlen"] as? Int else { return nil }
            return "\(local)/\(length)"
        })
    }

    private func isUp(_ device: String) throws -> Bool {
        let shown = try ip("-n", Self.namespace, "-j", "link", "show", "dev", device)
        let links = try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [[String: Any]] ?? []
        return (links.first?["flags"] as? [String] ?? []).contains("UP")
    }

    /// A sysctl as the namespace sees it.
    private func sysctl(_ key: String) throws -> String {
        let path = "/proc/sys/" + key.replacingOccurrences(of: ".", with: "/")
        return try run("/usr/sbin/ip", ["netns", "exec", Self.namespace, "/bin/cat", path]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func expectARPSettings(on devices: [String]) throws {
        for device in devices {
            #expect(try sysctl("net.ipv4.conf.\(device).arp_ignore") == "1", "\(device)")
            #expect(try sysctl("net.ipv4.conf.\(device).arp_announce") == "2", "\(device)")
        }
    }

    /// The node's own addresses and the bystander on lo are all still there.
    private func expectOthersKept() throws {
        #expect(try addresses("lo").contains(Self.bystander))
        #expect(try addresses("eth1").isSuperset(of: ["203.0.113.11/24", "192.0.2.11/24", "2001:db8::11/64"]))
    }

    private func tunnelled(_ tunnel: String) -> String {
        """
        version: 1
        services:
          - { name: cache, vip: 198.51.100.40, port: 80, forward: tun, tunnel: \(tunnel), servers: [203.0.113.11, 203.0.113.12] }
        """
    }

    // MARK: Tests

    @Test("DR: the VIPs on lo (brought up), ARP settings on all and lo; other addresses kept; a second plan is empty")
    func directRouting() throws {
        try applyAndConverge("""
            version: 1
            services:
              - { name: web, vip: 198.51.100.10, port: 80, servers: [203.0.113.11, 203.0.113.12] }
              - { name: tls, vip: 198.51.100.10, port: 443, servers: [203.0.113.11] }
              - { name: dns, vip: 198.51.100.53, protocol: udp, port: 53, servers: [203.0.113.11] }
            """, node: "203.0.113.11")
        #expect(try isUp("lo"))
        #expect(try addresses("lo").isSuperset(of: ["198.51.100.10/32", "198.51.100.53/32"]))
        try expectARPSettings(on: ["all", "lo"])
        try expectOthersKept()
    }

    @Test("DR with an IPv6 VIP: the /128 on lo, no ARP settings needed")
    func directRoutingIPv6() throws {
        try applyAndConverge("""
            version: 1
            services:
              - { name: web6, vip: "2001:db8:1::10", port: 80, servers: ["2001:db8::11"] }
            """, node: "2001:db8::11")
        #expect(try addresses("lo").contains("2001:db8:1::10/128"))
        try expectOthersKept()
    }

    @Test("TUN over ipip: tunl0 up with the VIP, ARP settings and rp_filter 0 on all and tunl0")
    func ipip() throws {
        try applyAndConverge(tunnelled("ipip"), node: "203.0.113.11")
        #expect(try isUp("tunl0"))
        #expect(try addresses("tunl0").contains("198.51.100.40/32"))
        try expectARPSettings(on: ["all", "tunl0"])
        #expect(try sysctl("net.ipv4.conf.all.rp_filter") == "0")
        #expect(try sysctl("net.ipv4.conf.tunl0.rp_filter") == "0")
        try expectOthersKept()
    }

    @Test("TUN over GUE: tunl0 as for ipip, plus the GUE receive port")
    func gue() throws {
        try applyAndConverge(tunnelled("{ type: gue, port: 6080 }"), node: "203.0.113.11")
        #expect(try addresses("tunl0").contains("198.51.100.40/32"))
        let ports = try ip("-n", Self.namespace, "-j", "fou", "show").output
        let entries = try JSONSerialization.jsonObject(with: Data(ports.utf8)) as? [[String: Any]] ?? []
        #expect(entries.contains { $0["port"] as? Int == 6080 && $0.keys.contains("gue") }, "\(ports)")
        #expect(try sysctl("net.ipv4.conf.tunl0.rp_filter") == "0")
    }

    @Test("TUN over GRE: gre0 up with the VIP, rp_filter 0 on it")
    func gre() throws {
        try applyAndConverge(tunnelled("{ type: gre }"), node: "203.0.113.11")
        #expect(try isUp("gre0"))
        #expect(try addresses("gre0").contains("198.51.100.40/32"))
        try expectARPSettings(on: ["all", "gre0"])
        #expect(try sysctl("net.ipv4.conf.gre0.rp_filter") == "0")
        try expectOthersKept()
    }

    @Test("NAT: the default route through director.address")
    func masquerading() throws {
        try applyAndConverge("""
            version: 1
            director: { address: 192.0.2.1 }
            services:
              - { name: api, vip: 198.51.100.20, port: 80, forward: nat, servers: ["192.0.2.11:8080"] }
            """, node: "192.0.2.11")
        let routes = try ip("-n", Self.namespace, "-j", "route", "show", "default").output
        let entries = try JSONSerialization.jsonObject(with: Data(routes.utf8)) as? [[String: Any]] ?? []
        #expect(entries.first?["gateway"] as? String == "192.0.2.1", "\(routes)")
        try expectOthersKept()
    }

    @Test("script output, run by sh in a fresh namespace, leaves nothing for rs plan to do")
    func script() throws {
        let yaml = tunnelled("{ type: gue, port: 6080 }")
        let file = try temporaryFile("cluster.yaml", yaml)
        let script = try lvsctl("rs", "plan", "-f", file, "--node", "203.0.113.11", "--output", "script")
        #expect(script.status == 0, "\(script.error)")
        for _ in 1...2 {
            let ran = try run("/usr/sbin/ip", ["netns", "exec", Self.namespace, "/bin/sh", "-s"], input: script.output)
            #expect(ran.status == 0, "sh: \(ran.error)\n\(script.output)")
        }
        let again = try lvsctlInside(["rs", "plan", "-f", file, "--node", "203.0.113.11"])
        #expect(again.output.contains("No changes."), "\(again.output)")
    }
}
