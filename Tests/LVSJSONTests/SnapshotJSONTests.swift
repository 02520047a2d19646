import LVSConfig
import LVSJSON
import LVSModel
import Testing

@Suite struct SnapshotJSONTests {
    static let table = IPVSTable(
        services: [
            VirtualService(key: .address(.udp, IPAddress("198.51.100.53")!, port: 53), scheduler: .sh,
                           schedulerFlags: [.flag1, .flag2], onePacket: true,
                           persistence: Persistence(timeout: 360, netmaskLength: 24, engine: "sip"),
                           servers: [RealServer(address: IPAddress("192.0.2.53")!, port: 5353, forwarding: .nat,
                                                weight: 2, upperThreshold: 100, lowerThreshold: 50)]),
            listedOldestFirst(VirtualService(key: .address(.tcp, IPAddress("2001:db8::10")!, port: 443), scheduler: "twos",
                           servers: [RealServer(address: IPAddress("2001:db8::11")!, port: 443, forwarding: .local),
                                     RealServer(address: IPAddress("203.0.113.5")!, port: 443, forwarding: .tunnel(.ipip))])),
            VirtualService(key: .fwmark(10, .ipv6), scheduler: "custom",
                           schedulerFlags: [.flag3],
                           servers: [RealServer(address: IPAddress("2001:db8::51")!, port: 0,
                                                forwarding: .tunnel(.gue(port: 6080, checksum: .remcsum)))]),
            VirtualService(key: .fwmark(11, .ipv4), scheduler: .rr,
                           servers: [RealServer(address: IPAddress("203.0.113.51")!, port: 80,
                                                forwarding: .tunnel(.gre(checksum: .csum)), weight: 0)]),
        ],
        timeouts: Timeouts(tcp: 900, tcpFin: 120, udp: 300),
        syncDaemons: [SyncDaemon(state: .master, interface: "eth1", syncID: 10, maxLength: 1472,
                                 group: IPAddress("224.0.0.81"), port: 8848, ttl: 1)])

    /// The service as the kernel lists it after its servers were added in descending order.
    static func listedOldestFirst(_ service: VirtualService) -> VirtualService {
        var service = service
        service.kernelOrder = VirtualService.kernelOrder(listed: service.servers.map(\.key))
        return service
    }

    @Test func theKernelsOrderIsKeptAndCheckedWhereItIsNotCanonical() throws {
        let text = SnapshotJSON.encode(LiveState(table: Self.table), statistics: false)
        #expect(text.contains("kernel_order"))
        #expect(try SnapshotJSON.decode(Array(text.utf8)).table.services[1].kernelOrder?.count == 2)
        let service = #"{ "vip": "198.51.100.1", "protocol": "tcp", "port": 80, "scheduler": "mh", "flags": [], "servers": [ { "address": "192.0.2.1", "port": 80, "forward": "dr", "weight": 1 }, { "address": "192.0.2.2", "port": 80, "forward": "dr", "weight": 1 } ], "kernel_order": ORDER }"#
        func with(_ order: String) -> String { document(services: service.split(separator: "ORDER").joined(separator: order)) }
        #expect(try SnapshotJSON.decode(Array(with(#"["192.0.2.2:80", "192.0.2.1:80"]"#).utf8)).table.services[0].kernelOrder == nil)
        #expect(try SnapshotJSON.decode(Array(with(#"["192.0.2.1:80", "192.0.2.2:80"]"#).utf8)).table.services[0].kernelOrder?.count == 2)
        #expect(refusal(with(#"["192.0.2.1:80", "192.0.2.1:80"]"#))?.message.contains("listed once") == true)
        #expect(refusal(with(#"["192.0.2.1:80"]"#))?.message.contains("1 of the 2 servers") == true)
        #expect(refusal(with(#"["192.0.2.9:80", "192.0.2.1:80"]"#)) != nil)
    }

    private func refusal(_ text: String) -> JSONDocumentError? {
        do {
            _ = try SnapshotJSON.decode(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    private func document(services: String) -> String {
        "{\n  \"format\": \"lvsctl-snapshot/1\",\n  \"services\": [\n\(services)\n  ]\n}"
    }

    @Test func aSnapshotReadsBackAsTheTableItWasWrittenFrom() throws {
        var statistics = ServiceStatistics()
        statistics.counters.inBytes = 4096
        let state = LiveState(table: Self.table, info: KernelInfo(version: "1.2.1", connectionTableSize: 4096),
                              statistics: [Self.table.services[0].key: statistics])
        for withStatistics in [false, true] {
            let text = SnapshotJSON.encode(state, statistics: withStatistics)
            let read = try SnapshotJSON.decode(Array(text.utf8))
            #expect(read.table == Self.table)
            #expect(read.info == state.info)
            #expect(text.contains("\"in_bytes\"") == withStatistics)
        }
    }

    @Test func theWordsAreTheConfigFilesWords() throws {
        let text = SnapshotJSON.encode(LiveState(table: Self.table), statistics: false)
        for word in ["\"sh-fallback\"", "\"sh-port\"", "\"one-packet\"", "\"tcpfin\"", "\"syncid\"", "\"maxlen\"", "\"max_conns\"",
                     "\"forward\" : \"tun\"", "\"type\" : \"gue\"", "\"netmask\" : 24", "\"vip\" : \"198.51.100.53\""] {
            #expect(text.contains(word), "\(word)")
        }
        for word in ["_0", "onePacket", "schedulerFlags", "netmaskLength", "tcpFin", "syncID"] {
            #expect(!text.contains(word), "\(word)")
        }
    }

    @Test func repeatedServicesAndServersAreRefusedWhereTheSecondStands() {
        let service = "    { \"vip\": \"198.51.100.10\", \"protocol\": \"tcp\", \"port\": 80, \"scheduler\": \"rr\", \"flags\": [], \"servers\": [] }"
        let twice = refusal(document(services: service + ",\n" + service))
        #expect(twice?.location == LVSConfig.SourceLocation(line: 5, column: 5))
        #expect(twice?.message.contains("listed twice (also at line 4)") == true)

        let server = "{ \"address\": \"203.0.113.1\", \"port\": 80, \"forward\": \"dr\", \"weight\": 1 }"
        let servers = refusal(document(services: "    { \"vip\": \"198.51.100.10\", \"protocol\": \"tcp\", \"port\": 80, \"scheduler\": \"rr\", \"flags\": [],\n      \"servers\": [\(server),\n        \(server)] }"))
        #expect(servers?.location.line == 6)
        #expect(servers?.message.contains("server 203.0.113.1:80") == true)
    }

    @Test func aNULInsideAnAddressIsRefusedNotCut() {
        let error = refusal(document(services: "    { \"vip\": \"2001:db8::1\\u0000junk\", \"protocol\": \"tcp\", \"port\": 80, \"scheduler\": \"rr\", \"flags\": [], \"servers\": [] }"))
        #expect(error?.location == LVSConfig.SourceLocation(line: 4, column: 14))
        #expect(error?.message.contains("control character") == true)
        #expect(IPAddress("2001:db8::1\u{0}junk") == nil)
        #expect(IPAddress("192.0.2.1\u{0}") == nil)
    }

    @Test func mistakesAreLocatedAndSayWhatIsValid() {
        let cases: [(String, LVSConfig.SourceLocation, String)] = [
            ("    { \"vip\": \"198.51.100.10\", \"protocol\": \"tcp\", \"port\": 80, \"scheduler\": \"rr\", \"flags\": [\"sh-port\"], \"servers\": [] }",
             LVSConfig.SourceLocation(line: 4, column: 91), "unknown flag 'sh-port'"),
            ("    { \"vip\": \"198.51.100.10\", \"protocol\": \"tcp\", \"port\": 70000, \"scheduler\": \"rr\", \"flags\": [], \"servers\": [] }",
             LVSConfig.SourceLocation(line: 4, column: 58), "from 0 to 65535"),
            ("    { \"vip\": \"198.51.100.10\", \"protocol\": \"tcp\", \"port\": 80, \"schedular\": \"rr\", \"flags\": [], \"servers\": [] }",
             LVSConfig.SourceLocation(line: 4, column: 62), "unknown key 'schedular'"),
            ("    { \"fwmark\": 1, \"port\": 80, \"scheduler\": \"rr\", \"flags\": [], \"servers\": [] }",
             LVSConfig.SourceLocation(line: 4, column: 20), "takes no 'port'"),
        ]
        for (service, location, message) in cases {
            let error = refusal(document(services: service))
            #expect(error?.location == location, "\(message): \(String(describing: error))")
            #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        }
        #expect(refusal("{\"format\": \"lvsctl-live/1\", \"services\": []}")?.message.contains("lvsctl-snapshot/1") == true)
    }
}
