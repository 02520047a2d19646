import Foundation
import LVSModel
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// Servers on 127.0.0.1 that probes run against, each on a port the kernel picks.
final class LoopbackServer: Sendable {
    let channel: any Channel
    /// Accepted connections, with the local port each came in on.
    let accepts = Mutex<[(port: Int, time: ContinuousClock.Instant)]>([])
    /// The `Host` header of every HTTP request.
    let hosts = Mutex<[String]>([])
    /// Connections open now, and the most open at once.
    let open = Mutex(0)
    let mostOpen = Mutex(0)

    var port: UInt16 { UInt16(channel.localAddress?.port ?? 0) }

    private init(channel: any Channel) { self.channel = channel }

    deinit { channel.close(promise: nil) }

    /// Accepts and closes every connection, counting them.
    static func counting() async throws -> LoopbackServer {
        try await start { server, channel in
            server.accepts.withLock { $0.append((channel.localAddress?.port ?? 0, .now)) }
            channel.close(promise: nil)
        }
    }

    /// Accepts connections and never answers, counting how many are open at once.
    static func silent() async throws -> LoopbackServer {
        try await start { server, channel in
            let now = server.open.withLock { open in
                open += 1
                return open
            }
            server.mostOpen.withLock { $0 = max($0, now) }
            channel.closeFuture.whenComplete { _ in server.open.withLock { $0 -= 1 } }
        }
    }

    /// Answers HTTP requests with `status` and `body`, over TLS when given a context.
    static func http(status: Int, body: String = "", tls: NIOSSLContext? = nil) async throws -> LoopbackServer {
        try await start { server, channel in
            try? channel.pipeline.syncOperations.addHandlers(tls.map { [NIOSSLServerHandler(context: $0)] } ?? [])
            try? channel.pipeline.syncOperations.configureHTTPServerPipeline()
            try? channel.pipeline.syncOperations.addHandler(Responder(server: server, status: status, body: body))
        }
    }

    private static func start(_ accepted: @escaping @Sendable (LoopbackServer, any Channel) -> Void) async throws -> LoopbackServer {
        let box = Mutex<LoopbackServer?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 4096)
            .childChannelInitializer { channel in
                if let server = box.withLock({ $0 }) { accepted(server, channel) }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = LoopbackServer(channel: channel)
        box.withLock { $0 = server }
        return server
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let server: LoopbackServer
        let status: Int
        let body: String

        init(server: LoopbackServer, status: Int, body: String) {
            self.server = server
            self.status = status
            self.body = body
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            server.hosts.withLock { $0.append(head.headers["Host"].first ?? "") }
            let headers = HTTPHeaders([("Content-Length", "\(body.utf8.count)"), ("Connection", "close")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers))),
                          promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

/// A port on 127.0.0.1 where connections are never completed: a listener whose accept queue
/// is full, so the kernel drops every further SYN and a connect times out.
final class FullBacklog: Sendable {
    let port: UInt16
    private let descriptors: [Int32]

    init() {
        let (listener, address) = loopbackSocket()
        listen(listener, 0)
        var fillers: [Int32] = []
        for _ in 0..<3 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var target = address
            _ = withUnsafePointer(to: &target) {
                connect(filler, UnsafeRawPointer($0).assumingMemoryBound(to: sockaddr.self), socklen_t(MemoryLayout<sockaddr_in>.size))
            }
            fillers.append(filler)
        }
        usleep(100_000)
        port = UInt16(bigEndian: address.sin_port)
        descriptors = [listener] + fillers
    }

    deinit { descriptors.forEach { close($0) } }
}

/// A port on 127.0.0.1 that nothing listens on (bound a moment, then closed).
func closedPort() -> UInt16 {
    let (descriptor, address) = loopbackSocket()
    close(descriptor)
    return UInt16(bigEndian: address.sin_port)
}

/// A TCP socket bound to 127.0.0.1 on a port the kernel picks, and its address.
private func loopbackSocket() -> (Int32, sockaddr_in) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        let raw = UnsafeMutableRawPointer($0).assumingMemoryBound(to: sockaddr.self)
        _ = bind(descriptor, raw, length)
        return getsockname(descriptor, raw, &length)
    }
    return (descriptor, address)
}
