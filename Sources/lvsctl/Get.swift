import ArgumentParser

struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the live IPVS table.")
}
