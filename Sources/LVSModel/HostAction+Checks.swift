/// The shapes of host actions lvsctl's planners emit, checked again where actions are carried
/// out: whatever reaches the executor — from a planner bug or a forged input — never writes
/// outside /proc/sys/net, never touches a chain that is not lvsctl's, and never feeds a second
/// line to `iptables-restore`.
extension HostAction {
    /// Throws when the action is not one a planner could have emitted.
    public func check() throws(HostError) {
        switch self {
        case .createDevice(let name, let kind):
            try Self.checkDevice(name)
            guard ["dummy", "ipip", "gre", "sit", "ip6tnl", "ip6gre"].contains(kind) else {
                throw HostError(action: "create device", message: "device kind '\(Self.shown(kind))' is not one lvsctl creates")
            }
        case .setLinkUp(let name):
            try Self.checkDevice(name)
        case .addAddress(let address, let length, let device), .removeAddress(let address, let length, let device):
            try Self.checkDevice(device)
            guard (0...address.family.bitWidth).contains(length) else {
                throw HostError(action: "address \(address)/\(length)", message: "prefix length out of range")
            }
        case .setSysctl(let key, let value):
            guard Self.isSysctlKey(key) else {
                throw HostError(action: "set sysctl", message: "'\(Self.shown(key))' is not a net.* sysctl key lvsctl may write")
            }
            guard !value.isEmpty, value.utf8.count <= 64, value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                throw HostError(action: "set sysctl \(key)", message: "the value must be one line of printable text")
            }
        case .replaceDefaultRoute, .addGUEPort:
            break
        case .writeChain(let chain, let rules):
            guard FirewallChain.owned.contains(chain) else {
                throw HostError(action: "write chain", message: "'\(Self.shown(chain.description))' is not one of lvsctl's chains")
            }
            for rule in rules where rule.isEmpty || rule.utf8.count > 4096 || !rule.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) {
                throw HostError(action: "write chain \(chain)", message: "rule '\(Self.shown(rule))' is not one line of printable text")
            }
        }
    }

    /// A dotted key under `net.` whose every part is a name (letters, digits, `_`, `-`, and `/`
    /// standing for a dot in a device name, never first): it names a file under
    /// /proc/sys/net and nowhere else.
    public static func isSysctlKey(_ key: String) -> Bool {
        let parts = key.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return key.utf8.count <= 255 && parts.count >= 2 && parts[0].elementsEqual("net".utf8)
            && parts.allSatisfy { part in
                !part.isEmpty && part.first != UInt8(ascii: "/") && part.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/")
                }
            }
    }

    /// A Linux device name (`DeviceName`) that `ip` cannot take for an option.
    private static func checkDevice(_ name: String) throws(HostError) {
        guard DeviceName.isValid(name), name.utf8.first != UInt8(ascii: "-") else {
            throw HostError(action: "device", message: "'\(shown(name))' is not a device name")
        }
    }

    /// Text for an error message (`DisplayText`), cut short.
    private static func shown(_ text: String) -> String { DisplayText.escaped(text, limit: 80) }
}

extension FirewallChain {
    /// Every chain lvsctl owns, in both families.
    public static let owned = AddressFamily.allCases.flatMap { [marks($0), fullNAT($0)] }
}
