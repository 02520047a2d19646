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
/// request bodies ignored, anything else answered 404 or 405. Runs until graceful shutdown.
///
/// Answers are made on NIO's threads for blocking work, not on the event loop (a long one holds
/// up no other request) and not on Swift's cooperative pool, whose threads a reconcile's
/// blocking reads can hold for seconds: `/healthz` answers at once while a tick runs. Bodies made
/// in parts are sent from two threads of the endpoint's own, so that clients reading them slowly
/// never delay another answer.
public struct HTTPEndpoint: Service {
    public let host: String
    public let port: Int
    let route: @Sendable (_ path: String) -> HTTPResponse
    let logger: Logger
    let idleTimeout: TimeAmount
    let bodies = NIOThreadPool(numberOfThreads: 2)
    private let connections: Connections

    /// Serves `route(path)` for every GET or HEAD request on `host`:`port`.
    ///
    /// A connection on which nothing is received and nothing sent is taken for `idleTimeout` is
    /// closed, and connections beyond `maximumConnections` are closed as they come: clients that
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

    /// Binds `host`:`port`; a port in use is an error here, at start.
    public func bind() async throws -> any Channel {
        let (route, idleTimeout, bodies, connections) = (self.route, self.idleTimeout, self.bodies, self.connections)
        bodies.start()
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard connections.admit(channel) else { return channel.close() }
                channel.closeFuture.whenComplete { _ in connections.release(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(route: route, bodies: bodies))
                }
            }
            .bind(host: host, port: port).get()
    }

    public func run() async throws {
        let channel = try await bind()
        logger.info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "\(host):\(port)")"])
        try? await gracefulShutdown()
        try await channel.close()
        // A body still being sent ends with its connection, not when its client is done.
        connections.closeAll()
        try await bodies.shutdownGracefully()
    }
}

/// The connections open on one endpoint.
private final class Connections: Sendable {
    private let open = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let maximum: Int

    init(maximum: Int) { self.maximum = maximum }

    /// Keeps `channel`, unless `maximum` are open.
    func admit(_ channel: any Channel) -> Bool {
        open.withLock { open in
            guard open.count < maximum else { return false }
            open[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func release(_ channel: any Channel) { open.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) } }

    func closeAll() {
        for channel in open.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }
}

/// Answers one request at a time on a connection, keeping it open when the client asks.
private final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let route: @Sendable (String) -> HTTPResponse
    private let bodies: NIOThreadPool
    private var head: HTTPRequestHead?

    init(route: @escaping @Sendable (String) -> HTTPResponse, bodies: NIOThreadPool) {
        self.route = route
        self.bodies = bodies
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is IdleStateHandler.IdleStateEvent else { return context.fireUserInboundEventTriggered(event) }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
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
            bodies.submit { state in
                guard case .active = state else { return channel.close(promise: nil) }
                do {
                    var sent: EventLoopFuture<Void>?
                    for part in parts {
                        try sent?.wait()
                        sent = channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(part)))
                    }
                    try channel.writeAndFlush(HTTPServerResponsePart.end(nil)).wait()
                    if !keepAlive { channel.close(promise: nil) }
                } catch {
                    channel.close(promise: nil)
                }
            }
        }
    }

    private func end(keepAlive: Bool, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }
}
