@testable import lvsctl
import Testing

@Suite("reconcile's arguments")
struct ReconcileArgumentsTests {
    @Test("intervals: seconds, or a number with s, m or h; nothing else")
    func intervals() {
        #expect(Interval(argument: "30")?.duration == .seconds(30))
        #expect(Interval(argument: "30s")?.duration == .seconds(30))
        #expect(Interval(argument: "5m")?.duration == .seconds(300))
        #expect(Interval(argument: "1h")?.duration == .seconds(3600))
        for bad in ["", "0", "-5", "5x", "m", "1.5s", "99999999999999999999", "400d", "1h30m", "9000000h"] {
            #expect(Interval(argument: bad) == nil, "\(bad)")
        }
    }

    @Test("listen addresses: IPv4 or bracketed IPv6 with a port")
    func listen() {
        #expect(ListenAddress(argument: "127.0.0.1:9742").map { ($0.host, $0.port) } ?? ("", 0) == ("127.0.0.1", 9742))
        #expect(ListenAddress(argument: "[::1]:80").map { ($0.host, $0.port) } ?? ("", 0) == ("::1", 80))
        for bad in ["localhost:80", "127.0.0.1", "127.0.0.1:70000", ":80", "[::1]", "::1:80x", "127.0.0.1:-1"] {
            #expect(ListenAddress(argument: bad) == nil, "\(bad)")
        }
    }
}
