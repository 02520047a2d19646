/// One received netlink attribute: its payload, which points into the socket's receive buffer,
/// so it is only valid inside the reply callback that produced it; read values out with the
/// typed getters.
///
/// Integers are host order and at most 4-byte aligned (the kernel pads to 4), hence the
/// unaligned loads. A payload shorter than the getter's width, which the kernel never sends,
/// reads as 0 rather than past its end.
struct Attribute {
    let payload: UnsafeRawBufferPointer

    var u8: UInt8 { load(UInt8.self) }
    var u16: UInt16 { load(UInt16.self) }
    var u32: UInt32 { load(UInt32.self) }

    /// An unsigned integer of whatever width the attribute carries (1, 2, 4 or 8 bytes): the
    /// 32-bit `STATS` and 64-bit `STATS64` nests then read alike.
    var unsigned: UInt64 {
        switch payload.count {
        case 1: UInt64(u8)
        case 2: UInt64(u16)
        case 4: UInt64(u32)
        default: load(UInt64.self)
        }
    }

    /// The payload up to its first NUL.
    var string: String {
        String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The members of a nested attribute, by type.
    func nested() throws(NetlinkError) -> AttributeTable {
        try AttributeTable(payload)
    }

    private func load<T: FixedWidthInteger>(_: T.Type) -> T {
        payload.count >= MemoryLayout<T>.size ? payload.loadUnaligned(as: T.self) : 0
    }
}

/// The attributes of one message or nest, indexed by type, in a fixed-size table that lives on
/// the stack: a full read decodes three tables per server, and heap-allocated ones were a
/// measurable share of its time.
///
/// Holds types 1–15, which covers every IPVS attribute (the largest, `IPVS_DEST_ATTR_TUN_FLAGS`,
/// is 15); higher types are ignored, as the kernel's lenient parser ignores unknown ones. When
/// a type repeats, the last one wins (as with libnl's `nla_parse`). Valid only inside the reply
/// callback, like `Attribute`.
struct AttributeTable {
    private let base: UnsafeRawPointer?
    /// Per type, 1 + the offset of the attribute's header from `base`; 0 when absent.
    private var slots: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
                        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
        = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    private static let capacity = 16
    private static let headerSize = 4
    /// `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER` share the type field with the type.
    private static let typeMask: UInt16 = 0x3FFF

    /// Indexes the attributes packed in `region` (a message's body after its headers, or a
    /// nest's payload).
    init(_ region: UnsafeRawBufferPointer) throws(NetlinkError) {
        base = region.baseAddress
        var offset = 0
        while region.count - offset >= Self.headerSize {
            let length = Int(region.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            guard length >= Self.headerSize, length <= region.count - offset else {
                throw .malformedReply("attribute of \(length) bytes with \(region.count - offset) left")
            }
            let type = Int(region.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & Self.typeMask)
            if type < Self.capacity {
                withUnsafeMutableBytes(of: &slots) { $0.storeBytes(of: UInt32(offset + 1), toByteOffset: type * 4, as: UInt32.self) }
            }
            offset += (length + 3) & ~3
        }
    }

    subscript(type: Int32) -> Attribute? {
        guard type > 0, Int(type) < Self.capacity, let base else { return nil }
        let slot = withUnsafeBytes(of: slots) { $0.load(fromByteOffset: Int(type) * 4, as: UInt32.self) }
        guard slot != 0 else { return nil }
        let header = base + Int(slot - 1)
        let length = Int(header.loadUnaligned(as: UInt16.self))
        return Attribute(payload: UnsafeRawBufferPointer(start: header + Self.headerSize, count: length - Self.headerSize))
    }

    /// The attribute a well-formed reply always carries; `what` names it in the error.
    func required(_ type: Int32, _ what: String) throws(NetlinkError) -> Attribute {
        guard let attribute = self[type] else { throw .malformedReply("missing \(what)") }
        return attribute
    }
}
