import NIOCore
import NIOPosix

/// `type: tcp`: the target accepts a connection, which is closed at once — reset, as HAProxy's
/// checks do: no FIN exchange, and no connection left in TIME_WAIT by each of thousands of
/// checks a second.
enum TCPProbe {
    static func run(to address: SocketAddress, timeout: Duration, on clock: LoopTimers) -> ProbeRun {
        let attempt = ProbeAttempt(on: clock, timeout: timeout)
        ClientBootstrap(group: clock.eventLoop)
            .channelInitializer { channel in
                attempt.hold { channel.close(promise: nil) }
                return (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
                    ?? channel.eventLoop.makeSucceededVoidFuture()
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
