import ArgumentParser

struct RealServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rs",
        abstract: "Set up a real server for the services it backs in the director's config.",
        discussion: """
            Run on the real server with the director's config file and the server's own address. DR: each VIP on lo, \
            ARP answers for it left to the director. TUN: the tunnel device (tunl0, gre0, …) with the VIP, reverse-path \
            filtering off, the GUE port. NAT: the default route through director.address. Only adds: nothing is removed.
            """,
        subcommands: [RealServerPlanCommand.self, RealServerApplyCommand.self])
}
