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

    /// Brings up a device that lvsctl does not create (`lo`) when it is down; one the snapshot
    /// does not list is brought up too, so that a plan against an empty snapshot is complete.
    public static func linkUp(_ name: String, in host: HostSnapshot, reason: String) -> Change? {
        guard host.devices[name]?.isUp != true else { return nil }
        return Change(.update, .host, before: [Attribute("state", "down")], after: [Attribute("state", "up")],
                      reason: reason, hostActions: [.setLinkUp(name)], subject: "device \(name)")
    }

    /// Points the default route of the gateway's family at it when it points elsewhere or nowhere.
    public static func defaultRoute(via gateway: IPAddress, in host: HostSnapshot, reason: String) -> Change? {
        let current = host.defaultGateways[gateway.family]
        guard current != gateway else { return nil }
        return Change(current == nil ? .create : .update, .host, before: current.map { [Attribute("via", $0.description)] },
                      after: [Attribute("via", gateway.description)], reason: reason,
                      hostActions: [.replaceDefaultRoute(via: gateway)], subject: "\(gateway.family) default route")
    }

    /// Opens a GUE receive port when the host does not have it yet.
    public static func guePort(_ port: UInt16, in host: HostSnapshot, reason: String) -> Change? {
        guard !host.guePorts.contains(port) else { return nil }
        return Change(.create, .host, after: [Attribute("port", "\(port)"), Attribute("mode", "gue")], reason: reason,
                      hostActions: [.addGUEPort(port)], subject: "GUE port \(port)")
    }
}
