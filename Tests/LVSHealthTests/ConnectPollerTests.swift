import Foundation
@testable import LVSHealth
import NIOCore
import Synchronization
import XCTest

final class ConnectPollerTests: XCTestCase {
    /// The TCP sockets in this network namespace connected or connecting to `port`, in any
    /// state: a socket closed by a reset leaves none behind, not even in TIME_WAIT.
    private func sockets(to port: UInt16) -> Int {
        // Read to the end: a one-read of procfs stops at a page.
        let table = String(decoding: FileHandle(forReadingAtPath: "/proc/self/net/tcp")?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
        let remote = String(format: ":%04X", port)
        return table.split(separator: "\n").dropFirst().filter { $0.split(separator: " ")[2].hasSuffix(remote) }.count
    }

    func testEveryConnectEndsOnceAndClosesItsSocket() async throws {
        let server = try await LoopbackServer.counting()
        let refused = closedPort()
        let results = Mutex<[UInt16: [Int32]]>([:])
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        let count = 1000
        for index in 0..<count {
            let port = index % 4 == 0 ? refused : server.port
            _ = ConnectPoller.shared.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: Int(port))) { code in
                results.withLock { $0[port, default: []].append(code) }
                continuation.yield()
            }
        }
        var ended = 0
        for await _ in stream {
            ended += 1
            if ended == count { break }
        }
        try await Task.sleep(for: .milliseconds(200))
        let seen = results.withLock { $0 }
        XCTAssertEqual(seen[refused], Array(repeating: ECONNREFUSED, count: count / 4))
        XCTAssertEqual(seen[server.port], Array(repeating: 0, count: count - count / 4))
        XCTAssertEqual(sockets(to: server.port), 0, "a connect left its socket behind")
    }

    func testAnAbandonedConnectIsClosedAndNeverReports() async throws {
        let backlog = FullBacklog()
        let before = sockets(to: backlog.port)
        let reported = Mutex(0)
        let tokens = try (0..<20).compactMap { _ in
            ConnectPoller.shared.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: Int(backlog.port))) { _ in
                reported.withLock { $0 += 1 }
            }
        }
        XCTAssertEqual(tokens.count, 20, "connects to a full backlog ended at once")
        XCTAssertEqual(sockets(to: backlog.port), before + 20)
        tokens.forEach(ConnectPoller.shared.abandon)
        tokens.forEach(ConnectPoller.shared.abandon)
        XCTAssertEqual(sockets(to: backlog.port), before)
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertEqual(reported.withLock { $0 }, 0)
    }
}
