import ArgumentParser
import FoundationEssentials
internal import Glibc
import IPVSKernel
import LVSDaemon
import LVSEngine
import LVSHealth
import LVSModel

struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Take real servers out of rotation for maintenance and back, without a change to the config.",
        discussion: """
            An override keeps the server in the table at weight 0, so its connections finish. Overrides are kept in \
            --state-dir (default /run/lvsctl) until enabled again, until --for runs out, or until the machine restarts; \
            the reconcile daemon applies them within a second, and plan and apply use them too.
            """,
        subcommands: [ServerDisableCommand.self, ServerEnableCommand.self, ServerListCommand.self])
}

/// Options every `server` subcommand takes.
struct ServerOptions: ParsableArguments {
    @Option(help: "Where the overrides (and the reconcile daemon's health) are kept.")
    var stateDir = StateDirectory.defaultPath

    var directory: StateDirectory { StateDirectory(path: stateDir) }
}

/// `ADDRESS`, `ADDRESS:PORT` or `[IPv6]:PORT`.
struct ServerArgument: ExpressibleByArgument {
    var address: IPAddress
    var port: UInt16?

    init?(argument: String) {
        if let address = IPAddress(argument) {
            (self.address, port) = (address, nil)
            return
        }
        let bracketed = argument.hasPrefix("[")
        guard let colon = argument.lastIndex(of: ":"), let port = UInt16(argument[argument.index(after: colon)...]) else { return nil }
        var host = argument[..<colon]
        if bracketed {
            guard host.hasSuffix("]") else { return nil }
            host = host.dropFirst().dropLast()
        }
        guard let address = IPAddress(String(host)), bracketed || address.family == .ipv4 else { return nil }
        (self.address, self.port) = (address, port)
    }
}

extension ServerOptions {
    /// Runs `change` on the overrides under an exclusive lock of the folder, so that two
    /// operators at once lose nothing; lapsed overrides are dropped on the way.
    func editOverrides(_ change: (inout [ServerOverride]) throws -> Void) throws {
        let directory = self.directory
        guard directory.ensure() else { throw Console.fail("cannot make \(stateDir): \(String(cString: strerror(errno)))") }
        let lock = open(directory.path + "/overrides.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lock >= 0, flock(lock, LOCK_EX) == 0 else {
            throw Console.fail("cannot lock \(directory.path)/overrides.lock: \(String(cString: strerror(errno)))")
        }
        defer { close(lock) }
        do {
            let now = Date().timeIntervalSince1970
            var overrides = try directory.readOverrides().filter { $0.isActive(at: now) }
            try change(&overrides)
            try directory.writeOverrides(overrides)
        } catch let failure as StateDirectory.Failure {
            throw Console.fail(failure.description)
        }
    }

    /// What happens next, for the operator: the daemon applies it, or nobody does yet.
    func daemonNote() -> String {
        if let record = try? directory.readHealth(), record.writerRuns {
            return "the reconcile daemon (pid \(record.pid)) applies it within a second"
        }
        return "no reconcile daemon runs here: 'lvsctl apply' applies it"
    }
}

struct ServerDisableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Take a server out of rotation (weight 0): new connections go to the others.")

    @Argument(help: "The server: ADDRESS (every port), ADDRESS:PORT or [IPv6]:PORT.")
    var server: ServerArgument

    @Option(help: "Only in the service of this name (default: in every service).")
    var service: String?

    @Option(help: "Why, for the plan, the logs and 'server list'.")
    var reason: String?

    @Option(name: .customLong("for"), help: "Lapse after this long: 30s, 15m, 2h (default: until enabled).")
    var duration: Interval?

    @OptionGroup var options: ServerOptions

    func validate() throws {
        for (name, text) in [("--service", service), ("--reason", reason)] {
            if let text, !DisplayText.isPrintable(text) || text.utf8.count > DesiredState.maximumNameBytes {
                throw ValidationError("\(name) must be one line of printable characters, at most \(DesiredState.maximumNameBytes) bytes")
            }
        }
    }

    func run() throws {
        let now = Date().timeIntervalSince1970
        let seconds = duration.map { Double($0.duration.components.seconds) }
        let override = ServerOverride(address: server.address, port: server.port, service: service, reason: reason, since: now,
                                      until: seconds.map { now + $0 })
        try options.editOverrides { overrides in
            overrides.removeAll { $0.sameSubject(as: override) }
            overrides.append(override)
        }
        let until = seconds.map { " for \(Int($0)) s" } ?? " until enabled"
        Console.printLine("disabled \(DisplayText.escaped(override.subject))\(until); \(options.daemonNote())")
        Console.end()
    }
}

struct ServerEnableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable", abstract: "Put a disabled server back into rotation, with the weight its config gives.")

    @Argument(help: "The server as disabled: ADDRESS, ADDRESS:PORT or [IPv6]:PORT (ADDRESS alone enables it on every port).")
    var server: ServerArgument

    @Option(help: "Only the override for this service (default: every override of the server).")
    var service: String?

    @OptionGroup var options: ServerOptions

    func run() throws {
        var removed = 0
        try options.editOverrides { overrides in
            let before = overrides.count
            overrides.removeAll { override in
                override.address == server.address && (server.port == nil || override.port == server.port)
                    && (service == nil || override.service == service)
            }
            removed = before - overrides.count
        }
        guard removed > 0 else {
            throw Console.fail("\(server.address) has no override to remove; 'lvsctl server list' shows them")
        }
        Console.printLine("enabled \(server.address)\(server.port.map { " port \($0)" } ?? "") (\(removed) override\(removed == 1 ? "" : "s") removed); \(options.daemonNote())")
        Console.end()
    }
}

struct ServerListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Every server of the config: its weight in the config and in the kernel, its health, its override.")

    @Option(name: [.short, .customLong("file")], help: "The config file.")
    var file: String

    @OptionGroup var options: ServerOptions

    func run() throws {
        let config = try Inputs.desiredState(file)
        let live = try DirectorRead(host: nil).director().live.table
        let now = Date().timeIntervalSince1970
        let overrides: [ServerOverride]
        let health: [CheckTarget: CheckState]
        do {
            overrides = try options.directory.readOverrides().filter { $0.isActive(at: now) }
            health = try options.directory.readHealth()?.states ?? [:]
        } catch {
            throw Console.fail("\(error)")
        }
        let kernel = Dictionary(live.services.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var rows = [["SERVICE", "SERVER", "CONFIG", "KERNEL", "HEALTH", "OVERRIDE"]]
        for service in config.table.services {
            let name = config.names[service.key]
            for server in service.servers {
                let check = config.checks[service.key]?[server.key]
                let state = check.flatMap { health[CheckTarget(server: server.key, check: $0)] }
                let healthText = check == nil ? "-" : state.map { state in
                    "\(state.verdict.rawValue)" + (state.last.map { " (\($0.reason))" } ?? "")
                } ?? "unknown"
                let override = overrides.last { $0.matches(server.key, in: service.key, named: name) }
                rows.append([name ?? service.key.description, server.key.description, "\(server.weight)",
                             kernel[service.key]?.server(server.key).map { "\($0.weight)" } ?? "absent", healthText,
                             override.map { $0.note + ($0.until.map { ", lapses in \(Int($0 - now)) s" } ?? "") } ?? "-"]
                    .map { DisplayText.escaped($0) })
            }
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            Console.printLine(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces))
        }
        Console.end()
    }
}
