internal import CNetlink
@testable import IPVSKernel
import LVSModel
import Testing

/// The requests lvsctl writes itself (`NetlinkMessage`) are byte for byte what libnl, through
/// which ipvsadm talks to IPVS, builds for the same puts.
@Suite struct RequestEncodingTests {
    static let family: Int32 = 0x2A
    static let flags = NLM_F_REQUEST | NLM_F_ACK

    /// `message` written by `NetlinkMessage` and, with the same puts, by libnl.
    func bothWays(command: UInt8, _ puts: (borrowing NetlinkMessage) throws(NetlinkError) -> Void,
                  libnl: (OpaquePointer) -> Void) throws -> (own: [UInt8], libnl: [UInt8]) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: NetlinkMessage.capacity, alignment: 4)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0xEE)
        let message = NetlinkMessage(at: buffer.baseAddress!, family: Self.family, command: command, version: 1,
                                     flags: Self.flags, sequence: 7, port: 99)
        try puts(message)
        let own = Array(buffer.prefix(message.length))

        let raw = try #require(nlmsg_alloc_size(NetlinkMessage.capacity))
        defer { nlmsg_free(raw) }
        _ = genlmsg_put(raw, 99, 7, Self.family, 0, Self.flags, command, 1)
        libnl(raw)
        let header = nlmsg_hdr(raw)!
        let theirs = Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(header), count: Int(header.pointee.nlmsg_len)))
        return (own, theirs)
    }

    @Test func scalarsStringsAndBytesMatchLibnl() throws {
        let address: [UInt8] = [192, 0, 2, 7]
        let odd: [UInt8] = [1, 2, 3, 4, 5]
        let addressBytes = UnsafeMutableRawBufferPointer.allocate(byteCount: address.count, alignment: 1)
        let oddBytes = UnsafeMutableRawBufferPointer.allocate(byteCount: odd.count, alignment: 1)
        defer { addressBytes.deallocate(); oddBytes.deallocate() }
        addressBytes.copyBytes(from: address)
        oddBytes.copyBytes(from: odd)
        let (own, theirs) = try bothWays(command: 3, { (message: borrowing NetlinkMessage) throws(NetlinkError) in
            try message.put(1, u16: 2)
            try message.put(2, u8: 9)
            try message.put(3, u32: 0xDEAD_BEEF)
            try message.put(4, string: "wlc")
            try message.put(5, string: "")
            try message.put(6, bytes: UnsafeRawBufferPointer(addressBytes))
            try message.put(7, bytes: UnsafeRawBufferPointer(oddBytes))
        }, libnl: { raw in
            nla_put_u16(raw, 1, 2)
            nla_put_u8(raw, 2, 9)
            nla_put_u32(raw, 3, 0xDEAD_BEEF)
            nla_put_string(raw, 4, "wlc")
            nla_put_string(raw, 5, "")
            nla_put(raw, 6, 4, address)
            nla_put(raw, 7, 5, odd)
        })
        #expect(own == theirs)
        #expect(own.count % 4 == 0)
    }

    @Test func nestsMatchLibnl() throws {
        let (own, theirs) = try bothWays(command: 5, { (message: borrowing NetlinkMessage) throws(NetlinkError) in
            try message.nest(1) { (outer: borrowing NetlinkMessage) throws(NetlinkError) in
                try outer.put(1, u16: 2)
                try outer.nest(2) { (inner: borrowing NetlinkMessage) throws(NetlinkError) in
                    try inner.put(1, string: "sh")
                }
                try outer.put(3, u8: 1)
            }
            try message.nest(2) { (second: borrowing NetlinkMessage) throws(NetlinkError) in
                try second.put(4, u32: 8080)
            }
        }, libnl: { raw in
            let outer = nla_nest_start(raw, 1)
            nla_put_u16(raw, 1, 2)
            let inner = nla_nest_start(raw, 2)
            nla_put_string(raw, 1, "sh")
            nla_nest_end(raw, inner)
            nla_put_u8(raw, 3, 1)
            nla_nest_end(raw, outer)
            let second = nla_nest_start(raw, 2)
            nla_put_u32(raw, 4, 8080)
            nla_nest_end(raw, second)
        })
        #expect(own == theirs)
    }

    /// A whole server add, as the applier sends it, read back by the reply parser.
    @Test func aServerAddReadsBackAsItsAttributes() throws {
        let service = VirtualService(key: .address(.tcp, IPAddress("198.51.100.1")!, port: 80), scheduler: .wlc)
        let server = RealServer(address: IPAddress("203.0.113.9")!, port: 8080, forwarding: .dr, weight: 3)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: NetlinkMessage.capacity, alignment: 4)
        defer { buffer.deallocate() }
        let operation = IPVSOperation.addServer(server, service: service.key)
        let message = NetlinkMessage(at: buffer.baseAddress!, family: Self.family, command: operation.command,
                                     version: 1, flags: Self.flags, sequence: 1, port: 0)
        try operation.putAttributes(into: message)
        let body = UnsafeRawBufferPointer(rebasing: buffer[MemoryLayout<nlmsghdr>.size..<message.length])
        let reply = try NetlinkReply(genericMessage: body)
        #expect(reply.command == IPVSCommand.newDestination)
        let key = try #require(reply.attributes[CommandAttribute.service]).nested()
        #expect(UInt16(bigEndian: key[ServiceAttribute.port]?.u16 ?? 0) == 80)
        let destination = try #require(reply.attributes[CommandAttribute.destination]).nested()
        #expect(destination[DestinationAttribute.weight]?.u32 == 3)
        #expect(UInt16(bigEndian: destination[DestinationAttribute.port]?.u16 ?? 0) == 8080)
    }

    @Test func aMessageBeyondItsRoomFailsInsteadOfOverrunning() throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 4)
        defer { buffer.deallocate() }
        let message = NetlinkMessage(at: buffer.baseAddress!, capacity: 64, family: Self.family, command: 1, version: 1,
                                     flags: Self.flags, sequence: 1, port: 0)
        #expect(throws: NetlinkError.library(code: -NLE_NOMEM)) {
            try message.put(1, string: String(repeating: "x", count: 60))
        }
        #expect(message.length == NetlinkMessage.headerSize)
    }
}
