public import LVSModel

/// The Linux host's setup, read over rtnetlink, with `ip -j`, /proc/sys and `iptables-save`, and
/// changed with `ip` (addresses over rtnetlink), sysctl writes and `iptables-restore`, always
/// with argument arrays.
public final class LinuxHost: HostAccess {
    let runner = CommandRunner()
    private var routeSocket: RouteSocket?

    public init() {}

    /// The rtnetlink socket for address changes, opened on first use.
    func addresses() throws(HostError) -> RouteSocket {
        if let routeSocket { return routeSocket }
        let opened = try RouteSocket()
        routeSocket = opened
        return opened
    }

    public func snapshot(sysctls: [String], chains: [FirewallChain], routes: Bool) throws(HostError) -> HostSnapshot {
        var snapshot = HostSnapshot()
        (snapshot.devices, snapshot.addresses) = try InterfaceDump.read()
        if routes {
            for family in AddressFamily.allCases {
                let arguments = (family == .ipv6 ? ["-6"] : []) + ["-j", "route", "show", "default"]
                snapshot.defaultGateways[family] = try IPJSON.defaultGateway(try runner.check("ip", arguments).output)
            }
            snapshot.guePorts = try guePorts()
        }
        for key in sysctls {
            snapshot.sysctls[key] = SysctlFile.read(key)
        }
        // One dump of every table per family: each iptables-save is a process, and processes
        // are most of the time a snapshot takes.
        var saved: [AddressFamily: String] = [:]
        for chain in chains {
            if saved[chain.family] == nil { saved[chain.family] = try iptablesSave(HostCommands.iptables(chain.family, "-save")) }
            snapshot.chains[chain] = IPTablesSave.chainState(saved[chain.family] ?? "", chain: chain)
        }
        return snapshot
    }

    /// `ip fou show` fails when the fou module is not loaded, which means no ports.
    private func guePorts() throws(HostError) -> [UInt16] {
        let result = try runner.run("ip", ["-j", "fou", "show"])
        return result.succeeded ? try IPJSON.guePorts(result.output) : []
    }

    /// A table that was never loaded, or a host without iptables, holds no chains of lvsctl's.
    private func iptablesSave(_ tool: String) throws(HostError) -> String {
        guard runner.locate(tool) != nil else { return "" }
        let result = try runner.run(tool, [])
        return result.succeeded ? result.output : ""
    }
}
