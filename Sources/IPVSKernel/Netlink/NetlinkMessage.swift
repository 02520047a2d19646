internal import CNetlink

/// One generic-netlink request under construction, with typed puts so no caller touches
/// libnl's buffer directly. It is built in the socket's one `nl_msg`, reused for every request
/// (allocating and zeroing a fresh one cost every server dump two `calloc`s), so it is valid
/// only until the socket starts the next.
struct NetlinkMessage: ~Copyable {
    private let raw: OpaquePointer

    /// Room for the largest IPVS request (a full service or server, under 300 bytes) with a wide
    /// margin.
    static let capacity = 1 << 10

    /// Starts a message addressed to `family`, with the generic header (`command`, version) in
    /// place, in `raw`, dropping what it held. `flags` are the full `nlmsg_flags`: the message
    /// is sent as built, not completed by libnl.
    init(in raw: OpaquePointer, family: Int32, command: UInt8, version: UInt8, flags: Int32,
         sequence: UInt32, port: UInt32) throws(NetlinkError) {
        // libnl appends at the header's length: back to an empty message.
        nlmsg_hdr(raw).pointee.nlmsg_len = UInt32(MemoryLayout<nlmsghdr>.size)
        guard genlmsg_put(raw, port, sequence, family, 0, flags, command, version) != nil else {
            throw .library(code: -NLE_NOMEM)
        }
        self.raw = raw
    }

    func put(_ type: Int32, u8 value: UInt8) throws(NetlinkError) {
        try libnlCheck(nla_put_u8(raw, type, value))
    }

    /// Puts a 16-bit value as given: convert to network order first where the protocol says so.
    func put(_ type: Int32, u16 value: UInt16) throws(NetlinkError) {
        try libnlCheck(nla_put_u16(raw, type, value))
    }

    func put(_ type: Int32, u32 value: UInt32) throws(NetlinkError) {
        try libnlCheck(nla_put_u32(raw, type, value))
    }

    /// Puts a NUL-terminated string.
    func put(_ type: Int32, string value: String) throws(NetlinkError) {
        try libnlCheck(nla_put_string(raw, type, value))
    }

    func put(_ type: Int32, bytes value: UnsafeRawBufferPointer) throws(NetlinkError) {
        try libnlCheck(nla_put(raw, type, Int32(value.count), value.baseAddress))
    }

    /// Puts a nested attribute whose members `body` puts.
    func nest(_ type: Int32, _ body: (borrowing NetlinkMessage) throws(NetlinkError) -> Void) throws(NetlinkError) {
        guard let start = nla_nest_start(raw, type) else { throw .library(code: -NLE_NOMEM) }
        try body(self)
        try libnlCheck(nla_nest_end(raw, start))
    }

    /// The finished message's bytes (header included), appended to `buffer` so that several
    /// requests can leave in one `sendmsg`.
    func append(to buffer: inout [UInt8]) {
        let header = nlmsg_hdr(raw)!
        let length = Int(header.pointee.nlmsg_len)
        buffer.append(contentsOf: UnsafeRawBufferPointer(start: UnsafeRawPointer(header), count: length))
    }
}
