import LVSModel

/// The persistence netmask as the kernel's `NETMASK` attribute carries it: for IPv4 the mask's
/// four bytes in network order, for IPv6 the prefix length as a host integer. The model keeps
/// a prefix length for both.
enum Netmask {
    /// The IPv4 mask in host order: 24 → `0xFFFF_FF00`.
    static func ipv4Mask(prefixLength: Int) -> UInt32 {
        prefixLength <= 0 ? 0 : UInt32.max << UInt32(32 - min(prefixLength, 32))
    }

    /// The number of leading one bits of an IPv4 mask in host order. A non-contiguous mask
    /// (which only ipvsadm can create) is read as its leading ones.
    static func prefixLength(ipv4Mask mask: UInt32) -> Int {
        (~mask).leadingZeroBitCount
    }

    /// The `u32` to put: its in-memory bytes are what the kernel expects.
    static func attributeValue(prefixLength: Int, family: AddressFamily) -> UInt32 {
        switch family {
        case .ipv4: ipv4Mask(prefixLength: prefixLength).bigEndian
        case .ipv6: UInt32(prefixLength)
        }
    }

    /// The prefix length behind a `NETMASK` value read with `nla_get_u32`.
    static func prefixLength(attributeValue: UInt32, family: AddressFamily) -> Int {
        switch family {
        case .ipv4: prefixLength(ipv4Mask: UInt32(bigEndian: attributeValue))
        case .ipv6: Int(attributeValue)
        }
    }
}
