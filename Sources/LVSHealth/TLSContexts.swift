import NIOSSL
import Synchronization

/// The two TLS client configurations https checks use, each made once: loading the system's
/// trust roots for every probe would cost more than the probe.
final class TLSContexts: Sendable {
    private let made = Mutex<[Bool: NIOSSLContext]>([:])

    /// With `verify`, the certificate must chain to the system's roots and match the server
    /// name; without, any certificate is taken (a check of liveness, not identity).
    func context(verify: Bool) throws -> NIOSSLContext {
        try made.withLock { made in
            if let context = made[verify] { return context }
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = verify ? .fullVerification : .none
            let context = try NIOSSLContext(configuration: configuration)
            made[verify] = context
            return context
        }
    }
}
