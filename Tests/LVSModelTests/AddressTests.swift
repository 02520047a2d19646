import Glibc
import LVSModel
import Testing

@Suite("addresses and prefixes")
struct AddressTests {
    @Test("a dotted quad read from bytes reads as inet_pton reads it")
    func dottedQuadMatchesInetPton() {
        var cases = ["0.0.0.0", "255.255.255.255", "198.51.100.7", "01.2.3.4", "1.2.3.04", "1.2.3.0", "256.1.1.1",
                     "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.", "", "1.2.3.4 ", "+1.2.3.4", "1.2.3.999", "00.1.1.1"]
        let alphabet = Array("0123456789.".utf8) + [UInt8(ascii: "x")]
        var state: UInt64 = 0x1234_5678
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 60) + 1
            cases.append(String(decoding: (0..<length).map { alphabet[Int((state >> (UInt64($0) * 4)) & 0xF) % alphabet.count] },
                                as: UTF8.self))
        }
        for text in cases {
            let quad = Array(text.utf8).withUnsafeBufferPointer { IPAddress(dottedQuad: $0) }
            var raw = in_addr()
            let expected = inet_pton(AF_INET, text, &raw) == 1 ? IPAddress(ipv4: UInt32(bigEndian: raw.s_addr)) : nil
            #expect(quad == expected, "\(text)")
        }
    }

    @Test("IPv4 and IPv6 parse and print canonically", arguments: [
        ("192.0.2.1", "192.0.2.1"), ("2001:DB8:0:0::1", "2001:db8::1"), ("::", "::"), ("2001:db8::ffff:1:0", "2001:db8::ffff:1:0"),
    ])
    func canonical(input: String, expected: String) {
        #expect(IPAddress(input)?.description == expected)
    }

    @Test("garbage is not an address", arguments: ["", "192.0.2", "192.0.2.256", "1.2.3.4.5", "2001:db8:::1", "x", " 192.0.2.1"])
    func rejects(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("bytes round-trip in network order, with or without an array")
    func bytes() {
        let v4 = IPAddress("198.51.100.7")!
        #expect(v4.bytes == [198, 51, 100, 7])
        #expect(IPAddress(bytes: v4.bytes) == v4)
        let v6 = IPAddress("2001:db8::1:2")!
        #expect(v6.bytes.count == 16 && v6.bytes.first == 0x20 && v6.bytes.last == 2)
        #expect(IPAddress(bytes: v6.bytes) == v6)
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
        #expect(v4.withNetworkBytes { Array($0) } == v4.bytes)
        #expect(v6.withNetworkBytes { Array($0) } == v6.bytes)
    }

    @Test("prefixes contain their addresses and refuse host bits")
    func prefixes() throws {
        let net = try #require(IPPrefix("198.51.100.0/24"))
        #expect(net.contains(IPAddress("198.51.100.200")!))
        #expect(!net.contains(IPAddress("198.51.101.1")!))
        #expect(!net.contains(IPAddress("2001:db8::1")!))
        let v6 = try #require(IPPrefix("2001:db8::/64"))
        #expect(v6.contains(IPAddress("2001:db8::ffff")!))
        #expect(!v6.contains(IPAddress("2001:db8:0:1::1")!))
        #expect(IPPrefix("198.51.100.1/24") == nil)
        #expect(IPPrefix("198.51.100.0/33") == nil)
        #expect(IPPrefix("198.51.100.9")?.length == 32)
        #expect(IPPrefix("0.0.0.0/0")?.contains(IPAddress("203.0.113.1")!) == true)
    }

    @Test("multicast is recognised in both families")
    func multicast() {
        #expect(IPAddress("224.0.0.81")!.isMulticast)
        #expect(IPAddress("ff02::1")!.isMulticast)
        #expect(!IPAddress("192.0.2.1")!.isMulticast)
    }
}

@Suite("service keys and scope")
struct KeyTests {
    @Test("keys sort as ipvsadm -S does: address services, then fwmarks")
    func ordering() {
        let keys: [ServiceKey] = [
            .fwmark(2, .ipv4), .address(.udp, IPAddress("192.0.2.1")!, port: 53),
            .address(.tcp, IPAddress("2001:db8::1")!, port: 80), .address(.tcp, IPAddress("192.0.2.1")!, port: 443),
            .address(.tcp, IPAddress("192.0.2.1")!, port: 80), .fwmark(1, .ipv6),
        ]
        #expect(keys.sorted().map(\.description) == [
            "tcp/192.0.2.1:80", "tcp/192.0.2.1:443", "udp/192.0.2.1:53", "tcp/[2001:db8::1]:80", "fwmark/1/ipv6", "fwmark/2",
        ])
    }

    @Test("a limited scope owns VIPs in its prefixes and marks in its ranges")
    func scope() {
        let scope = Scope.limited(vips: [IPPrefix("198.51.100.0/24")!], fwmarks: [1...99])
        #expect(scope.contains(.address(.tcp, IPAddress("198.51.100.9")!, port: 80)))
        #expect(!scope.contains(.address(.tcp, IPAddress("203.0.113.9")!, port: 80)))
        #expect(scope.contains(.fwmark(99, .ipv6)))
        #expect(!scope.contains(.fwmark(100, .ipv4)))
        #expect(Scope.all.contains(.fwmark(100, .ipv4)))
    }

    @Test("scheduler flags are named by the scheduler that reads them")
    func flagNames() {
        let both: SchedulerFlags = [.flag1, .flag2]
        #expect(both.names(for: .sh) == ["sh-fallback", "sh-port"])
        #expect(both.names(for: .mh) == ["mh-fallback", "mh-port"])
        #expect(SchedulerFlags.flag3.names(for: Scheduler(rawValue: "custom")) == ["flag-3"])
        #expect(Scheduler.wrr.flagNames == nil)
        #expect(SchedulerFlags(rawValue: 0xFF) == [.flag1, .flag2, .flag3])
    }
}
