import LVSHealth
import LVSModel
import XCTest

final class ProbeTests: XCTestCase {
    func testTCPConnects() async throws {
        let server = try await LoopbackServer.counting()
        let result = try await probe(.quick(.tcp), port: server.port)
        XCTAssertTrue(result.success, result.reason)
        // The probe resets the connection as soon as it is made, maybe before the server accepted it.
        for _ in 0..<100 where server.accepts.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(server.accepts.withLock { $0.count }, 1)
    }

    func testTCPRefused() async throws {
        let result = try await probe(.quick(.tcp), port: closedPort())
        XCTAssertEqual(result, ProbeResult(success: false, reason: "connection refused", duration: result.duration))
    }

    func testTCPTimesOutWhenNothingAccepts() async throws {
        let backlog = FullBacklog()
        let result = try await probe(.quick(.tcp, timeout: .milliseconds(300)), port: backlog.port)
        XCTAssertFalse(result.success)
        XCTAssertEqual(result.reason, "timeout after 300 ms")
        XCTAssertGreaterThanOrEqual(result.duration, .milliseconds(290))
        XCTAssertLessThan(result.duration, .seconds(2))
    }

    func testHTTPStatusAgainstRanges() async throws {
        let unavailable = try await LoopbackServer.http(status: 503)
        let bad = try await probe(.quick(.http(.init())), port: unavailable.port)
        XCTAssertEqual(bad.success, false)
        XCTAssertEqual(bad.reason, "status 503")
        let accepted = try await probe(.quick(.http(.init(statuses: [200...299, 500...503]))), port: unavailable.port)
        XCTAssertTrue(accepted.success, accepted.reason)

        let redirect = try await LoopbackServer.http(status: 302)
        let within = try await probe(.quick(.http(.init())), port: redirect.port)
        XCTAssertTrue(within.success, within.reason)
        let outside = try await probe(.quick(.http(.init(statuses: [200...200]))), port: redirect.port)
        XCTAssertEqual(outside.reason, "status 302")
    }

    func testHTTPBodyText() async throws {
        let server = try await LoopbackServer.http(status: 200, body: "status: ok\n")
        let found = try await probe(.quick(.http(.init(body: "ok"))), port: server.port)
        XCTAssertTrue(found.success, found.reason)
        let missing = try await probe(.quick(.http(.init(body: "ready"))), port: server.port)
        XCTAssertEqual(missing.success, false)
        XCTAssertEqual(missing.reason, "body lacks 'ready'")
    }

    func testHTTPHostHeader() async throws {
        let server = try await LoopbackServer.http(status: 200)
        _ = try await probe(.quick(.http(.init())), port: server.port)
        _ = try await probe(.quick(.http(.init(host: "www.example.com"))), port: server.port)
        XCTAssertEqual(server.hosts.withLock { $0 }, ["127.0.0.1:\(server.port)", "www.example.com"])
    }

    func testHTTPTimesOutWhenTheServerNeverAnswers() async throws {
        let server = try await LoopbackServer.silent()
        let result = try await probe(.quick(.http(.init()), timeout: .milliseconds(400)), port: server.port)
        XCTAssertEqual(result.success, false)
        XCTAssertEqual(result.reason, "timeout after 400 ms")
    }

    func testHTTPSWithASelfSignedCertificate() async throws {
        let server = try await LoopbackServer.http(status: 200, tls: try SelfSignedCertificate.serverContext())
        let unverified = try await probe(.quick(.https(.init(), .init(serverName: "localhost", verify: false))), port: server.port)
        XCTAssertTrue(unverified.success, unverified.reason)
        let verified = try await probe(.quick(.https(.init(), .init(serverName: "localhost", verify: true))), port: server.port)
        XCTAssertEqual(verified.success, false)
        XCTAssertTrue(verified.reason.hasPrefix("certificate verify failed"), verified.reason)
    }

    func testDNSOverUDPAndTCP() async throws {
        for transport in HealthCheck.DNSProbe.Transport.allCases {
            let answering = try await DNSResponder(.address)
            let ok = try await probe(.quick(.dns(.init(name: "www.example.com", transport: transport))), port: answering.port)
            XCTAssertTrue(ok.success, "\(transport): \(ok.reason)")
            XCTAssertEqual(ok.reason, "rcode NOERROR")

            let nxdomain = try await DNSResponder(.nxdomain)
            let missing = try await probe(.quick(.dns(.init(name: "nowhere.example.com", transport: transport))), port: nxdomain.port)
            XCTAssertEqual(missing.success, false)
            XCTAssertEqual(missing.reason, "rcode NXDOMAIN", "\(transport)")
            let expected = try await probe(.quick(.dns(.init(name: "nowhere.example.com", transport: transport, rcode: 3))),
                                           port: nxdomain.port)
            XCTAssertTrue(expected.success, "\(transport): \(expected.reason)")

            let garbage = try await DNSResponder(.garbage)
            let broken = try await probe(.quick(.dns(.init(name: "www.example.com", transport: transport))), port: garbage.port)
            XCTAssertEqual(broken.success, false)
            XCTAssertEqual(broken.reason, "reply too short", "\(transport)")

            let stray = try await DNSResponder(.wrongID)
            let ignored = try await probe(.quick(.dns(.init(name: "www.example.com", transport: transport)), timeout: .milliseconds(300)),
                                          port: stray.port)
            XCTAssertEqual(ignored.reason, "timeout after 300 ms", "\(transport)")
        }
    }

    func testExecRunsAnArgumentArrayWithTheTargetInItsEnvironment() async throws {
        let test = ["/bin/sh", "-c", "test \"$LVSCTL_CHECK_ADDRESS:$LVSCTL_CHECK_PORT\" = 127.0.0.1:8080"]
        let matching = try await probe(.quick(.exec(test)), port: 8080)
        XCTAssertTrue(matching.success, matching.reason)
        XCTAssertEqual(matching.reason, "exit status 0")
        let other = try await probe(.quick(.exec(test)), port: 8081)
        XCTAssertEqual(other.success, false)
        XCTAssertEqual(other.reason, "exit status 1")
    }

    func testExecIsKilledAtTheTimeout() async throws {
        let started = ContinuousClock.now
        let result = try await probe(.quick(.exec(["/bin/sleep", "30"]), timeout: .milliseconds(300)), port: 1)
        XCTAssertEqual(result.success, false)
        XCTAssertEqual(result.reason, "killed after timeout 300 ms")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    func testExecOfAMissingProgram() async throws {
        let result = try await probe(.quick(.exec(["/nonexistent/check"])), port: 1)
        XCTAssertEqual(result.success, false)
        XCTAssertEqual(result.reason, "cannot run /nonexistent/check: No such file or directory")
    }
}
