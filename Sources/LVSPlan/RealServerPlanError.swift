import LVSModel

/// Why a real server's setup cannot be planned from the config.
public struct RealServerPlanError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    static func notAServer(_ node: IPAddress) -> Self {
        Self("\(node) is a real server of no service in the config; --node takes a server's address as the config lists it")
    }

    static let noDirectorAddress = Self("NAT real servers route replies through the director: set director.address")

    static func gatewayFamily(_ gateway: IPAddress, node: IPAddress) -> Self {
        Self("NAT real server \(node) is \(node.family) but director.address \(gateway) is \(gateway.family): its replies need a gateway of its own family")
    }

    static func tunnel(_ service: String, node: IPAddress, vip: IPAddress, _ unsupported: TunnelEndpoint.Unsupported) -> Self {
        Self("\(service) tunnels packets for \(vip) to \(node): \(unsupported.reason); set that tunnel up by hand")
    }
}
