internal import Glibc

/// The whole of a small host file: a sysctl, or what a host tool wrote. Read with `open` and
/// `read` rather than FileManager's `contents(atPath:)`, which keeps the 4 KiB it reads an empty
/// file with; the daemon reads several empty ones a tick (`iptables-save`'s error output).
enum FileBytes {
    /// nil when the file cannot be opened or read.
    static func read(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                contents += chunk[..<count]
            } else if count == 0 {
                return contents
            } else if errno != EINTR {
                return nil
            }
        }
    }
}
