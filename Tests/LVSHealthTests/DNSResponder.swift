import NIOCore
import NIOPosix

/// A DNS server on 127.0.0.1 (UDP and TCP on the same port number) that answers every query
/// the same way.
final class DNSResponder: Sendable {
    enum Answer: Sendable {
        /// NOERROR with one A record, 192.0.2.1.
        case address
        case nxdomain
        /// Five bytes that are no DNS message.
        case garbage
        /// A well-formed reply with another query's ID.
        case wrongID
    }

    let udp: any Channel
    let tcp: any Channel
    var port: UInt16 { UInt16(udp.localAddress?.port ?? 0) }

    init(_ answer: Answer) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        // The TCP listener takes the port the kernel picked for UDP, which may be taken for TCP:
        // then another pair is tried.
        var attempts = 0
        while true {
            let udp = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(UDPHandler(answer: answer)) }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            do {
                tcp = try await ServerBootstrap(group: group)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(TCPHandler(answer: answer)) }
                    }
                    .bind(host: "127.0.0.1", port: udp.localAddress?.port ?? 0).get()
                self.udp = udp
                return
            } catch where attempts < 10 {
                attempts += 1
                try await udp.close()
            }
        }
    }

    deinit {
        udp.close(promise: nil)
        tcp.close(promise: nil)
    }

    static func reply(to query: [UInt8], _ answer: Answer) -> [UInt8] {
        guard query.count >= 12 else { return [] }
        var id = Array(query[0..<2])
        switch answer {
        case .garbage: return [0xDE, 0xAD, 0xBE, 0xEF, 0x00]
        case .wrongID: id[1] ^= 0xFF
        case .address, .nxdomain: break
        }
        let question = Array(query[12...])
        let rcode: UInt8 = answer == .nxdomain ? 3 : 0
        let answers: UInt8 = answer == .nxdomain ? 0 : 1
        var reply = id + [0x81, 0x80 | rcode, 0, 1, 0, answers, 0, 0, 0, 0] + question
        if answers == 1 { reply += [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1] }
        return reply
    }

    private final class UDPHandler: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let answer: Answer
        init(answer: Answer) { self.answer = answer }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            let reply = DNSResponder.reply(to: Array(envelope.data.readableBytesView), answer)
            let out = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: context.channel.allocator.buffer(bytes: reply))
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        }
    }

    private final class TCPHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let answer: Answer
        var received: [UInt8] = []
        init(answer: Answer) { self.answer = answer }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += unwrapInboundIn(data).readableBytesView
            guard received.count >= 2, received.count >= 2 + (Int(received[0]) << 8 | Int(received[1])) else { return }
            let reply = DNSResponder.reply(to: Array(received[2...]), answer)
            var buffer = context.channel.allocator.buffer(capacity: reply.count + 2)
            buffer.writeInteger(UInt16(reply.count))
            buffer.writeBytes(reply)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
    }
}
