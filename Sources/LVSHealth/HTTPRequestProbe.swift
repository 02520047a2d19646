import LVSModel
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// `type: http` and `https`: one request on a fresh connection, closed after the response.
enum HTTPRequestProbe {
    static func run(_ probe: HealthCheck.HTTPProbe, tls: HealthCheck.TLSProbe?, target: CheckTarget, to address: SocketAddress,
                    contexts: TLSContexts, on clock: LoopTimers) -> ProbeRun {
        let attempt = ProbeAttempt(on: clock, timeout: target.check.timeout)
        let host = probe.host ?? hostHeader(target)
        let sslContext: NIOSSLContext?
        do {
            sslContext = try tls.map { try contexts.context(verify: $0.verify) }
        } catch {
            attempt.finish(success: false, reason: "TLS setup failed: \(error)")
            return attempt.run
        }
        let serverName = tls.flatMap { $0.serverName ?? probe.host.flatMap(hostName) }
        ClientBootstrap(group: clock.eventLoop)
            .channelInitializer { channel in
                attempt.hold { channel.close(promise: nil) }
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        try pipeline.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverName))
                    }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(HTTPProbeHandler(probe: probe, host: host, attempt: attempt))
                }
            }
            .connect(to: address)
            .whenFailure { attempt.fail($0) }
        return attempt.run
    }

    /// The target's address, with its port when not the scheme's default.
    private static func hostHeader(_ target: CheckTarget) -> String {
        let defaultPort: UInt16 = if case .https = target.check.probe { 443 } else { 80 }
        return target.port == defaultPort ? target.address.bracketed : "\(target.address.bracketed):\(target.port)"
    }

    /// The name in a `Host` value that is one (no port, not an address): what SNI may carry.
    private static func hostName(_ host: String) -> String? {
        let name = host.split(separator: ":", maxSplits: 1).first.map(String.init) ?? host
        return name.isEmpty || IPAddress(name) != nil || host.hasPrefix("[") ? nil : name
    }
}
