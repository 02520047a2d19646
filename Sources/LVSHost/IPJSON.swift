import LVSModel
internal import FoundationEssentials

/// Reads the JSON that iproute2 prints with `ip -j` for what a real server's setup compares
/// (devices and addresses are read over rtnetlink, `InterfaceDump`): only the fields lvsctl
/// compares, so that whatever else a newer iproute2 adds is ignored.
enum IPJSON {
    /// `ip -j route show default` (or `-6`): the gateway of the first default route, the one the
    /// kernel uses; nil when there is none or it only names a device.
    static func defaultGateway(_ json: String) throws(HostError) -> IPAddress? {
        try decode([Route].self, json, what: "ip -j route show default").lazy.compactMap { $0.gateway.flatMap(IPAddress.init) }.first
    }

    /// `ip -j fou show`: the IPv4 ports in GUE mode. Plain FOU ports (`ipproto N`) are left out:
    /// they cannot take the GUE packets IPVS sends.
    static func guePorts(_ json: String) throws(HostError) -> [UInt16] {
        try decode([FOUPort].self, json, what: "ip -j fou show").filter { $0.isGUE && ($0.family ?? "inet") == "inet" }.map(\.port).sorted()
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ json: String, what: String) throws(HostError) -> T {
        // iproute2 prints nothing at all, not `[]`, when a list is empty.
        let text = json.trimmingWhitespace
        do {
            return try JSONDecoder().decode(type, from: Data((text.isEmpty ? "[]" : text).utf8))
        } catch {
            throw HostError(action: what, message: "unexpected output (\(error)); is iproute2 older than 4.14, without -j?")
        }
    }

    private struct Route: Decodable {
        var gateway: String?
    }

    /// `{"port": 6080, "gue": null, "family": "inet"}`: GUE is a key whose value is null, so it
    /// is told by the key's presence.
    private struct FOUPort: Decodable {
        var port: UInt16
        var isGUE: Bool
        var family: String?

        enum CodingKeys: String, CodingKey { case port, gue, family }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            port = try c.decode(UInt16.self, forKey: .port)
            isGUE = c.contains(.gue)
            family = try c.decodeIfPresent(String.self, forKey: .family)
        }
    }
}
