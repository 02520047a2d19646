import Foundation

/// The two networks the traffic tests use, with `TrafficKernelTests.client` and `.director` as
/// the client and director nodes.
extension Topology {
    /// Client (198.51.100.2) and director (198.51.100.1) on 198.51.100.0/24, `front`; director
    /// (203.0.113.1) and servers (203.0.113.11, .12, …) on 203.0.113.0/24, `back`. With `ipv6`,
    /// the same in 2001:db8:1::/64 and 2001:db8:2::/64, and the client's IPv6 default route via the
    /// director (the IPv6 VIP lies outside both). The servers get no routes: a NAT server's gateway
    /// is lvsctl's to set.
    static func routed(servers: [String], ipv4: Bool = true, ipv6: Bool = false) throws -> Topology {
        func addresses(_ v4: String, _ v6: String) -> [String] { (ipv4 ? [v4] : []) + (ipv6 ? [v6] : []) }
        let links = [
            Topology.Link(node: TrafficKernelTests.client, segment: "front", addresses: addresses("198.51.100.2/24", "2001:db8:1::2/64")),
            Topology.Link(node: TrafficKernelTests.director, segment: "front", addresses: addresses("198.51.100.1/24", "2001:db8:1::1/64")),
            Topology.Link(node: TrafficKernelTests.director, segment: "back", device: "eth1", addresses: addresses("203.0.113.1/24", "2001:db8:2::1/64")),
        ] + servers.enumerated().map { index, server in
            Topology.Link(node: server, segment: "back", addresses: addresses("203.0.113.\(11 + index)/24", "2001:db8:2::\(11 + index)/64"))
        }
        return try Topology(nodes: [TrafficKernelTests.client, TrafficKernelTests.director] + servers, segments: ["front", "back"], links: links,
                            routes: ipv6 ? [TrafficKernelTests.client: ["::/0 via 2001:db8:1::1"]] : [:])
    }

    /// Client (198.51.100.2, and `extraClientAddresses`), director (198.51.100.1) and servers
    /// (198.51.100.11, .12, …) on one segment, as direct routing needs.
    static func flat(servers: [String], extraClientAddresses: [String] = []) throws -> Topology {
        let links = [
            Topology.Link(node: TrafficKernelTests.client, segment: "lan", addresses: ["198.51.100.2/24"] + extraClientAddresses),
            Topology.Link(node: TrafficKernelTests.director, segment: "lan", addresses: ["198.51.100.1/24"]),
        ] + servers.enumerated().map { index, server in
            Topology.Link(node: server, segment: "lan", addresses: ["198.51.100.\(11 + index)/24"])
        }
        return try Topology(nodes: [TrafficKernelTests.client, TrafficKernelTests.director] + servers, segments: ["lan"], links: links)
    }

    /// Writes a config file into the topology's folder; its path.
    func configFile(_ yaml: String) throws -> String {
        let file = folder.appendingPathComponent("lvs-\(UUID().uuidString.prefix(8)).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// The director's table as `ipvsadm -Ln` shows it (for messages and checks).
    func directorTable() -> String {
        (try? exec(TrafficKernelTests.director, TrafficTool.ipvsadm, ["-Ln"]))?.output ?? "(ipvsadm failed)"
    }
}
