import Foundation
import Glibc
import Logging
import NIOCore
import ServiceLifecycle
import Testing
@testable import LVSDaemon

@Suite("HTTP endpoint")
struct HTTPEndpointTests {
    /// 32 MB in parts of 1 MB: more than loopback's socket buffers hold.
    static let parts = Array(repeating: ByteBuffer(repeating: UInt8(ascii: "a"), count: 1 << 20), count: 32)

    @Test("a body in parts reaches a reader whole; a client that stops reading, or sends nothing, is disconnected when idle")
    func partsAndIdleClients() async throws {
        let endpoint = HTTPEndpoint(host: "127.0.0.1", port: 0, logger: Logger(label: "test"), idleTimeout: .milliseconds(500)) { _ in
            HTTPResponse(status: 200, body: .parts(Self.parts))
        }
        let channel = try await endpoint.listen().channel
        let port = try #require(channel.localAddress?.port)
        let (whole, partial, silentClosed) = try await onThread {
            let stalled = try RawClient(port: port, receiveBuffer: 4096)
            let silent = try RawClient(port: port, request: false)
            let whole = try RawClient(port: port).bodyBytesUntilClose()
            usleep(1_500_000)
            return (whole, stalled.bodyBytesUntilClose(), silent.closedByServer())
        }
        #expect(whole == 32 << 20)
        // The server gave up on the stalled client: what it sent arrives, then the end, short of the whole.
        #expect(partial.map { $0 < 32 << 20 } == true, "\(String(describing: partial)) bytes")
        #expect(silentClosed)
        try await channel.close()
        try await endpoint.bodies.shutdownGracefully()
    }

    @Test("when the maximum is open, a new connection takes the place of the one waiting longest; while all are busy, it is refused")
    func connectionLimit() async throws {
        // Two connections that never send a request, then one that does: one of the two gives
        // way (the first, unless the event loops admitted them in the other order).
        let (silentOpen, served) = try await withEndpoint(maximumConnections: 2) { port in
            let silent = try (0..<2).map { _ in try RawClient(port: port, request: false) }
            // Admitted on their event loops before the third arrives.
            usleep(500_000)
            let served = try RawClient(port: port).bodyBytesUntilClose()
            let silentOpen = silent.filter(\.isOpen).count
            silent.forEach { close($0.socket) }
            return (silentOpen, served)
        }
        #expect(silentOpen == 1)
        #expect(served == 32 << 20)
        // Two requests whose bodies are not read: both busy, so a third connection is refused.
        let (answered, refused) = try await withEndpoint(maximumConnections: 2) { port in
            let stalled = try (0..<2).map { _ in try RawClient(port: port, receiveBuffer: 4096) }
            let answered = stalled.allSatisfy(\.answerStarted)
            let refused = try RawClient(port: port, request: false).closedByServer()
            stalled.forEach { close($0.socket) }
            return (answered, refused)
        }
        #expect(answered && refused)
    }

    /// Runs `body` with the port of a fresh endpoint that answers every request with `parts`.
    private func withEndpoint<T: Sendable>(maximumConnections: Int, _ body: @escaping @Sendable (Int) throws -> T) async throws -> T {
        let endpoint = HTTPEndpoint(host: "127.0.0.1", port: 0, logger: Logger(label: "test"), maximumConnections: maximumConnections) { _ in
            HTTPResponse(status: 200, body: .parts(Self.parts))
        }
        let channel = try await endpoint.listen().channel
        let port = try #require(channel.localAddress?.port)
        let result = try await onThread { try body(port) }
        try await channel.close()
        try await endpoint.bodies.shutdownGracefully()
        return result
    }

    @Test("an address in use is refused by listen(), saying so, before anything is served")
    func addressInUse() async throws {
        let first = try await HTTPEndpoint(host: "127.0.0.1", port: 0, logger: Logger(label: "test")) { _ in
            HTTPResponse(status: 200, text: "")
        }.listen()
        let port = try #require(first.channel.localAddress?.port)
        let second = HTTPEndpoint(host: "127.0.0.1", port: port, logger: Logger(label: "test")) { _ in HTTPResponse(status: 200, text: "") }
        let error = await #expect(throws: ListenError.self) { try await second.listen() }
        #expect(error?.errno == EADDRINUSE)
        #expect(error?.description == "cannot listen on 127.0.0.1:\(port) (--listen): another process listens there (another lvsctl reconcile?); give --listen another port")
        try await first.channel.close()
        try await first.endpoint.bodies.shutdownGracefully()
    }

    @Test("graceful shutdown ends a body still being sent at once, not when its client is done with it")
    func shutdownWithABodyInFlight() async throws {
        let port = try await onThread { try RawClient.freePort() }
        let endpoint = HTTPEndpoint(host: "127.0.0.1", port: port, logger: Logger(label: "test")) { _ in
            HTTPResponse(status: 200, body: .parts(Self.parts))
        }
        let group = ServiceGroup(services: [try await endpoint.listen()], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        let stalled = try await onThread {
            // Generous: other suites' blocking tests can hold the cooperative pool the group runs on.
            let deadline = Date().addingTimeInterval(60)
            while true {
                if let client = try? RawClient(port: port, receiveBuffer: 4096) { return client }
                guard Date() < deadline else { throw CancellationError() }
                usleep(20_000)
            }
        }
        usleep(300_000)
        let started = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        // Without closing it, the idle timeout (30 s) ends it.
        #expect(ContinuousClock.now - started < .seconds(15))
        close(stalled.socket)
    }

    /// Runs blocking socket calls on a thread of their own: on Swift's cooperative pool they
    /// would hold the threads the endpoint's answers are made on.
    private func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}

/// An HTTP/1.0 client on a plain socket (the body ends where the connection does), so that the
/// test decides when it reads.
private struct RawClient {
    struct NotListening: Error {}

    let socket: Int32

    init(port: Int, receiveBuffer: Int32? = nil, request: Bool = true) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer { setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw NotListening()
        }
        guard request else { return }
        let bytes = Array("GET /metrics HTTP/1.0\r\n\r\n".utf8)
        try #require(send(socket, bytes, bytes.count, 0) == bytes.count)
    }

    /// A loopback port nothing listens on now.
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether the server closed the connection (within the read timeout), whatever it sent.
    func closedByServer() -> Bool {
        defer { close(socket) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { return count == 0 }
        }
    }

    /// Whether the answer has begun to arrive (waiting up to the read timeout), leaving it unread.
    var answerStarted: Bool {
        var byte: UInt8 = 0
        return recv(socket, &byte, 1, Int32(MSG_PEEK)) == 1
    }

    /// Whether the connection is still open: nothing to read and no end seen, now.
    var isOpen: Bool {
        var byte: UInt8 = 0
        return recv(socket, &byte, 1, Int32(MSG_DONTWAIT)) < 0 && errno == EAGAIN
    }

    /// The bytes after the response's head, read until the server closes; nil when it does not
    /// within the read timeout.
    func bodyBytesUntilClose() -> Int? {
        defer { close(socket) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var headEnd: Int?
        var total = 0
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count < 0 { return nil }
            if count == 0 { break }
            total += count
            if headEnd == nil {
                received += buffer.prefix(count)
                headEnd = received.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound
            }
        }
        return headEnd.map { total - $0 }
    }
}
