import LVSModel

extension Timeouts {
    /// Puts the timeouts that are set; the kernel leaves the others (sent as absent) unchanged.
    func putAttributes(into message: borrowing NetlinkMessage) throws(NetlinkError) {
        if let tcp { try message.put(CommandAttribute.timeoutTCP, u32: tcp) }
        if let tcpFin { try message.put(CommandAttribute.timeoutTCPFin, u32: tcpFin) }
        if let udp { try message.put(CommandAttribute.timeoutUDP, u32: udp) }
    }

    /// Reads the top-level attributes of a GET_CONFIG reply.
    init(reply: AttributeTable) {
        self.init(tcp: reply[CommandAttribute.timeoutTCP]?.u32,
                  tcpFin: reply[CommandAttribute.timeoutTCPFin]?.u32,
                  udp: reply[CommandAttribute.timeoutUDP]?.u32)
    }
}

extension KernelInfo {
    /// Reads a GET_INFO reply: version `0x010201` becomes "1.2.1".
    init(reply: AttributeTable) throws(NetlinkError) {
        let code = try reply.required(CommandAttribute.infoVersion, "IPVS version").u32
        self.init(version: "\(code >> 16).\(code >> 8 & 0xFF).\(code & 0xFF)",
                  connectionTableSize: try reply.required(CommandAttribute.infoConnectionTableSize, "connection table size").u32)
    }
}
