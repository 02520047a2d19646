import NIOCore

/// `type: tcp`: the target accepts a connection, which is closed at once by a reset (see
/// `ConnectPoller`).
enum TCPProbe {
    static func run(to address: SocketAddress, timeout: Duration) -> ProbeRun {
        let attempt = ProbeAttempt(on: ConnectPoller.shared, timeout: timeout)
        let token = ConnectPoller.shared.connect(to: address) { code in
            if code == 0 {
                attempt.finish(success: true, reason: "connected")
            } else {
                attempt.finish(success: false, reason: ProbeFailure.reason(errno: code, timeout: timeout))
            }
        }
        if let token { attempt.hold { ConnectPoller.shared.abandon(token) } }
        return attempt.run
    }
}
