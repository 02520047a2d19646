public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle

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
/// request bodies ignored, anything else answered 404 or 405. Each answer is made off the event
/// loop, so that a long one (a hundred MB of metrics) holds up no other request. Runs until
/// graceful shutdown.
public struct HTTPEndpoint: Service {
    public let host: String
    public let port: Int
    let route: @Sendable (_ path: String) async -> HTTPResponse
    let logger: Logger
    let stallTimeout: TimeAmount

    /// Serves `route(path)` for every GET or HEAD request on `host`:`port`. A client that takes
    /// no part of a body made in parts for `stallTimeout` is disconnected: one that stops reading
    /// would otherwise hold a thread making that body.
    public init(host: String, port: Int, logger: Logger, stallTimeout: TimeAmount = .seconds(30),
                route: @escaping @Sendable (_ path: String) async -> HTTPResponse) {
        self.host = host
        self.port = port
        self.logger = logger
        self.stallTimeout = stallTimeout
        self.route = route
    }

    /// Binds `host`:`port`; a port in use is an error here, at start.
    public func bind() async throws -> any Channel {
        let (route, stallTimeout) = (self.route, self.stallTimeout)
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(route: route, stallTimeout: stallTimeout))
                }
            }
            .bind(host: host, port: port).get()
    }

    public func run() async throws {
        let channel = try await bind()
        logger.info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "\(host):\(port)")"])
        try? await gracefulShutdown()
        try await channel.close()
    }
}

/// Answers one request at a time on a connection, keeping it open when the client asks.
private final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let route: @Sendable (String) async -> HTTPResponse
    private let stallTimeout: TimeAmount
    private var head: HTTPRequestHead?

    init(route: @escaping @Sendable (String) async -> HTTPResponse, stallTimeout: TimeAmount) {
        self.route = route
        self.stallTimeout = stallTimeout
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
        let promise = context.eventLoop.makePromise(of: HTTPResponse.self)
        promise.completeWithTask { [route] in await route(path) }
        promise.futureResult.assumeIsolated().whenSuccess { response in
            self.send(response, to: head, context: context)
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
            let (channel, stallTimeout) = (context.channel, self.stallTimeout)
            /// Writes `part`; the connection is closed if it is not all taken in time.
            @Sendable func write(_ part: HTTPServerResponsePart) -> EventLoopFuture<Void> {
                let stalled = channel.eventLoop.scheduleTask(in: stallTimeout) { channel.close(promise: nil) }
                let written = channel.writeAndFlush(part)
                written.whenComplete { _ in stalled.cancel() }
                return written
            }
            // Made on a thread for blocking work: on Swift's cooperative pool, each part would
            // wait for a thread behind a reconcile's blocking read.
            NIOThreadPool.singleton.submit { state in
                guard case .active = state else { return channel.close(promise: nil) }
                do {
                    var sent: EventLoopFuture<Void>?
                    for part in parts {
                        try sent?.wait()
                        sent = write(.body(.byteBuffer(part)))
                    }
                    try write(.end(nil)).wait()
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
