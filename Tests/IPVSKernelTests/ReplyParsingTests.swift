@testable import IPVSKernel
import LVSModel
import Testing

/// The in-place reading of received datagrams: message framing and attribute tables.
@Suite struct ReplyParsingTests {
    /// An attribute as the kernel packs it: length, type, payload, padding to 4 bytes.
    func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        let length = UInt16(4 + payload.count)
        let header = withUnsafeBytes(of: length) { Array($0) } + withUnsafeBytes(of: type) { Array($0) }
        return header + payload + [UInt8](repeating: 0, count: (4 - payload.count % 4) % 4)
    }

    func bytes<T>(of value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    /// A netlink message: `nlmsghdr` (length, type, flags, sequence, port), then `body`.
    func message(type: UInt16, sequence: UInt32, _ body: [UInt8]) -> [UInt8] {
        bytes(of: UInt32(16 + body.count)) + bytes(of: type) + bytes(of: UInt16(2)) + bytes(of: sequence) + bytes(of: UInt32(0))
            + body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
    }

    @Test func attributesAreFoundByTypeAndReadInPlace() throws {
        let region = attribute(1, bytes(of: UInt16(10))) + attribute(6, Array("wlc\0".utf8))
            + attribute(4, [0x1F, 0x90]) + attribute(15, bytes(of: UInt64(1 << 40))) + attribute(20, [1, 2, 3, 4])
        try region.withUnsafeBytes { raw in
            let table = try AttributeTable(raw)
            #expect(table[1]?.u16 == 10)
            #expect(table[6]?.string == "wlc")
            #expect(UInt16(bigEndian: table[4]?.u16 ?? 0) == 8080)
            #expect(table[15]?.unsigned == 1 << 40)
            #expect(table[2] == nil)
            #expect(table[20] == nil)  // beyond the table: ignored
            #expect(table[0] == nil)
        }
    }

    @Test func nestsFlagsAndRepeatsFollowTheKernelsLenientRules() throws {
        let stats = attribute(1, bytes(of: UInt32(7))) + attribute(4, bytes(of: UInt64(9)))
        let region = attribute(10 | 0x8000, stats) + attribute(8, bytes(of: UInt32(1))) + attribute(8, bytes(of: UInt32(2)))
        try region.withUnsafeBytes { raw in
            let table = try AttributeTable(raw)
            let nested = try #require(table[10]).nested()
            #expect(nested[1]?.unsigned == 7)
            #expect(nested[4]?.unsigned == 9)
            #expect(table[8]?.u32 == 2)  // the last one wins
        }
    }

    @Test func anAttributeOverrunningItsRegionIsMalformed() {
        var region = attribute(1, bytes(of: UInt32(1)))
        region[0] = 12
        #expect(throws: NetlinkError.self) {
            try region.withUnsafeBytes { raw in _ = try AttributeTable(raw) }
        }
    }

    @Test func shortPayloadsReadAsZero() throws {
        try attribute(3, [1]).withUnsafeBytes { raw in
            let table = try AttributeTable(raw)
            #expect(table[3]?.u32 == 0)
            #expect(table[3]?.address(.ipv4) == nil)
        }
    }

    @Test func addressesAreReadFromTheFullSixteenBytes() throws {
        let v4 = [198, 51, 100, 7] + [UInt8](repeating: 0, count: 12)
        let v6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [5]
        try (attribute(1, v4) + attribute(2, v6)).withUnsafeBytes { raw in
            let table = try AttributeTable(raw)
            #expect(table[1]?.address(.ipv4) == IPAddress("198.51.100.7"))
            #expect(table[2]?.address(.ipv6) == IPAddress("2001:db8::5"))
        }
    }

    @Test func aDatagramIsSplitIntoItsMessages() throws {
        let datagram = message(type: 0x20, sequence: 7, [1, 1, 0, 0] + attribute(1, [1, 2, 3]))
            + message(type: 3, sequence: 7, bytes(of: Int32(0)))
        var seen: [(UInt16, UInt32, Int)] = []
        try datagram.withUnsafeBytes { raw in
            try ReceivedMessage.forEach(in: raw) { seen.append(($0.type, $0.sequence, $0.body.count)) }
        }
        #expect(seen.map(\.0) == [0x20, 3])
        #expect(seen.map(\.1) == [7, 7])
        #expect(seen.map(\.2) == [12, 4])
    }

    @Test func aMessageLongerThanItsDatagramIsMalformed() {
        var datagram = message(type: 3, sequence: 1, bytes(of: Int32(0)))
        datagram[0] = 64
        #expect(throws: NetlinkError.self) {
            try datagram.withUnsafeBytes { raw in try ReceivedMessage.forEach(in: raw) { _ in } }
        }
    }

    @Test func aGenericReplyCarriesItsCommandAndAttributes() throws {
        try ([5, 1, 0, 0] + attribute(2, bytes(of: UInt32(3)))).withUnsafeBytes { raw in
            let reply = try NetlinkReply(genericMessage: raw)
            #expect(reply.command == 5)
            #expect(reply.attributes[2]?.u32 == 3)
        }
    }
}
