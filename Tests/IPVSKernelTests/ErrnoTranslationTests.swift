import Glibc
@testable import IPVSKernel
import LVSModel
import Testing

@Suite struct ErrnoTranslationTests {
    let key = ServiceKey.address(.tcp, IPAddress("198.51.100.10")!, port: 80)
    let server = RealServer(address: IPAddress("203.0.113.11")!, port: 80)
    let noModules: (String) -> Bool = { _ in false }

    func kind(_ errno: Int32, _ operation: IPVSOperation, loaded: @escaping (String) -> Bool = { _ in false }) -> IPVSError.Kind {
        ErrnoTranslation.error(errno: errno, operation: operation, isModuleLoaded: loaded).kind
    }

    @Test func enoentOnServiceNamesTheSchedulerModule() {
        let service = VirtualService(key: key, scheduler: "nosuch")
        #expect(kind(ENOENT, .addService(service)) == .moduleMissing("ip_vs_nosuch"))
        #expect(kind(ENOENT, .updateService(service)) == .moduleMissing("ip_vs_nosuch"))
    }

    @Test func enoentWithEngineNamesTheEngineWhenTheSchedulerIsLoaded() {
        let service = VirtualService(key: key, scheduler: .rr,
                                     persistence: Persistence(netmaskLength: 32, engine: "sip"))
        #expect(kind(ENOENT, .addService(service), loaded: { $0 == "ip_vs_rr" }) == .moduleMissing("ip_vs_pe_sip"))
        #expect(kind(ENOENT, .addService(service)) == .moduleMissing("ip_vs_rr"))
    }

    @Test func enoentOnServerEditsIsAMissingServer() {
        #expect(kind(ENOENT, .updateServer(server, service: key)) == .serverNotFound)
        #expect(kind(ENOENT, .deleteServer(server.key, service: key)) == .serverNotFound)
    }

    @Test func esrchIsAMissingServiceOrDaemon() {
        #expect(kind(ESRCH, .deleteService(key)) == .serviceNotFound)
        #expect(kind(ESRCH, .addServer(server, service: key)) == .serviceNotFound)
        #expect(kind(ESRCH, .zeroCounters(key)) == .serviceNotFound)
        #expect(kind(ESRCH, .stopSyncDaemon(.backup)) == .syncDaemonNotRunning)
    }

    @Test func eexistDependsOnWhatWasAdded() {
        #expect(kind(EEXIST, .addService(VirtualService(key: key))) == .serviceExists)
        #expect(kind(EEXIST, .addServer(server, service: key)) == .serverExists)
        #expect(kind(EEXIST, .startSyncDaemon(SyncDaemon(state: .master, interface: "lo"))) == .syncDaemonRunning)
    }

    @Test func enodevNamesTheInterface() {
        #expect(kind(ENODEV, .startSyncDaemon(SyncDaemon(state: .backup, interface: "eth9"))) == .noSuchInterface("eth9"))
    }

    @Test func invalidCarriesAnInferredDetail() {
        let v6 = ServiceKey.address(.tcp, IPAddress("2001:db8::1")!, port: 80)
        let badPrefix = VirtualService(key: v6, persistence: Persistence(netmaskLength: 0))
        #expect(kind(EINVAL, .addService(badPrefix)) == .invalid(detail: "IPv6 netmask must be 1–128"))
        var thresholds = server
        thresholds.upperThreshold = 10
        thresholds.lowerThreshold = 20
        #expect(kind(ERANGE, .addServer(thresholds, service: key)) == .invalid(detail: "lower threshold above upper threshold"))
        let mixed = RealServer(address: IPAddress("2001:db8::5")!, port: 80, forwarding: .dr)
        #expect(kind(EINVAL, .addServer(mixed, service: key))
            == .invalid(detail: "a server of another address family needs tunnel forwarding"))
        let gue = RealServer(address: IPAddress("203.0.113.5")!, port: 80, forwarding: .tunnel(.gue(port: 0, checksum: .none)))
        #expect(kind(EINVAL, .addServer(gue, service: key)) == .invalid(detail: "a GUE tunnel needs a port"))
        #expect(kind(EINVAL, .setTimeouts(Timeouts(tcp: 3_000_000))) == .invalid(detail: "timeouts must be at most 2147483 seconds"))
    }

    @Test func generalErrnos() {
        #expect(kind(EPERM, .zeroCounters(nil)) == .permissionDenied)
        #expect(kind(EAFNOSUPPORT, .addService(VirtualService(key: key))) == .addressFamilyNotSupported)
        #expect(kind(ENOMEM, .deleteService(key)) == .system(errno: ENOMEM, message: String(cString: strerror(ENOMEM))))
    }

    @Test func contextNamesOperationAndTargets() {
        let error = ErrnoTranslation.error(errno: EEXIST, operation: .addServer(server, service: key), isModuleLoaded: noModules)
        #expect(error.context == "adding server 203.0.113.11:80 to service tcp/198.51.100.10:80")
        #expect(error.description.hasPrefix("adding server 203.0.113.11:80 to service tcp/198.51.100.10:80: "))
        #expect(IPVSOperation.setTimeouts(Timeouts(tcp: 900, udp: 300)).summary == "setting timeouts (tcp 900, udp 300)")
    }

    @Test func libraryFailuresBecomeSystemErrors() {
        let error = ErrnoTranslation.error(.malformedReply("missing weight"), operation: nil, context: "reading", isModuleLoaded: noModules)
        #expect(error.kind == .system(errno: EPROTO, message: "malformed IPVS reply: missing weight"))
    }
}
