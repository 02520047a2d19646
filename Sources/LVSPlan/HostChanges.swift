public import LVSModel

/// Builders for host changes, shared by the director's and the real servers' setup: each
/// compares one wanted setting with the host snapshot and returns a change only when they differ.
public enum HostChanges {
    /// Sets a sysctl when its current value differs (or could not be read).
    public static func sysctl(_ key: String, _ wanted: String, in host: HostSnapshot, reason: String) -> Change? {
        let current = host.sysctls[key]
        guard current != wanted else { return nil }
        return Change(current == nil ? .create : .update, .host, before: current.map { [Attribute("value", $0)] },
                      after: [Attribute("value", wanted)], reason: reason,
                      hostActions: [.setSysctl(key: key, value: wanted)], subject: "sysctl \(key)")
    }

    /// Creates a device lvsctl owns (marked with its alias) when missing, and brings it up.
    public static func device(_ name: String, kind: String, in host: HostSnapshot, reason: String) -> Change? {
        guard let device = host.devices[name] else {
            return Change(.create, .host, after: [Attribute("kind", kind), Attribute("state", "up")], reason: reason,
                          hostActions: [.createDevice(name: name, kind: kind)], subject: "device \(name)")
        }
        guard !device.isUp else { return nil }
        return Change(.update, .host, before: [Attribute("state", "down")], after: [Attribute("state", "up")],
                      reason: reason, hostActions: [.setLinkUp(name)], subject: "device \(name)")
    }

    /// Adds an address to a device when it does not carry it yet (with whatever prefix length).
    public static func address(_ address: IPAddress, length: Int, on device: String, in host: HostSnapshot,
                               reason: String) -> Change? {
        guard !(host.addresses[device] ?? []).contains(where: { $0.address == address }) else { return nil }
        let text = InterfaceAddress(address, prefixLength: length).description
        return Change(.create, .host, after: [Attribute("address", text)], reason: reason,
                      hostActions: [.addAddress(address, prefixLength: length, device: device)],
                      subject: "address \(text) on \(device)")
    }
}
