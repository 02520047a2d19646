public import LVSModel

extension LinuxHost {
    /// Carries out `action` after checking it has a shape lvsctl's planners emit (`check()`).
    public func perform(_ action: HostAction) throws(HostError) {
        try action.check()
        switch action {
        case .createDevice(let name, let kind):
            try createDevice(name, kind: kind)
        case .setLinkUp(let name):
            try runner.check("ip", HostCommands.setUp(name))
        case .addAddress(let address, let length, let device):
            try addresses().replace(address, prefixLength: length, device: device)
        case .removeAddress(let address, let length, let device):
            try addresses().delete(address, prefixLength: length, device: device)
        case .setSysctl(let key, let value):
            try SysctlFile.write(key, value)
        case .replaceDefaultRoute(let gateway):
            try runner.check("ip", HostCommands.replaceDefaultRoute(via: gateway))
        case .addGUEPort(let port):
            try addGUEPort(port)
        case .writeChain(let chain, let rules):
            try writeChain(chain, rules: rules)
        }
    }

    /// Loads the kind's module first: for tunnels that alone may create the device, and then the
    /// `ip link add` that follows fails with "File exists", which means the device is there.
    private func createDevice(_ name: String, kind: String) throws(HostError) {
        var moduleFailure: String?
        if let module = HostCommands.module(forKind: kind) { moduleFailure = try loadModule(module) }
        let add = try runner.run("ip", HostCommands.addLink(name, kind: kind))
        if !add.succeeded, !add.error.contains("File exists") {
            var message = HostErrorWording.explain(add.error, status: add.status)
            if let moduleFailure { message += " (and \(moduleFailure))" }
            throw HostError(action: "ip " + HostCommands.addLink(name, kind: kind).joined(separator: " "), message: message)
        }
        try runner.check("ip", HostCommands.setOwnedAlias(name))
        try runner.check("ip", HostCommands.setUp(name))
    }

    /// GUE needs the fou module, which `ip fou` does not load by itself. An existing port in
    /// plain FOU mode makes the add fail: it is the operator's, so it is reported, not replaced.
    private func addGUEPort(_ port: UInt16) throws(HostError) {
        let moduleFailure = try loadModule("fou")
        let arguments = HostCommands.addGUEPort(port)
        let add = try runner.run("ip", arguments)
        guard !add.succeeded else { return }
        var message = HostErrorWording.explain(add.error, status: add.status)
        if add.error.contains("File exists") {
            message += " — UDP port \(port) is already a receive port in another mode (see 'ip fou show'); remove it with 'ip fou del port \(port)' or use another tunnel port"
        } else if let moduleFailure {
            message += " (and \(moduleFailure))"
        }
        throw HostError(action: "ip " + arguments.joined(separator: " "), message: message)
    }

    /// Runs `modprobe`, returning what went wrong instead of failing: the module may be built
    /// into the kernel, or modprobe missing in a container, and the next step tells for sure.
    private func loadModule(_ module: String) throws(HostError) -> String? {
        guard runner.locate("modprobe") != nil else { return "modprobe is not installed (Debian package kmod)" }
        let result = try runner.run("modprobe", [module])
        return result.succeeded ? nil : "modprobe \(module): \(result.error)"
    }

    /// One `iptables-restore --noflush` transaction: the chain's rules replaced, and the jump
    /// from the hook chain added when `iptables -C` does not find it.
    private func writeChain(_ chain: FirewallChain, rules: [String]) throws(HostError) {
        let tool = HostCommands.iptables(chain.family)
        let jumpExists = try runner.run(tool, HostCommands.checkJump(chain)).succeeded
        let input = RestoreInput.chain(chain, rules: rules, addJump: !jumpExists)
        try runner.check(HostCommands.iptables(chain.family, "-restore"), HostCommands.restoreArguments, input: input)
    }
}
