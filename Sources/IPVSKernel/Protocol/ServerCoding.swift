import LVSModel

/// `IP_VS_CONN_F_*` forwarding methods and `IP_VS_CONN_F_TUNNEL_TYPE_*` / encapsulation flags.
enum ForwardingNumber {
    static let masquerade: UInt32 = 0
    static let local: UInt32 = 1
    static let tunnel: UInt32 = 2
    static let directRoute: UInt32 = 3
    static let mask: UInt32 = 7

    static let ipip: UInt8 = 0
    static let gue: UInt8 = 1
    static let gre: UInt8 = 2

    static let checksum: UInt16 = 1
    static let remoteChecksum: UInt16 = 2
}

extension TunnelChecksum {
    var encapsulationFlags: UInt16 {
        switch self {
        case .none: 0
        case .csum: ForwardingNumber.checksum
        case .remcsum: ForwardingNumber.remoteChecksum
        }
    }

    init(encapsulationFlags flags: UInt16) {
        self = flags & ForwardingNumber.remoteChecksum != 0 ? .remcsum
            : flags & ForwardingNumber.checksum != 0 ? .csum : .none
    }
}

extension Forwarding {
    var methodNumber: UInt32 {
        switch self {
        case .nat: ForwardingNumber.masquerade
        case .local: ForwardingNumber.local
        case .tunnel: ForwardingNumber.tunnel
        case .dr: ForwardingNumber.directRoute
        }
    }

    /// `TUN_TYPE`, `TUN_PORT` (host order here) and `TUN_FLAGS`; zeros when not tunnelling.
    var tunnelFields: (type: UInt8, port: UInt16, flags: UInt16) {
        switch self {
        case .tunnel(.gue(let port, let checksum)): (ForwardingNumber.gue, port, checksum.encapsulationFlags)
        case .tunnel(.gre(let checksum)): (ForwardingNumber.gre, 0, checksum.encapsulationFlags)
        default: (ForwardingNumber.ipip, 0, 0)
        }
    }
}

extension ServerKey {
    /// Puts the dest identity: address family (always, so mixed-family tunnel servers are
    /// found), address and port in network order.
    func putIdentity(into message: borrowing NetlinkMessage) throws(NetlinkError) {
        try message.put(DestinationAttribute.addressFamily, u16: address.family.kernelNumber)
        try message.put(DestinationAttribute.address, address: address)
        try message.put(DestinationAttribute.port, u16: port.bigEndian)
    }
}

extension RealServer {
    /// Puts the full `DEST` nest of NEW/SET_DEST. The tunnel attributes go out on every edit:
    /// SET_DEST rebuilds the whole dest, and their absence would mean IPIP.
    func putSpecificationNest(into message: borrowing NetlinkMessage) throws(NetlinkError) {
        try message.nest(CommandAttribute.destination) { (nest: borrowing NetlinkMessage) throws(NetlinkError) in
            try key.putIdentity(into: nest)
            try nest.put(DestinationAttribute.forwarding, u32: forwarding.methodNumber)
            try nest.put(DestinationAttribute.weight, u32: weight)
            try nest.put(DestinationAttribute.upperThreshold, u32: upperThreshold)
            try nest.put(DestinationAttribute.lowerThreshold, u32: lowerThreshold)
            let tunnel = forwarding.tunnelFields
            try nest.put(DestinationAttribute.tunnelType, u8: tunnel.type)
            try nest.put(DestinationAttribute.tunnelPort, u16: tunnel.port.bigEndian)
            try nest.put(DestinationAttribute.tunnelFlags, u16: tunnel.flags)
        }
    }

    /// Reads a dest nest of a GET_DEST reply; its counters and connection counts are
    /// `ServerStatistics(_:)` of the same table. `serviceFamily` stands in for a missing
    /// `ADDR_FAMILY` (kernels before 3.18).
    static func decode(_ table: AttributeTable, serviceFamily: AddressFamily) throws(NetlinkError) -> RealServer {
        var family = serviceFamily
        if let number = table[DestinationAttribute.addressFamily]?.u16, number != 0 {
            guard let known = AddressFamily(kernelNumber: number) else { throw .malformedReply("server address family \(number)") }
            family = known
        }
        let raw = try table.required(DestinationAttribute.address, "server address")
        guard let address = raw.address(family) else { throw .malformedReply("server address of \(raw.payload.count) bytes") }
        let port = UInt16(bigEndian: try table.required(DestinationAttribute.port, "server port").u16)
        let method = try table.required(DestinationAttribute.forwarding, "forwarding method").u32 & ForwardingNumber.mask
        let forwarding: Forwarding
        switch method {
        case ForwardingNumber.masquerade: forwarding = .nat
        case ForwardingNumber.local: forwarding = .local
        case ForwardingNumber.tunnel:
            let flags = TunnelChecksum(encapsulationFlags: table[DestinationAttribute.tunnelFlags]?.u16 ?? 0)
            switch table[DestinationAttribute.tunnelType]?.u8 ?? ForwardingNumber.ipip {
            case ForwardingNumber.gue:
                let tunnelPort = UInt16(bigEndian: table[DestinationAttribute.tunnelPort]?.u16 ?? 0)
                forwarding = .tunnel(.gue(port: tunnelPort, checksum: flags))
            case ForwardingNumber.gre: forwarding = .tunnel(.gre(checksum: flags))
            default: forwarding = .tunnel(.ipip)
            }
        case ForwardingNumber.directRoute: forwarding = .dr
        default: throw .malformedReply("forwarding method \(method)")
        }
        return RealServer(address: address, port: port, forwarding: forwarding,
                          weight: try table.required(DestinationAttribute.weight, "weight").u32,
                          upperThreshold: table[DestinationAttribute.upperThreshold]?.u32 ?? 0,
                          lowerThreshold: table[DestinationAttribute.lowerThreshold]?.u32 ?? 0)
    }
}

extension ServerStatistics {
    /// The counters and connection counts of a dest nest of a GET_DEST reply.
    init(_ table: AttributeTable) throws(NetlinkError) {
        self.init(counters: try Counters(in: table, stats64: DestinationAttribute.stats64, stats: DestinationAttribute.stats),
                  activeConnections: table[DestinationAttribute.activeConnections]?.u32 ?? 0,
                  inactiveConnections: table[DestinationAttribute.inactiveConnections]?.u32 ?? 0,
                  persistentConnections: table[DestinationAttribute.persistentConnections]?.u32 ?? 0)
    }
}
