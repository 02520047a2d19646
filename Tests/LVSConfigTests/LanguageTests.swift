import LVSConfig
import LVSModel
import Testing

@Suite("config language")
struct LanguageTests {
    @Test("x- keys hold anchors, and << merges a mapping with explicit keys winning")
    func anchorsAndMerges() throws {
        let result = load("""
            version: 1
            x-base: &base { protocol: udp, port: 53, scheduler: rr }
            services:
              - { vip: 198.51.100.1, <<: *base, scheduler: wrr }
            """)
        let service = try #require(result.state?.table.services.first, "\(result.diagnostics)")
        #expect(service.key == .address(.udp, IPAddress("198.51.100.1")!, port: 53))
        #expect(service.scheduler == .wrr)
    }

    @Test("a merge list takes earlier mappings first")
    func mergeList() throws {
        let result = load("""
            version: 1
            x-a: &a { port: 80 }
            x-b: &b { port: 81, scheduler: sh }
            services:
              - { vip: 198.51.100.1, <<: [*a, *b] }
            """)
        let service = try #require(result.state?.table.services.first, "\(result.diagnostics)")
        #expect(service.key == .address(.tcp, IPAddress("198.51.100.1")!, port: 80))
        #expect(service.scheduler == .sh)
    }

    @Test("defaults apply where a service or server says nothing")
    func defaults() throws {
        let result = load("""
            version: 1
            defaults: { scheduler: rr, forward: nat, weight: 5 }
            services:
              - vip: 198.51.100.1
                port: 80
                servers: [ 203.0.113.1:8080, { address: 203.0.113.2, weight: 1, forward: dr, port: 80 } ]
            """)
        let service = try #require(result.state?.table.services.first, "\(result.diagnostics)")
        #expect(service.scheduler == .rr)
        #expect(service.servers == [
            RealServer(address: IPAddress("203.0.113.1")!, port: 8080, forwarding: .nat, weight: 5),
            RealServer(address: IPAddress("203.0.113.2")!, port: 80, forwarding: .dr, weight: 1),
        ])
    }

    @Test("an empty services list is a valid, empty table")
    func emptyServices() throws {
        let state = try #require(load("version: 1\nservices: []\n").state)
        #expect(state.table.services.isEmpty)
        #expect(state.table.timeouts == nil && state.table.syncDaemons == nil)
    }

    @Test("quoted numbers are numbers; an IPv6 server takes a bracketed port")
    func scalars() throws {
        let state = try #require(load("""
            version: 1
            services:
              - { vip: "2001:db8::1", port: "443", forward: nat, servers: ["[2001:db8::2]:8443"] }
            """).state)
        #expect(state.table.services.first?.servers.first?.key.description == "[2001:db8::2]:8443")
    }

    @Test("persistence defaults to 360 s and the full netmask of the family")
    func persistenceDefaults() throws {
        let state = try #require(load("""
            version: 1
            services:
              - { vip: "2001:db8::1", port: 443, persistence: {} }
              - { vip: 198.51.100.1, port: 443, persistence: { netmask: 24, engine: sip } }
            """).state)
        #expect(state.table.services.map(\.persistence) == [
            Persistence(timeout: 360, netmaskLength: 24, engine: "sip"),
            Persistence(timeout: 360, netmaskLength: 128),
        ])
    }

    @Test("a fwmark service takes its family from match or from 'family'")
    func fwmarkFamily() throws {
        let state = try #require(load("""
            version: 1
            services:
              - { fwmark: 1, match: { vip: "2001:db8::1", ports: [80, "8000-8080"] } }
              - { fwmark: 1 }
              - { fwmark: 2, family: ipv6, flags: [one-packet] }
            """).state)
        #expect(state.table.services.map(\.key) == [.fwmark(1, .ipv4), .fwmark(1, .ipv6), .fwmark(2, .ipv6)])
        #expect(state.firewallMatches[.fwmark(1, .ipv6)]?.ports == [PortRange(80), PortRange(8000, 8080)])
    }

    @Test("an out-of-tree scheduler is accepted once named under extra_schedulers")
    func extraSchedulers() throws {
        let yaml = "version: 1\nextra_schedulers: [fancy]\nservices:\n  - { vip: 198.51.100.1, port: 80, scheduler: fancy, flags: [flag-2] }\n"
        let service = try #require(load(yaml).state?.table.services.first)
        #expect(service.scheduler == Scheduler(rawValue: "fancy"))
        #expect(service.schedulerFlags == [.flag2])
    }

    @Test("a mixed-family server is allowed with tunnel forwarding")
    func mixedFamilyTunnel() throws {
        let yaml = "version: 1\nservices:\n  - { vip: 198.51.100.1, port: 80, forward: tun, servers: [\"2001:db8::9\"] }\n"
        #expect(load(yaml).state?.table.services.first?.servers.first?.forwarding == .tunnel(.ipip))
    }
}
