import LVSModel
import NIOCore
import NIOPosix

/// What probes share: the pool exec checks wait on and the TLS contexts https checks use.
struct ProbeTools: Sendable {
    let pool: NIOThreadPool
    let tls: TLSContexts
}

extension CheckTarget {
    /// The socket address probes connect to; nil for an exec check, which connects nowhere.
    var socketAddress: SocketAddress? {
        if case .exec = check.probe { return nil }
        return try? SocketAddress(ipAddress: address.description, port: Int(port))
    }

    /// The clock this target's checks are scheduled on: tcp checks run on `ConnectPoller`'s
    /// thread, the others on `loop`.
    func timers(on loop: LoopTimers) -> any CheckClock {
        if case .tcp = check.probe { return ConnectPoller.shared }
        return loop
    }

    /// Starts this target's probe: on `clock`'s event loop, or a tcp probe on `ConnectPoller`.
    func probe(to socketAddress: SocketAddress?, on clock: LoopTimers, tools: ProbeTools) -> ProbeRun {
        let timers = timers(on: clock)
        let timeout = check.timeout
        func connecting(_ start: (SocketAddress) -> ProbeRun) -> ProbeRun {
            if let socketAddress { return start(socketAddress) }
            let attempt = ProbeAttempt(on: timers, timeout: timeout)
            attempt.finish(success: false, reason: "address \(address) cannot be connected to")
            return attempt.run
        }
        switch check.probe {
        case .tcp:
            return connecting { TCPProbe.run(to: $0, timeout: timeout) }
        case .http(let http):
            return connecting { HTTPRequestProbe.run(http, tls: nil, target: self, to: $0, contexts: tools.tls, on: clock) }
        case .https(let http, let tls):
            return connecting { HTTPRequestProbe.run(http, tls: tls, target: self, to: $0, contexts: tools.tls, on: clock) }
        case .dns(let dns):
            return connecting { DNSQueryProbe.run(dns, timeout: timeout, to: $0, on: clock) }
        case .exec(let arguments):
            return ExecProbe.run(arguments, address: address.description, port: port, timeout: timeout, on: clock, pool: tools.pool)
        }
    }
}
