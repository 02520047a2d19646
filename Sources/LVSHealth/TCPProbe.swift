import NIOCore
import NIOPosix

/// `type: tcp`: the target accepts a connection, which is closed at once.
enum TCPProbe {
    static func run(to address: SocketAddress, timeout: Duration, on clock: LoopTimers) -> ProbeRun {
        let attempt = ProbeAttempt(on: clock, timeout: timeout)
        ClientBootstrap(group: clock.eventLoop)
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
