import LVSModel
import Testing

@Suite("virtual services")
struct VirtualServiceTests {
    let base = VirtualService(key: .address(.tcp, IPAddress("198.51.100.1")!, port: 80), scheduler: .wlc,
                              servers: [RealServer(address: IPAddress("203.0.113.1")!, port: 80)])

    @Test("the settings compared are every stored property but the servers")
    func settingsAreEveryOtherProperty() {
        // A property added to VirtualService must be added to hasSameSettings(as:) too, or a
        // plan would miss edits of it; this list fails first. The kernel's order of the servers
        // belongs with the servers.
        #expect(Mirror(reflecting: base).children.map(\.label) == ["key", "scheduler", "schedulerFlags", "onePacket",
                                                                   "persistence", "servers", "kernelOrder"])
    }

    @Test("a change of any setting counts, a change of servers does not")
    func settings() {
        var variants: [VirtualService] = []
        for change in [{ (s: inout VirtualService) in s.key = .fwmark(1, .ipv4) },
                       { $0.scheduler = .rr },
                       { $0.schedulerFlags = [.flag1] },
                       { $0.onePacket = true },
                       { $0.persistence = Persistence(netmaskLength: 32) }] {
            var variant = base
            change(&variant)
            variants.append(variant)
        }
        for variant in variants {
            #expect(!variant.hasSameSettings(as: base))
            #expect(variant.hasSameSettings(as: base) == (variant.withoutServers == base.withoutServers))
        }
        var servers = base
        servers.servers = []
        #expect(servers.hasSameSettings(as: base))
    }
}
