import LVSModel
import NIOCore
import NIOPosix

/// `type: dns`: one query over UDP or TCP; healthy when the reply to it has the expected rcode
/// (and, for NOERROR, an answer).
enum DNSQueryProbe {
    static func run(_ probe: HealthCheck.DNSProbe, timeout: Duration, to address: SocketAddress,
                    on clock: LoopTimers) -> ProbeRun {
        let attempt = ProbeAttempt(on: clock, timeout: timeout)
        let id = UInt16.random(in: .min ... .max)
        guard let query = DNSMessage.query(id: id, name: probe.name, type: probe.type) else {
            attempt.finish(success: false, reason: "invalid query name")
            return attempt.run
        }
        let handler = DNSReplyHandler(id: id, rcode: probe.rcode, attempt: attempt)
        switch probe.transport {
        case .udp:
            DatagramBootstrap(group: clock.eventLoop)
                .channelInitializer { channel in
                    attempt.hold { channel.close(promise: nil) }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DNSDatagramHandler(reply: handler))
                    }
                }
                .bind(host: address.protocol == .inet6 ? "::" : "0.0.0.0", port: 0)
                .flatMap { channel in
                    let envelope = AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(bytes: query))
                    return channel.writeAndFlush(envelope)
                }
                .whenFailure { attempt.fail($0) }
        case .tcp:
            ClientBootstrap(group: clock.eventLoop)
                .channelInitializer { channel in
                    attempt.hold { channel.close(promise: nil) }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DNSStreamHandler(query: query, reply: handler))
                    }
                }
                .connect(to: address)
                .whenFailure { attempt.fail($0) }
        }
        return attempt.run
    }
}

/// Judges replies for one query; a reply to another query is ignored.
struct DNSReplyHandler {
    let id: UInt16
    let rcode: UInt8
    let attempt: ProbeAttempt

    func received(_ bytes: some Collection<UInt8>) {
        guard let reply = DNSMessage.reply(bytes) else {
            return attempt.finish(success: false, reason: "reply too short")
        }
        if let verdict = DNSMessage.judge(reply, id: id, rcode: rcode) {
            attempt.finish(success: verdict.success, reason: verdict.reason)
        }
    }
}

final class DNSDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let reply: DNSReplyHandler

    init(reply: DNSReplyHandler) { self.reply = reply }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reply.received(unwrapInboundIn(data).data.readableBytesView)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        reply.attempt.fail(error)
    }
}

/// DNS over TCP: the query and each reply behind a two-byte length (RFC 1035 4.2.2).
final class DNSStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let query: [UInt8]
    private let reply: DNSReplyHandler
    private var received: ByteBuffer?

    init(query: [UInt8], reply: DNSReplyHandler) {
        self.query = query
        self.reply = reply
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: query.count + 2)
        buffer.writeInteger(UInt16(query.count))
        buffer.writeBytes(query)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        if received == nil { received = chunk } else { received!.writeBuffer(&chunk) }
        while var buffer = received, let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              let message = buffer.getSlice(at: buffer.readerIndex + 2, length: Int(length)) {
            buffer.moveReaderIndex(forwardBy: 2 + Int(length))
            received = buffer
            reply.received(message.readableBytesView)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        reply.attempt.finish(success: false, reason: "connection closed before a reply")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        reply.attempt.fail(error)
        context.close(promise: nil)
    }
}
