internal import CNetlink

/// One received netlink attribute. It points into a receive buffer, so it is only valid inside
/// the reply callback that produced it; read values out with the typed getters.
struct Attribute {
    let raw: UnsafeMutablePointer<nlattr>

    private var length: Int { Int(nla_len(raw)) }

    var u8: UInt8 { nla_get_u8(raw) }
    var u16: UInt16 { nla_get_u16(raw) }
    var u32: UInt32 { nla_get_u32(raw) }

    /// An unsigned integer of whatever width the attribute carries (1, 2, 4 or 8 bytes): the
    /// 32-bit `STATS` and 64-bit `STATS64` nests then read alike.
    var unsigned: UInt64 {
        switch length {
        case 1: UInt64(nla_get_u8(raw))
        case 2: UInt64(nla_get_u16(raw))
        case 4: UInt64(nla_get_u32(raw))
        default: nla_get_u64(raw)
        }
    }

    /// The payload up to its first NUL.
    var string: String {
        let bytes = UnsafeRawBufferPointer(start: nla_data(raw), count: length)
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    var bytes: [UInt8] { Array(UnsafeRawBufferPointer(start: nla_data(raw), count: length)) }

    /// The members of a nested attribute, by type.
    func nested(maxType: Int32) throws(NetlinkError) -> AttributeTable {
        try AttributeTable(nest: raw, maxType: maxType)
    }
}

/// The attributes of one message or nest, indexed by type (types above `maxType` are
/// ignored, as the kernel's lenient parser does). Valid only inside the reply callback.
struct AttributeTable {
    private var slots: [UnsafeMutablePointer<nlattr>?]

    /// The top-level attributes of a generic-netlink message without a family header.
    init(message header: UnsafeMutablePointer<nlmsghdr>, maxType: Int32) throws(NetlinkError) {
        slots = Array(repeating: nil, count: Int(maxType) + 1)
        let result = slots.withUnsafeMutableBufferPointer { genlmsg_parse(header, 0, $0.baseAddress, maxType, nil) }
        try libnlCheck(result)
    }

    init(nest: UnsafeMutablePointer<nlattr>, maxType: Int32) throws(NetlinkError) {
        slots = Array(repeating: nil, count: Int(maxType) + 1)
        let result = slots.withUnsafeMutableBufferPointer { nla_parse_nested($0.baseAddress, maxType, nest, nil) }
        try libnlCheck(result)
    }

    subscript(type: Int32) -> Attribute? {
        guard type >= 0, Int(type) < slots.count, let raw = slots[Int(type)] else { return nil }
        return Attribute(raw: raw)
    }

    /// The attribute a well-formed reply always carries; `what` names it in the error.
    func required(_ type: Int32, _ what: String) throws(NetlinkError) -> Attribute {
        guard let attribute = self[type] else { throw .malformedReply("missing \(what)") }
        return attribute
    }
}
