import LVSModel
import Testing

@Suite("server statistics")
struct StatisticsTests {
    private func entry(_ address: String, _ port: UInt16, connections: UInt32) -> ServerStatisticsList.Entry {
        .init(server: ServerKey(address: IPAddress(address)!, port: port),
              statistics: ServerStatistics(activeConnections: connections))
    }

    @Test("every server is found by its key, whatever order the kernel listed them in")
    func lookup() {
        let entries = [entry("203.0.113.12", 80, connections: 2), entry("2001:db8::1", 80, connections: 4),
                       entry("203.0.113.11", 443, connections: 3), entry("203.0.113.11", 80, connections: 1)]
        let list = ServerStatisticsList(entries)
        #expect(list.count == 4)
        for expected in entries {
            #expect(list[expected.server] == expected.statistics)
        }
        #expect(list.entries.map(\.server) == entries.map(\.server).sorted())
        #expect(list[ServerKey(address: IPAddress("203.0.113.11")!, port: 8080)] == nil)
        #expect(list[ServerKey(address: IPAddress("198.51.100.1")!, port: 80)] == nil)
        #expect(ServerStatisticsList()[entries[0].server] == nil)
    }
}
