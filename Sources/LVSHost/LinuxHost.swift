public import LVSModel

/// The Linux host's setup, read with `ip -j` and /proc/sys and changed with `ip`, sysctl writes
/// and `iptables-restore`, always with argument arrays.
public final class LinuxHost: HostAccess {
    public init() {}

    public func snapshot(sysctls: [String], chains: [FirewallChain]) throws(HostError) -> HostSnapshot {
        throw HostError(action: "reading the host", message: "not implemented yet")
    }

    public func perform(_ action: HostAction) throws(HostError) {
        throw HostError(action: "\(action)", message: "not implemented yet")
    }
}
