internal import CNetlink

/// One generic-netlink request under construction, written straight into the socket's window
/// of outgoing requests, with typed puts so no caller touches the bytes.
///
/// The message's own `nlmsg_len` is its write position (as in libnl), so puts need no other
/// state. Written in place rather than through libnl's `nla_put`: on a large apply, libnl's
/// per-attribute calls took a third of the CPU time of the thread that sends the writes.
/// Valid only until the socket starts the next window.
struct NetlinkMessage: ~Copyable {
    private let start: UnsafeMutableRawPointer
    private let capacity: Int

    /// Room for the largest IPVS request (a full service or server, under 300 bytes) with a wide
    /// margin.
    static let capacity = 1 << 10

    /// The size of the headers before the attributes: `nlmsghdr`, then `genlmsghdr` (IPVS has
    /// no family header).
    static let headerSize = MemoryLayout<nlmsghdr>.size + MemoryLayout<genlmsghdr>.size

    /// Starts a message at `start` (4-byte aligned, `capacity` bytes of room) addressed to
    /// `family`, with the generic header (`command`, version) in place. `flags` are the full
    /// `nlmsg_flags`: the message is sent as built.
    init(at start: UnsafeMutableRawPointer, capacity: Int = NetlinkMessage.capacity, family: Int32, command: UInt8,
         version: UInt8, flags: Int32, sequence: UInt32, port: UInt32) {
        precondition(capacity >= Self.headerSize, "no room for a netlink message's headers")
        self.start = start
        self.capacity = capacity
        start.initializeMemory(as: UInt8.self, repeating: 0, count: Self.headerSize)
        var header = nlmsghdr()
        header.nlmsg_len = UInt32(Self.headerSize)
        header.nlmsg_type = UInt16(truncatingIfNeeded: family)
        header.nlmsg_flags = UInt16(truncatingIfNeeded: flags)
        header.nlmsg_seq = sequence
        header.nlmsg_pid = port
        start.storeBytes(of: header, as: nlmsghdr.self)
        var generic = genlmsghdr()
        generic.cmd = command
        generic.version = version
        start.storeBytes(of: generic, toByteOffset: MemoryLayout<nlmsghdr>.size, as: genlmsghdr.self)
    }

    /// The message's length so far, headers included; always a multiple of 4.
    var length: Int { Int(start.load(as: UInt32.self)) }

    func put(_ type: Int32, u8 value: UInt8) throws(NetlinkError) {
        try put(type, value)
    }

    /// Puts a 16-bit value as given: convert to network order first where the protocol says so.
    func put(_ type: Int32, u16 value: UInt16) throws(NetlinkError) {
        try put(type, value)
    }

    func put(_ type: Int32, u32 value: UInt32) throws(NetlinkError) {
        try put(type, value)
    }

    /// Puts a NUL-terminated string.
    func put(_ type: Int32, string value: String) throws(NetlinkError) {
        var value = value
        let count = value.utf8.count
        let payload = try reserve(type, count: count + 1)
        value.withUTF8 { text in
            if let source = text.baseAddress { payload.copyMemory(from: source, byteCount: count) }
        }
        payload.storeBytes(of: 0, toByteOffset: count, as: UInt8.self)
    }

    func put(_ type: Int32, bytes value: UnsafeRawBufferPointer) throws(NetlinkError) {
        let payload = try reserve(type, count: value.count)
        if let source = value.baseAddress { payload.copyMemory(from: source, byteCount: value.count) }
    }

    /// Puts a nested attribute whose members `body` puts, flagged `NLA_F_NESTED` as libnl does.
    func nest(_ type: Int32, _ body: (borrowing NetlinkMessage) throws(NetlinkError) -> Void) throws(NetlinkError) {
        let offset = length
        _ = try reserve(type | Int32(NLA_F_NESTED), count: 0)
        try body(self)
        start.storeBytes(of: UInt16(length - offset), toByteOffset: offset, as: UInt16.self)
    }

    private func put<Value: FixedWidthInteger>(_ type: Int32, _ value: Value) throws(NetlinkError) {
        try reserve(type, count: MemoryLayout<Value>.size).storeBytes(of: value, as: Value.self)
    }

    /// Appends an attribute header for a payload of `count` bytes, zeroes the payload's
    /// padding to 4 bytes, and returns where the payload goes.
    private func reserve(_ type: Int32, count: Int) throws(NetlinkError) -> UnsafeMutableRawPointer {
        let offset = length
        let headerSize = MemoryLayout<nlattr>.size
        let total = (headerSize + count + 3) & ~3
        guard offset + total <= capacity, headerSize + count <= Int(UInt16.max) else { throw .library(code: -NLE_NOMEM) }
        let attribute = start + offset
        attribute.storeBytes(of: nlattr(nla_len: UInt16(headerSize + count), nla_type: UInt16(truncatingIfNeeded: type)), as: nlattr.self)
        (attribute + headerSize + count).initializeMemory(as: UInt8.self, repeating: 0, count: total - headerSize - count)
        start.storeBytes(of: UInt32(offset + total), as: UInt32.self)
        return attribute + headerSize
    }
}
