import NIOCore
import NIOPosix

/// `type: tcp`: the target accepts a connection, which is closed at once.
enum TCPProbe {
    static func run(to address: SocketAddress, timeout: Duration, on eventLoop: any EventLoop) -> ProbeRun {
        let attempt = ProbeAttempt(on: eventLoop, timeout: timeout)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                attempt.hold { channel.close(promise: nil) }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .connect(to: address)
            .whenComplete { result in
                switch result {
                case .success: attempt.finish(success: true, reason: "connected")
                case .failure(let error): attempt.fail(error)
                }
            }
        return attempt.run
    }
}
