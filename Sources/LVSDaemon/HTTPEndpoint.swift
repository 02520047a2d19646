internal import Glibc
public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle
import Synchronization

/// What an endpoint answers.
public struct HTTPResponse: Sendable {
    public enum Body: Sendable {
        case whole(ByteBuffer)
        /// Parts made as they are taken, each sent while the next is made: for a body too large
        /// to make before sending starts. Sent with chunked encoding, or up to the connection's
        /// close for an HTTP/1.0 client.
        case parts(any Sequence<ByteBuffer> & Sendable)
    }

    public var status: Int
    public var contentType: String
    public var body: Body

    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: Body) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: ByteBuffer) {
        self.init(status: status, contentType: contentType, body: .whole(body))
    }

    public init(status: Int, text: String) {
        self.init(status: status, body: ByteBuffer(string: text))
    }
}

/// The daemon's HTTP endpoint (`/metrics`, `/healthz`, `/plan`) on SwiftNIO: GET and HEAD only,
/// request bodies ignored, anything else answered 404 or 405. `listen()` binds it; the
/// `ListeningEndpoint` it returns serves until graceful shutdown.
///
/// Answers are made on NIO's threads for blocking work, not on the event loop (a long one holds
/// up no other request) and not on Swift's cooperative pool, whose threads a reconcile's
/// blocking reads can hold for seconds: `/healthz` answers at once while a tick runs. Bodies made
/// in parts are sent from two threads of the endpoint's own, so that clients reading them slowly
/// never delay another answer.
public struct HTTPEndpoint: Sendable {
    public let host: String
    public let port: Int
    let route: @Sendable (_ path: String) -> HTTPResponse
    let logger: Logger
    let idleTimeout: TimeAmount
    let bodies = NIOThreadPool(numberOfThreads: 2)
    fileprivate let connections: Connections

    /// Serves `route(path)` for every GET or HEAD request on `host`:`port`.
    ///
    /// A connection on which nothing is received and nothing sent is taken for `idleTimeout` is
    /// closed, and at most `maximumConnections` are open (a new one takes the place of the one
    /// that has waited longest for a request, or is refused while all are busy): clients that
    /// hold connections open, or stop reading a body made in parts (and the thread making it),
    /// cannot take the descriptors and memory the daemon's checks need.
    public init(host: String, port: Int, logger: Logger, idleTimeout: TimeAmount = .seconds(30), maximumConnections: Int = 64,
                route: @escaping @Sendable (_ path: String) -> HTTPResponse) {
        self.host = host
        self.port = port
        self.logger = logger
        self.idleTimeout = idleTimeout
        connections = Connections(maximum: maximumConnections)
        self.route = route
    }

    /// Binds `host`:`port`. The daemon does this before its first reconcile, so that an address
    /// it cannot have stops it before it has touched the director.
    public func listen() async throws(ListenError) -> ListeningEndpoint {
        let (route, idleTimeout, bodies, connections) = (self.route, self.idleTimeout, self.bodies, self.connections)
        bodies.start()
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    guard connections.admit(channel) else { return channel.close() }
                    channel.closeFuture.whenComplete { _ in connections.release(channel) }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(RequestHandler(route: route, bodies: bodies, connections: connections))
                    }
                }
                .bind(host: host, port: port).get()
            return ListeningEndpoint(endpoint: self, channel: channel)
        } catch {
            try? await bodies.shutdownGracefully()
            throw ListenError(host: host, port: port, errno: (error as? IOError)?.errnoCode)
        }
    }
}

/// An endpoint bound to its address: serves until graceful shutdown, then closes its
/// connections, bodies still being sent among them.
public struct ListeningEndpoint: Service {
    let endpoint: HTTPEndpoint
    public let channel: any Channel

    public func run() async throws {
        endpoint.logger.info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "\(endpoint.host):\(endpoint.port)")"])
        try? await gracefulShutdown()
        try await channel.close()
        // A body still being sent ends with its connection, not when its client is done.
        endpoint.connections.closeAll()
        try await endpoint.bodies.shutdownGracefully()
    }
}

/// Why the endpoint could not have its address, for the operator who gave `--listen`.
public struct ListenError: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// The system's error number, when the socket calls gave one.
    public let errno: Int32?

    public var description: String {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let reason = switch errno {
        case EADDRINUSE?: "another process listens there (another lvsctl reconcile?); give --listen another port"
        case EADDRNOTAVAIL?: "no interface of this host has that address"
        case EACCES?: "a port below 1024 needs the capability CAP_NET_BIND_SERVICE"
        case let code?: String(cString: strerror(code))
        case nil: "the address cannot be bound"
        }
        return "cannot listen on \(address) (--listen): \(reason)"
    }
}

/// The connections open on one endpoint, and which of them wait for a request (connected, or
/// done with their last answer, and no request head received).
private final class Connections: Sendable {
    private struct Entry {
        let channel: any Channel
        let order: Int
        var waiting = true
    }

    private let open = Mutex<(entries: [ObjectIdentifier: Entry], admitted: Int)>(([:], 0))
    private let maximum: Int

    init(maximum: Int) { self.maximum = maximum }

    /// Keeps `channel`. When `maximum` are open, the connection that has waited longest for a
    /// request gives way to it (as nginx reuses idle connections): connections opened and left
    /// silent cannot keep a health probe out. When every one is busy with a request, `channel`
    /// is refused.
    func admit(_ channel: any Channel) -> Bool {
        let (admitted, evicted) = open.withLock { open -> (Bool, (any Channel)?) in
            var evicted: (any Channel)?
            if open.entries.count >= maximum {
                guard let oldest = open.entries.lazy.filter({ $0.value.waiting }).min(by: { $0.value.order < $1.value.order }) else {
                    return (false, nil)
                }
                evicted = open.entries.removeValue(forKey: oldest.key)?.channel
            }
            open.admitted += 1
            open.entries[ObjectIdentifier(channel)] = Entry(channel: channel, order: open.admitted)
            return (true, evicted)
        }
        evicted?.close(promise: nil)
        return admitted
    }

    /// Marks `channel` as waiting for a request, or busy with one.
    func setWaiting(_ channel: any Channel, _ waiting: Bool) {
        open.withLock { open in open.entries[ObjectIdentifier(channel)]?.waiting = waiting }
    }

    func release(_ channel: any Channel) { open.withLock { _ = $0.entries.removeValue(forKey: ObjectIdentifier(channel)) } }

    func closeAll() {
        for channel in open.withLock({ $0.entries.values.map(\.channel) }) { channel.close(promise: nil) }
    }
}

/// Answers one request at a time on a connection, keeping it open when the client asks.
private final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let route: @Sendable (String) -> HTTPResponse
    private let bodies: NIOThreadPool
    private let connections: Connections
    private var head: HTTPRequestHead?

    init(route: @escaping @Sendable (String) -> HTTPResponse, bodies: NIOThreadPool, connections: Connections) {
        self.route = route
        self.bodies = bodies
        self.connections = connections
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is IdleStateHandler.IdleStateEvent else { return context.fireUserInboundEventTriggered(event) }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            connections.setWaiting(context.channel, false)
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard head.method == .GET || head.method == .HEAD else {
            send(HTTPResponse(status: 405, text: "only GET and HEAD are served\n"), to: head, context: context)
            return
        }
        let path = String(head.uri.prefix { $0 != "?" })
        NIOThreadPool.singleton.runIfActive(eventLoop: context.eventLoop) { [route] in route(path) }
            .assumeIsolated().whenComplete { answer in
                switch answer {
                case .success(let response): self.send(response, to: head, context: context)
                case .failure: context.close(promise: nil)
                }
            }
    }

    private func send(_ response: HTTPResponse, to head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        var keepAlive = head.isKeepAlive
        switch response.body {
        case .whole(let body): headers.add(name: "Content-Length", value: String(body.readableBytes))
        // HTTP/1.0 has no chunks: the body ends where the connection does.
        case .parts: keepAlive = keepAlive && head.version != .http1_0
        }
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        switch (head.method, response.body) {
        case (.HEAD, _):
            end(keepAlive: keepAlive, context: context)
        case (_, .whole(let body)):
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            end(keepAlive: keepAlive, context: context)
        case (_, .parts(let parts)):
            context.flush()
            let channel = context.channel
            bodies.submit { [connections, keepAlive] state in
                guard case .active = state else { return channel.close(promise: nil) }
                do {
                    var sent: EventLoopFuture<Void>?
                    for part in parts {
                        try sent?.wait()
                        sent = channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(part)))
                    }
                    try channel.writeAndFlush(HTTPServerResponsePart.end(nil)).wait()
                    if keepAlive { connections.setWaiting(channel, true) } else { channel.close(promise: nil) }
                } catch {
                    channel.close(promise: nil)
                }
            }
        }
    }

    private func end(keepAlive: Bool, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { [connections] _ in
            if keepAlive { connections.setWaiting(context.channel, true) } else { context.close(promise: nil) }
        }
    }
}
