import LVSModel
import Testing

@Suite("in-memory table")
struct InMemoryTableTests {
    let key = ServiceKey.address(.tcp, IPAddress("198.51.100.1")!, port: 80)
    let server = RealServer(address: IPAddress("203.0.113.1")!, port: 80)

    @Test("answers with the kernel's errors")
    func errors() throws {
        let table = InMemoryTable()
        #expect(throws: IPVSError(.serviceNotFound, context: "\(IPVSOperation.deleteService(key))")) {
            try table.perform(.deleteService(key))
        }
        try table.perform(.addService(VirtualService(key: key)))
        #expect(throws: IPVSError.self) { try table.perform(.addService(VirtualService(key: key))) }
        try table.perform(.addServer(server, service: key))
        let duplicate = #expect(throws: IPVSError.self) { try table.perform(.addServer(server, service: key)) }
        #expect(duplicate?.kind == .serverExists)
        let missing = #expect(throws: IPVSError.self) {
            try table.perform(.deleteServer(ServerKey(address: IPAddress("203.0.113.2")!, port: 80), service: key))
        }
        #expect(missing?.kind == .serverNotFound)
        let mixed = RealServer(address: IPAddress("2001:db8::1")!, port: 80, forwarding: .nat)
        #expect(throws: IPVSError.self) { try table.perform(.addServer(mixed, service: key)) }
        var tunnelled = mixed
        tunnelled.forwarding = .tunnel(.ipip)
        try table.perform(.addServer(tunnelled, service: key))
        #expect(table.log.count == 3)
    }

    @Test("a service edit keeps its servers")
    func editKeepsServers() throws {
        let table = InMemoryTable()
        try table.perform(.addService(VirtualService(key: key)))
        try table.perform(.addServer(server, service: key))
        try table.perform(.updateService(VirtualService(key: key, scheduler: .rr)))
        let live = try table.snapshot().table.service(key)
        #expect(live?.scheduler == .rr)
        #expect(live?.servers == [server])
    }

    @Test("servers stand in the kernel's list order: each added one at the head, an edit moves none")
    func listOrder() throws {
        let table = InMemoryTable()
        let others = [2, 3].map { RealServer(address: IPAddress("203.0.113.\($0)")!, port: 80) }
        try table.perform(.addService(VirtualService(key: key)))
        for added in [server] + others { try table.perform(.addServer(added, service: key)) }
        #expect(try table.snapshot().table.service(key)?.kernelOrder == nil)  // canonical: descending
        try table.perform(.deleteServer(server.key, service: key))
        try table.perform(.addServer(server, service: key))
        var edited = others[0]
        edited.weight = 0
        try table.perform(.updateServer(edited, service: key))
        try table.perform(.updateService(VirtualService(key: key, scheduler: .mh)))
        let live = try table.snapshot().table.service(key)
        #expect(live?.kernelOrder == [server.key, others[1].key, others[0].key])
        #expect(live?.additionOrder == [others[0].key, others[1].key, server.key])
        #expect(live?.withoutServers.kernelOrder == nil)
    }

    @Test("timeouts merge like the kernel's: only the given ones change")
    func timeouts() throws {
        let table = InMemoryTable()
        try table.perform(.setTimeouts(Timeouts(tcpFin: 60)))
        #expect(try table.snapshot().table.timeouts == Timeouts(tcp: 900, tcpFin: 60, udp: 300))
    }

    @Test("one master and one backup sync daemon at most")
    func sync() throws {
        let table = InMemoryTable()
        try table.perform(.startSyncDaemon(SyncDaemon(state: .backup, interface: "eth1")))
        try table.perform(.startSyncDaemon(SyncDaemon(state: .master, interface: "eth1")))
        #expect(try table.snapshot().table.syncDaemons?.map(\.state) == [.master, .backup])
        #expect(throws: IPVSError.self) { try table.perform(.startSyncDaemon(SyncDaemon(state: .master, interface: "eth2"))) }
        try table.perform(.stopSyncDaemon(.master))
        #expect(throws: IPVSError.self) { try table.perform(.stopSyncDaemon(.master)) }
    }
}
