import Foundation
import Glibc
import Logging
import NIOCore
import Testing
@testable import LVSDaemon

@Suite("HTTP endpoint")
struct HTTPEndpointTests {
    /// 32 MB in parts of 1 MB: more than loopback's socket buffers hold.
    static let parts = Array(repeating: ByteBuffer(repeating: UInt8(ascii: "a"), count: 1 << 20), count: 32)

    @Test("a body in parts reaches a reader whole; a client that stops reading is disconnected after the stall timeout")
    func partsAndStalls() async throws {
        let endpoint = HTTPEndpoint(host: "127.0.0.1", port: 0, logger: Logger(label: "test"), stallTimeout: .milliseconds(500)) { _ in
            HTTPResponse(status: 200, body: .parts(Self.parts))
        }
        let channel = try await endpoint.bind()
        let port = try #require(channel.localAddress?.port)

        let stalled = try RawClient(port: port, receiveBuffer: 4096)
        let reader = try RawClient(port: port)
        #expect(reader.bodyBytesUntilClose() == 32 << 20)
        usleep(1_500_000)
        // The server gave up on it: what it sent arrives, then the end, short of the whole.
        let partial = stalled.bodyBytesUntilClose()
        #expect(partial.map { $0 < 32 << 20 } == true, "\(String(describing: partial)) bytes")
        try await channel.close()
    }
}

/// An HTTP/1.0 client on a plain socket (the body ends where the connection does), so that the
/// test decides when it reads.
private struct RawClient {
    let socket: Int32

    init(port: Int, receiveBuffer: Int32? = nil) throws {
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
        try #require(connected == 0)
        let request = Array("GET /metrics HTTP/1.0\r\n\r\n".utf8)
        try #require(send(socket, request, request.count, 0) == request.count)
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
