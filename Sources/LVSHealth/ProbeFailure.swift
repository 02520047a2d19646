import Glibc
import NIOCore
import NIOSSL

/// The short, human reason for a probe's error: "connection refused", not an error dump.
enum ProbeFailure {
    static func reason(for error: any Error, timeout: Duration) -> String {
        switch error {
        case let error as IOError: reason(errno: error.errnoCode, timeout: timeout)
        case ChannelError.connectTimeout: "timeout after \(timeout.spoken)"
        case ChannelError.eof, ChannelError.ioOnClosedChannel, ChannelError.alreadyClosed: "connection closed"
        case let error as NIOSSLError: tlsReason(error)
        case let error as NIOSSLExtraError where error == .failedToValidateHostname: "certificate does not match the server name"
        case let error as BoringSSLError: "TLS: \(error)"
        default: "\(error)"
        }
    }

    static func reason(errno code: Int32, timeout: Duration) -> String {
        switch code {
        case ECONNREFUSED: "connection refused"
        case EHOSTUNREACH: "no route to host"
        case ENETUNREACH: "network unreachable"
        case ECONNRESET: "connection reset"
        case ETIMEDOUT: "timeout after \(timeout.spoken)"
        case EADDRNOTAVAIL: "address not available"
        default: String(cString: strerror(code))
        }
    }

    private static func tlsReason(_ error: NIOSSLError) -> String {
        switch error {
        case .handshakeFailed(let inner):
            "\(inner)".contains("CERTIFICATE_VERIFY_FAILED") ? "certificate verify failed" : "TLS handshake failed: \(inner)"
        case .uncleanShutdown: "connection closed during TLS"
        default: "TLS: \(error)"
        }
    }
}

extension Duration {
    /// "2 s", "1.5 s", "250 ms": how a timeout reads in a reason.
    var spoken: String {
        let milliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        return "\(Double(milliseconds) / 1000) s"
    }
}
