import ArgumentParser
import LVSHost
import LVSModel
import LVSPlan

/// What `rs plan` and `rs apply` both take: the config and which of its servers this host is.
struct RealServerOptions: ParsableArguments {
    @Option(name: [.short, .customLong("file")], help: "The director's config file.")
    var file: String

    @Option(help: "This real server's address, as the config lists it among a service's servers.")
    var node: String

    func validate() throws {
        guard IPAddress(node) != nil else {
            throw ValidationError("--node takes an IPv4 or IPv6 address, such as 203.0.113.11; '\(node)' is not one")
        }
    }

    var nodeAddress: IPAddress { IPAddress(node)! }

    /// The setup the node needs, with the config's gaps printed as warnings, or exit 1.
    func setup() throws -> RealServerSetup {
        let desired = try Inputs.desiredState(file)
        let setup: RealServerSetup
        do {
            setup = try RealServerPlanner.setup(desired: desired, node: nodeAddress)
        } catch {
            throw Console.fail("\(file): \(error)")
        }
        for warning in setup.warnings { Console.standardError.write("lvsctl: warning: \(warning)\n") }
        return setup
    }

    /// This host's state, read as far as the setup needs it.
    func snapshot(_ host: LinuxHost, for setup: RealServerSetup) throws -> HostSnapshot {
        do {
            return try host.snapshot(sysctls: setup.sysctlKeys, chains: [], routes: true)
        } catch {
            throw Inputs.failure(error)
        }
    }
}
