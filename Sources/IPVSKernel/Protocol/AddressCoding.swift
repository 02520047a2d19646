import LVSModel

extension Attribute {
    /// An `ADDR` payload: the kernel always sends 16 bytes, network order, with an IPv4
    /// address in the first four. Read with fixed-width loads rather than through the generic
    /// `IPAddress(bytes:)`, whose unspecialised calls showed up in profiles of large reads.
    func address(_ family: AddressFamily) -> IPAddress? {
        switch family {
        case .ipv4:
            guard payload.count >= 4 else { return nil }
            return IPAddress(ipv4: UInt32(bigEndian: payload.loadUnaligned(as: UInt32.self)))
        case .ipv6:
            guard payload.count >= 16 else { return nil }
            return IPAddress(ipv6High: UInt64(bigEndian: payload.loadUnaligned(as: UInt64.self)),
                             low: UInt64(bigEndian: payload.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }
}

extension NetlinkMessage {
    /// Puts an address in network order, 4 or 16 bytes.
    func put(_ type: Int32, address: IPAddress) throws(NetlinkError) {
        try address.withNetworkBytes { (bytes) throws(NetlinkError) in try put(type, bytes: bytes) }
    }
}
