internal import Glibc

/// systemd's notification protocol (`sd_notify`): datagrams such as `READY=1` to the AF_UNIX
/// socket named in `$NOTIFY_SOCKET` (a leading `@` names the abstract namespace). Without the
/// variable (not started by systemd with `Type=notify`) every call does nothing.
public struct SystemdNotifier: Sendable {
    private let path: [UInt8]?
    /// `$WATCHDOG_USEC`: the watchdog timeout when `WatchdogSec=` is set; pings go at half of it.
    public let watchdogTimeout: Duration?

    public init(environment: [String: String]) {
        let socket = environment["NOTIFY_SOCKET"].map { Array($0.utf8) }
        // sun_path holds 108 bytes; a longer name cannot be addressed.
        path = socket.flatMap { $0.isEmpty || $0.count >= 108 ? nil : $0 }
        watchdogTimeout = environment["WATCHDOG_USEC"].flatMap(UInt64.init).flatMap { $0 > 0 ? .microseconds($0) : nil }
    }

    public var isEnabled: Bool { path != nil }

    /// Sends `fields` (`READY=1`, `STATUS=…`) in one datagram; returns whether it was sent.
    @discardableResult
    public func notify(_ fields: [String]) -> Bool {
        guard let path else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { target in
            for (index, byte) in path.enumerated() { target[index] = index == 0 && byte == UInt8(ascii: "@") ? 0 : byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let message = fields.map { $0.replacing("\n", with: " ") }.joined(separator: "\n")
        return message.withCString { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, text, strlen(text), Int32(MSG_NOSIGNAL), $0, length) >= 0
                }
            }
        }
    }
}
