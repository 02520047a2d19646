public import LVSModel

/// Host actions as POSIX sh, for people who push files through their own configuration
/// management instead of running lvsctl on each host. Each line can run again without harm.
public enum HostScript {
    /// The shell lines that carry out `action`, the same tools and arguments `LinuxHost` uses.
    public static func lines(for action: HostAction) -> [String] {
        switch action {
        case .createDevice(let name, let kind):
            let module = HostCommands.module(forKind: kind).map { ["modprobe \(quote($0))"] } ?? []
            return module + [
                "ip link show dev \(quote(name)) >/dev/null 2>&1 || \(ip(HostCommands.addLink(name, kind: kind)))",
                ip(HostCommands.setOwnedAlias(name)),
                ip(HostCommands.setUp(name)),
            ]
        case .setLinkUp(let name):
            return [ip(HostCommands.setUp(name))]
        case .addAddress(let address, let length, let device):
            return [ip(HostCommands.replaceAddress(address, prefixLength: length, device: device))]
        case .removeAddress(let address, let length, let device):
            return [ip(HostCommands.deleteAddress(address, prefixLength: length, device: device))]
        case .setSysctl(let key, let value):
            return ["echo \(quote(value)) > \(quote(SysctlFile.path(key)))"]
        case .replaceDefaultRoute(let gateway):
            return [ip(HostCommands.replaceDefaultRoute(via: gateway))]
        case .addGUEPort(let port):
            return ["modprobe fou", "ip fou show | grep -qx 'port \(port) gue' || \(ip(HostCommands.addGUEPort(port)))"]
        case .writeChain(let chain, let rules):
            // Each line of the restore input is one quoted word: a rule cannot end a here-document
            // or become a command, whatever it holds.
            let tool = HostCommands.iptables(chain.family)
            let input = RestoreInput.chain(chain, rules: rules, addJump: false).split(separator: "\n").map(String.init)
            return [
                "\(command("printf", ["%s\\n"] + input)) | \(command(HostCommands.iptables(chain.family, "-restore"), HostCommands.restoreArguments))",
                "\(command(tool, HostCommands.checkJump(chain))) 2>/dev/null || \(command(tool, HostCommands.insertJump(chain)))",
            ]
        }
    }

    /// A word as the shell reads it back unchanged: bare when it holds only safe characters,
    /// otherwise in single quotes (a quote inside becomes `'\''`).
    public static func quote(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-")
        if !word.isEmpty, word.allSatisfy(safe.contains) { return word }
        return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    private static func ip(_ arguments: [String]) -> String { command("ip", arguments) }

    private static func command(_ program: String, _ arguments: [String]) -> String {
        ([program] + arguments).map(quote).joined(separator: " ")
    }
}
