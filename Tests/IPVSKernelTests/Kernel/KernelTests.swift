import Foundation
@testable import IPVSKernel
import LVSModel
import Testing

private let kernelTestsEnabled = ProcessInfo.processInfo.environment["LVSCTL_KERNEL_TESTS"] == "1"

/// The adapter against a real kernel. Run inside the VM (`scripts/kernel-suite.sh`), where
/// `LVSCTL_KERNEL_TESTS=1`; every test starts from an empty table and shares the kernel, so the
/// suite is serialized. ipvsadm serves as the independent reader and writer.
@Suite(.serialized, .enabled(if: kernelTestsEnabled, "needs a kernel with IPVS: set LVSCTL_KERNEL_TESTS=1 in the VM"))
struct KernelTests {
    static let defaultTimeouts = Timeouts(tcp: 900, tcpFin: 120, udp: 300)

    let kernel: IPVSKernel

    init() throws {
        kernel = try IPVSKernel()
        try kernel.flush()
        _ = kernel.perform([.stopSyncDaemon(.master), .stopSyncDaemon(.backup), .setTimeouts(Self.defaultTimeouts)],
                           stopAtFirstFailure: false)
    }

    // MARK: Writing and reading back

    @Test func everyKindOfServiceRoundTrips() throws {
        let services = [
            service(.tcp, "198.51.100.10", 80, .wrr, persistence: Persistence(timeout: 360, netmaskLength: 24),
                    servers: [server("203.0.113.11", 80, weight: 3), server("203.0.113.12", 80)]),
            service(.tcp, "198.51.100.10", 0, .rr, persistence: Persistence(timeout: 120, netmaskLength: 32),
                    servers: [server("203.0.113.11", 0)]),
            service(.udp, "198.51.100.53", 53, .rr, onePacket: true, servers: [server("192.0.2.5", 5353, .nat, weight: 2)]),
            service(.sctp, "198.51.100.30", 3868, .wlc, servers: [server("203.0.113.30", 3868)]),
            service(.tcp, "2001:db8::10", 443, .lc, persistence: Persistence(timeout: 600, netmaskLength: 64),
                    servers: [server("2001:db8:1::11", 443, .nat)]),
            service(.udp, "2001:db8::53", 53, .sh, flags: [.flag1, .flag2], onePacket: true,
                    servers: [server("2001:db8:1::53", 53, .nat)]),
            VirtualService(key: .fwmark(10, .ipv4), scheduler: .rr, persistence: Persistence(timeout: 3600, netmaskLength: 32),
                           servers: [server("203.0.113.11", 0)]),
            VirtualService(key: .fwmark(11, .ipv6), scheduler: .mh, schedulerFlags: .flag2,
                           servers: [server("2001:db8:1::11", 0, .tunnel(.ipip))]),
        ].sorted { $0.key < $1.key }
        try create(services)
        let live = try kernel.snapshot()
        #expect(live.table.services == services)
        #expect(try Ipvsadm.savedTable() == services)
        #expect(Set(live.statistics.keys) == Set(services.map(\.key)))
        #expect(live.statistics[.address(.tcp, IPAddress("198.51.100.10")!, port: 80)]?.servers.count == 2)
        #expect(live.info?.version == "1.2.1")
        #expect((live.info?.connectionTableSize ?? 0) > 0)
        #expect(live.table.timeouts == Self.defaultTimeouts)
        #expect(live.table.syncDaemons == [])
    }

    @Test(arguments: ["rr", "wrr", "lc", "wlc", "sed", "nq", "lblc", "lblcr", "dh", "sh", "fo", "ovf", "mh"])
    func everyScheduler(name: String) throws {
        let services = [
            service(.tcp, "198.51.100.40", 80, Scheduler(rawValue: name), servers: [server("203.0.113.40", 80, weight: 2)]),
            VirtualService(key: .fwmark(40, .ipv6), scheduler: Scheduler(rawValue: name),
                           servers: [server("2001:db8:1::40", 0)]),
        ]
        try create(services)
        #expect(try kernel.snapshot().table.services == services)
        #expect(try Ipvsadm.savedTable() == services)
    }

    @Test func schedulerFlagsAndOnePacket() throws {
        let services = [
            service(.udp, "198.51.100.41", 53, .sh, flags: [.flag1, .flag2], onePacket: true),
            service(.udp, "198.51.100.42", 53, .sh, flags: .flag2),
            service(.tcp, "198.51.100.43", 80, .mh, flags: .flag1),
            service(.tcp, "198.51.100.44", 80, .mh, flags: [.flag1, .flag2]),
        ]
        try create(services)
        #expect(try kernel.snapshot().table.services == services.sorted { $0.key < $1.key })
        let saved = try Ipvsadm.run(["-Sn"])
        #expect(saved.contains("-A -u 198.51.100.41:53 -s sh -o -b sh-fallback,sh-port"))
        #expect(saved.contains("-A -u 198.51.100.42:53 -s sh -b sh-port"))
        #expect(saved.contains("-A -t 198.51.100.43:80 -s mh -b mh-fallback"))
        #expect(saved.contains("-A -t 198.51.100.44:80 -s mh -b mh-fallback,mh-port"))
    }

    @Test func persistenceNetmasksAndEngine() throws {
        let services = [
            service(.udp, "198.51.100.20", 5060, .rr, persistence: Persistence(timeout: 60, netmaskLength: 24, engine: "sip")),
            service(.tcp, "198.51.100.21", 443, .wlc, persistence: Persistence(timeout: 1800, netmaskLength: 16)),
            service(.tcp, "2001:db8::21", 443, .wlc, persistence: Persistence(timeout: 900, netmaskLength: 48)),
            VirtualService(key: .fwmark(21, .ipv6), scheduler: .rr, persistence: Persistence(timeout: 30, netmaskLength: 128)),
        ]
        try create(services)
        let sorted = services.sorted { $0.key < $1.key }
        #expect(try kernel.snapshot().table.services == sorted)
        #expect(try Ipvsadm.savedTable() == sorted)
        let saved = try Ipvsadm.run(["-Sn"])
        #expect(saved.contains("-A -u 198.51.100.20:5060 -s rr -p 60 -M 255.255.255.0 --pe sip"))
        #expect(saved.contains("-A -t [2001:db8::21]:443 -s wlc -p 900 -M 48"))
    }

    @Test func thresholds() throws {
        let key = ServiceKey.address(.tcp, IPAddress("198.51.100.50")!, port: 80)
        var bounded = server("203.0.113.50", 80)
        bounded.upperThreshold = 1000
        bounded.lowerThreshold = 800
        var upperOnly = server("203.0.113.51", 80)
        upperOnly.upperThreshold = 500
        let services = [VirtualService(key: key, servers: [bounded, upperOnly])]
        try create(services)
        #expect(try kernel.snapshot().table.services == services)
        let columns = try Ipvsadm.listColumns("--thresholds")[key]
        #expect(columns?[bounded.key]?.prefix(2) == ["1000", "800"])
        #expect(columns?[upperOnly.key]?.prefix(2) == ["500", "0"])
    }

    @Test func everyForwardingMethod() throws {
        let key = ServiceKey.address(.tcp, IPAddress("198.51.100.60")!, port: 80)
        let servers = [server("203.0.113.60", 8080, .nat), server("203.0.113.61", 80, .dr),
                       server("203.0.113.62", 80, .local), server("203.0.113.63", 80, .tunnel(.ipip))]
        try create([VirtualService(key: key, scheduler: .rr, servers: servers)])
        #expect(try kernel.snapshot().table.services == [VirtualService(key: key, scheduler: .rr, servers: servers)])
        let methods = try Ipvsadm.listColumns()[key]?.mapValues { $0.first ?? "" }
        #expect(methods == [servers[0].key: "Masq", servers[1].key: "Route", servers[2].key: "Local", servers[3].key: "Tunnel"])
    }

    @Test func tunnelTypesPortsAndChecksums() throws {
        let key = ServiceKey.address(.tcp, IPAddress("198.51.100.70")!, port: 80)
        let servers = [
            server("203.0.113.70", 80, .tunnel(.ipip)),
            server("203.0.113.71", 80, .tunnel(.gue(port: 6080, checksum: .csum))),
            server("203.0.113.72", 80, .tunnel(.gue(port: 6081, checksum: .remcsum))),
            server("203.0.113.73", 80, .tunnel(.gue(port: 6082, checksum: .none))),
            server("203.0.113.74", 80, .tunnel(.gre(checksum: .csum))),
            server("203.0.113.75", 80, .tunnel(.gre(checksum: .none))),
            server("2001:db8:1::76", 80, .tunnel(.ipip)),  // mixed family: IPv6 server behind an IPv4 VIP
        ]
        let services = [VirtualService(key: key, scheduler: .wrr, servers: servers)]
        try create(services)
        #expect(try kernel.snapshot().table.services == services)
        #expect(try Ipvsadm.savedTable() == services)
        let info = try Ipvsadm.listColumns("--tun-info")[key]?.mapValues { $0.dropFirst().first ?? "" }
        #expect(info == [servers[0].key: "ipip", servers[1].key: "gue:6080:+c", servers[2].key: "gue:6081:r+c",
                         servers[3].key: "gue:6082:-c", servers[4].key: "gre:+c", servers[5].key: "gre:-c",
                         servers[6].key: "ipip"])
    }

    @Test func timeoutsSetAndRead() throws {
        try kernel.perform(.setTimeouts(Timeouts(tcp: 1000, tcpFin: 100, udp: 200)))
        #expect(try kernel.snapshot().table.timeouts == Timeouts(tcp: 1000, tcpFin: 100, udp: 200))
        try kernel.perform(.setTimeouts(Timeouts(udp: 250)))
        #expect(try kernel.snapshot().table.timeouts == Timeouts(tcp: 1000, tcpFin: 100, udp: 250))
        #expect(try Ipvsadm.run(["-Ln", "--timeout"]).contains("Timeout (tcp tcpfin udp): 1000 100 250"))
    }

    @Test func syncDaemonStartedAndStopped() throws {
        let master = SyncDaemon(state: .master, interface: "lo", syncID: 7, maxLength: 1000, port: 8850, ttl: 2)
        try kernel.perform(.startSyncDaemon(master))
        #expect(try kernel.snapshot().table.syncDaemons == [master])
        let listed = try Ipvsadm.run(["-Ln", "--daemon"])
        #expect(listed.contains("master sync daemon (mcast=lo, syncid=7, maxlen=1000"))
        #expect(listed.contains("port=8850, ttl=2"))

        let again = kernel.perform([.startSyncDaemon(master)])[0].error
        #expect(again?.kind == .syncDaemonRunning)
        #expect(again?.context == "starting the master sync daemon on lo")

        try kernel.perform(.stopSyncDaemon(.master))
        #expect(try kernel.snapshot().table.syncDaemons == [])
        #expect(try Ipvsadm.run(["-Ln", "--daemon"]).isEmpty)
        #expect(throws: IPVSError(.syncDaemonNotRunning, context: "stopping the master sync daemon")) {
            try kernel.perform(.stopSyncDaemon(.master))
        }
    }

    @Test func editsInPlaceKeepTheServiceAndServers() throws {
        let key = ServiceKey.address(.tcp, IPAddress("198.51.100.80")!, port: 80)
        let first = server("203.0.113.80", 80, weight: 1)
        let second = server("203.0.113.81", 80, weight: 1)
        try create([VirtualService(key: key, scheduler: .wlc, servers: [first, second])])
        // Zeroing is per service identity: a delete and re-add would also reset the servers' dump order.
        var edited = VirtualService(key: key, scheduler: .sh, schedulerFlags: .flag1,
                                    persistence: Persistence(timeout: 300, netmaskLength: 24), servers: [first, second])
        try kernel.perform(.updateService(edited))
        #expect(try kernel.snapshot().table.services == [edited])

        var reweighted = first
        reweighted.weight = 5
        try kernel.perform(.updateServer(reweighted, service: key))
        var tunnelled = second
        tunnelled.forwarding = .tunnel(.gue(port: 6080, checksum: .csum))
        try kernel.perform(.updateServer(tunnelled, service: key))
        tunnelled.forwarding = .tunnel(.gre(checksum: .none))
        try kernel.perform(.updateServer(tunnelled, service: key))
        edited.servers = [reweighted, tunnelled]
        #expect(try kernel.snapshot().table.services == [edited])
        #expect(try Ipvsadm.savedTable() == [edited])

        // Dropping the persistence engine and persistence again, still in place.
        edited.persistence = nil
        edited.schedulerFlags = []
        try kernel.perform(.updateService(edited))
        #expect(try kernel.snapshot().table.services == [edited])
    }

    @Test func deletes() throws {
        let key = ServiceKey.address(.udp, IPAddress("198.51.100.90")!, port: 53)
        let other = ServiceKey.fwmark(90, .ipv4)
        try create([VirtualService(key: key, servers: [server("203.0.113.90", 53), server("203.0.113.91", 53)]),
                    VirtualService(key: other, servers: [server("203.0.113.90", 0)])])
        try kernel.perform(.deleteServer(ServerKey(address: IPAddress("203.0.113.90")!, port: 53), service: key))
        #expect(try kernel.snapshot().table.service(key)?.servers.map(\.key.description) == ["203.0.113.91:53"])
        try kernel.perform(.deleteService(key))
        #expect(try kernel.snapshot().table.services.map(\.key) == [other])
        #expect(try Ipvsadm.savedTable().map(\.key) == [other])
    }

    @Test func countersAreReadAndZeroed() throws {
        try shell("/usr/sbin/ip addr replace 198.51.100.1/32 dev lo && /usr/sbin/ip link set lo up")
        defer { try? shell("/usr/sbin/ip addr del 198.51.100.1/32 dev lo") }
        let key = ServiceKey.address(.tcp, IPAddress("198.51.100.1")!, port: 80)
        let local = server("198.51.100.1", 80, .local)
        try create([VirtualService(key: key, scheduler: .rr, servers: [local])])
        try connect(to: "198.51.100.1", port: 80)
        let counted = try statistics(of: key) { $0.counters.connections > 0 }
        #expect((counted?.counters.connections ?? 0) >= 1)
        #expect((counted?.counters.inPackets ?? 0) >= 1)
        #expect((counted?.servers[local.key]?.counters.connections ?? 0) >= 1)

        try kernel.perform(.zeroCounters(key))
        #expect(try kernel.snapshot().statistics[key]?.counters.connections == 0)
        #expect(try kernel.snapshot().statistics[key]?.servers[local.key]?.counters.inPackets == 0)
        try connect(to: "198.51.100.1", port: 80)
        #expect((try statistics(of: key) { $0.counters.connections > 0 }?.counters.connections ?? 0) >= 1)
        try kernel.perform(.zeroCounters(nil))
        #expect(try kernel.snapshot().statistics[key]?.servers[local.key]?.counters.connections == 0)
    }

    // MARK: Errors

    @Test func missingSchedulerModules() throws {
        let key = ServiceKey.address(.tcp, IPAddress("198.51.100.10")!, port: 80)
        for name in ["nosuch", "twos"] {
            let error = kernel.perform([.addService(VirtualService(key: key, scheduler: Scheduler(rawValue: name)))])[0].error
            #expect(error?.kind == .moduleMissing("ip_vs_\(name)"))
            #expect(error?.description.hasPrefix("adding service tcp/198.51.100.10:80: kernel module ip_vs_\(name) ") == true)
        }
        let engine = VirtualService(key: key, scheduler: .rr, persistence: Persistence(netmaskLength: 32, engine: "nosuchpe"))
        #expect(kernel.perform([.addService(engine)])[0].error?.kind == .moduleMissing("ip_vs_pe_nosuchpe"))
        #expect(try kernel.snapshot().table.services.isEmpty)
    }

    /// Only a window's last request asks for an ACK: the silent successes around a failure
    /// must still be told apart from it, and the windows after a failure left unsent.
    @Test func mixedOutcomesInOneWindow() throws {
        let first = ServiceKey.address(.tcp, IPAddress("198.51.100.10")!, port: 80)
        let second = ServiceKey.address(.tcp, IPAddress("198.51.100.11")!, port: 80)
        let missing = ServiceKey.address(.tcp, IPAddress("198.51.100.99")!, port: 80)
        let outcomes = kernel.perform([
            .addService(VirtualService(key: first)),
            .addService(VirtualService(key: first)),
            .addService(VirtualService(key: second)),
            .deleteService(missing),
            .addServer(server("203.0.113.11", 80), service: first),
        ], stopAtFirstFailure: false)
        #expect(outcomes.map { $0.error?.kind } == [nil, .serviceExists, nil, .serviceNotFound, nil])
        let table = try kernel.snapshot().table
        #expect(table.services.map(\.key).sorted() == [first, second])
        #expect(table.services.first { $0.key == first }?.servers.map(\.key) == [server("203.0.113.11", 80).key])

        // 200 writes, the 70th failing: its window is carried out whole, later ones not sent.
        var writes = (1...200).map { IPVSOperation.addServer(server("203.0.113.\($0)", 80), service: second) }
        writes[69] = .deleteService(missing)
        let batch = kernel.perform(writes)
        let sent = batch.firstIndex(of: .notSent) ?? batch.count
        #expect(batch[69].error?.kind == .serviceNotFound)
        #expect((70..<200).contains(sent))
        #expect(batch[..<69].allSatisfy { $0 == .done } && batch[70..<sent].allSatisfy { $0 == .done })
        #expect(batch[sent...].allSatisfy { $0 == .notSent })
        #expect(try kernel.snapshot().table.services.first { $0.key == second }?.servers.count == sent - 1)
    }

    @Test func serviceAndServerExistence() throws {
        let key = ServiceKey.address(.tcp, IPAddress("198.51.100.10")!, port: 80)
        let missing = ServiceKey.fwmark(99, .ipv6)
        let member = server("203.0.113.11", 80)
        let stranger = server("203.0.113.99", 80)
        try create([VirtualService(key: key, servers: [member])])
        let outcomes = kernel.perform([
            .addService(VirtualService(key: key)),
            .updateService(VirtualService(key: missing)),
            .deleteService(missing),
            .addServer(member, service: key),
            .addServer(member, service: missing),
            .updateServer(stranger, service: key),
            .deleteServer(stranger.key, service: key),
            .zeroCounters(missing),
        ], stopAtFirstFailure: false)
        #expect(outcomes.map { $0.error?.kind } == [
            .serviceExists, .serviceNotFound, .serviceNotFound, .serverExists, .serviceNotFound,
            .serverNotFound, .serverNotFound, .serviceNotFound,
        ])
        #expect(outcomes[0].error?.description == "adding service tcp/198.51.100.10:80: the service already exists")
        #expect(outcomes[2].error?.description == "deleting service fwmark/99/ipv6: no such service")
        #expect(outcomes[3].error?.description
            == "adding server 203.0.113.11:80 to service tcp/198.51.100.10:80: the real server already exists in this service")
        #expect(outcomes[6].error?.description
            == "deleting server 203.0.113.99:80 from service tcp/198.51.100.10:80: no such real server in this service")
    }

    @Test func syncDaemonOnMissingInterface() {
        let error = kernel.perform([.startSyncDaemon(SyncDaemon(state: .backup, interface: "nosuch0"))])[0].error
        #expect(error?.kind == .noSuchInterface("nosuch0"))
        #expect(error?.description == "starting the backup sync daemon on nosuch0: no network interface named 'nosuch0'")
    }

    @Test func refusedValuesSayWhy() throws {
        let key = ServiceKey.address(.tcp, IPAddress("198.51.100.10")!, port: 80)
        var inverted = server("203.0.113.11", 80)
        inverted.upperThreshold = 10
        inverted.lowerThreshold = 20
        let gue = server("203.0.113.12", 80, .tunnel(.gue(port: 0, checksum: .none)))
        let mixed = server("2001:db8:1::13", 80, .dr)
        try create([VirtualService(key: key)])
        let outcomes = kernel.perform([.addServer(inverted, service: key), .addServer(gue, service: key),
                                       .addServer(mixed, service: key)], stopAtFirstFailure: false)
        #expect(outcomes.map { $0.error?.kind } == [
            .invalid(detail: "lower threshold above upper threshold"),
            .invalid(detail: "a GUE tunnel needs a port"),
            .invalid(detail: "a server of another address family needs tunnel forwarding"),
        ])
    }

    // MARK: ipvsadm as the writer

    @Test func tableBuiltByIpvsadmIsReadBack() throws {
        try Ipvsadm.run(["-R"], input: """
            -A -t 198.51.100.10:443 -s wlc -p 360 -M 255.255.255.0
            -a -t 198.51.100.10:443 -r 203.0.113.11:443 -g -w 1 -x 100 -y 50
            -a -t 198.51.100.10:443 -r 203.0.113.12:443 -g -w 0
            -A -u [2001:db8::53]:53 -s sh -o -b sh-fallback,sh-port
            -a -u [2001:db8::53]:53 -r [2001:db8::10]:5353 -m -w 5
            -A -f 7 -s mh -b mh-port
            -a -f 7 -r 203.0.113.20:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum
            -A --sctp-service 198.51.100.30:3868 -s fo
            -a --sctp-service 198.51.100.30:3868 -r 203.0.113.30:3868 -i -w 2 --tun-type gre --tun-nocsum
            --set 800 100 200

            """)
        var thresholded = server("203.0.113.11", 443)
        thresholded.upperThreshold = 100
        thresholded.lowerThreshold = 50
        let expected = [
            service(.tcp, "198.51.100.10", 443, .wlc, persistence: Persistence(timeout: 360, netmaskLength: 24),
                    servers: [thresholded, server("203.0.113.12", 443, weight: 0)]),
            service(.udp, "2001:db8::53", 53, .sh, flags: [.flag1, .flag2], onePacket: true,
                    servers: [server("2001:db8::10", 5353, .nat, weight: 5)]),
            service(.sctp, "198.51.100.30", 3868, .fo, servers: [server("203.0.113.30", 3868, .tunnel(.gre(checksum: .none)), weight: 2)]),
            VirtualService(key: .fwmark(7, .ipv4), scheduler: .mh, schedulerFlags: .flag2,
                           servers: [server("203.0.113.20", 0, .tunnel(.gue(port: 6080, checksum: .csum)))]),
        ].sorted { $0.key < $1.key }
        let live = try kernel.snapshot()
        #expect(live.table.services == expected)
        #expect(live.table.timeouts == Timeouts(tcp: 800, tcpFin: 100, udp: 200))
        #expect(try kernel.snapshot(statistics: false).table == live.table)
    }

    // MARK: Batches

    @Test func batchesPipelineManyOperations() throws {
        var services: [VirtualService] = []
        for index in 0..<150 {
            services.append(service(.tcp, "198.51.100.\(index)", 80, .rr,
                                    servers: [server("203.0.113.1", 80), server("203.0.113.2", 80, weight: UInt32(index))]))
        }
        // One service with a server dump larger than a socket buffer, amid the others.
        services.append(service(.udp, "198.51.100.200", 53, .wrr,
                                servers: (0..<400).map { server("2001:db8:2::\(String($0, radix: 16))", 53, .tunnel(.ipip)) }))
        try create(services)
        let live = try kernel.snapshot()
        #expect(live.table.services == services.sorted { $0.key < $1.key })
        #expect(live.statistics.values.map(\.servers.count).reduce(0, +) == 700)
        let tableOnly = try kernel.snapshot(statistics: false)
        #expect(tableOnly.table == live.table)
        #expect(tableOnly.statistics.isEmpty)
    }

    @Test func serverDumpsTruncatedByASmallBufferAreReadAgain() throws {
        // 20 servers fill more than 1 KiB, the receive size forced here, so every server dump
        // is truncated and read again on a socket that takes the largest datagrams.
        let services = (0..<3).map { index in
            service(.tcp, "198.51.100.\(index)", 80, .rr, servers: (1...20).map { server("203.0.113.\($0)", 80) })
        }
        try create(services)
        let live = try kernel.snapshot(statistics: true, serverReceiveSize: 1 << 10)
        #expect(live.table.services == services)
        #expect(live.statistics.values.map(\.servers.count) == [20, 20, 20])
        #expect(try kernel.snapshot(statistics: false, serverReceiveSize: 1 << 10).table.services == services)
    }

    @Test func batchStopsAfterTheWindowWithAFailure() throws {
        let first = service(.tcp, "198.51.100.1", 80, .rr)
        let operations = [IPVSOperation.addService(first), .addService(first)]
            + (2..<200).map { IPVSOperation.addService(service(.tcp, "198.51.100.\($0)", 80, .rr)) }
        let outcomes = kernel.perform(operations)
        #expect(outcomes[0] == .done)
        #expect(outcomes[1].error?.kind == .serviceExists)
        let sent = outcomes.prefix { $0 != .notSent }
        #expect(sent.count < outcomes.count)
        #expect(outcomes.dropFirst(sent.count).allSatisfy { $0 == .notSent })
        #expect(sent.dropFirst(2).allSatisfy { $0 == .done })
        #expect(try kernel.snapshot().table.services.count == sent.count - 1)
    }

    // MARK: Helpers

    private func service(_ proto: IPProtocol, _ address: String, _ port: UInt16, _ scheduler: Scheduler,
                         flags: SchedulerFlags = [], onePacket: Bool = false, persistence: Persistence? = nil,
                         servers: [RealServer] = []) -> VirtualService {
        VirtualService(key: .address(proto, IPAddress(address)!, port: port), scheduler: scheduler, schedulerFlags: flags,
                       onePacket: onePacket, persistence: persistence, servers: servers)
    }

    private func server(_ address: String, _ port: UInt16, _ forwarding: Forwarding = .dr, weight: UInt32 = 1) -> RealServer {
        RealServer(address: IPAddress(address)!, port: port, forwarding: forwarding, weight: weight)
    }

    /// Adds the services and their servers in one batch; every operation must succeed.
    private func create(_ services: [VirtualService]) throws {
        let operations = services.flatMap { service in
            [IPVSOperation.addService(service)] + service.servers.map { .addServer($0, service: service.key) }
        }
        for (operation, outcome) in zip(operations, kernel.perform(operations)) where outcome != .done {
            Issue.record("\(operation.summary): \(outcome)")
        }
    }

    private func shell(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Ipvsadm.Failure(description: "\(command) failed") }
    }

    /// The statistics of a service once `ready` holds, polling for up to five seconds: the
    /// kernel folds its per-CPU counters into what it reports every two seconds.
    private func statistics(of key: ServiceKey, until ready: (ServiceStatistics) -> Bool) throws -> ServiceStatistics? {
        var statistics = try kernel.snapshot().statistics[key]
        for _ in 0..<25 where !(statistics.map(ready) ?? false) {
            usleep(200_000)
            statistics = try kernel.snapshot().statistics[key]
        }
        return statistics
    }

    /// Opens (and at once closes) a TCP connection; a refusal is fine, IPVS has counted it.
    private func connect(to address: String, port: Int) throws {
        try? shell("timeout 3 bash -c 'exec 3<>/dev/tcp/\(address)/\(port)' 2>/dev/null")
    }
}
