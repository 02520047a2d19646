internal import CNetlink
internal import Glibc

/// The one buffer a socket receives every datagram into, reused for every receive and read in
/// place.
///
/// Replaces libnl's receive path, which allocates a buffer per datagram and copies each message
/// into a fresh `nl_msg`.
struct ReceiveBuffer: ~Copyable {
    /// The size for a socket that reads large dumps: 32 KiB, the largest datagram the kernel
    /// builds for a dump. The kernel sizes dump datagrams by the largest receive the socket has
    /// made (from one page up to 32 KiB), and fewer, larger rounds matter for the service dump,
    /// whose every round walks the service table from its start.
    static let large = 32 << 10

    /// The size for a socket that makes many small dumps (one per service for the servers): one
    /// page, at most 8 KiB. The kernel then allocates small datagrams (never smaller than about
    /// a page, so none is truncated) instead of 32 KiB ones, which it zeroes on allocation
    /// (`init_on_alloc`, on in Debian's kernels): that zeroing took a quarter of a full read's
    /// CPU time.
    static var small: Int { min(Int(sysconf(Int32(_SC_PAGESIZE))), 8 << 10) }

    private let storage: UnsafeMutableRawBufferPointer

    /// - Parameter size: the largest datagram to receive (`large` or `small`).
    init(size: Int) {
        storage = .allocate(byteCount: size, alignment: MemoryLayout<nlmsghdr>.alignment)
    }

    deinit { storage.deallocate() }

    /// Waits for the next datagram on `descriptor` and returns it; valid until the next call.
    mutating func receive(from descriptor: Int32) throws(NetlinkError) -> UnsafeRawBufferPointer {
        while true {
            // MSG_TRUNC: the datagram's full length comes back even when it did not fit.
            let length = recv(descriptor, storage.baseAddress, storage.count, Int32(MSG_TRUNC))
            if length >= 0 {
                guard length <= storage.count else { throw .library(code: -NLE_MSG_TRUNC) }
                return UnsafeRawBufferPointer(rebasing: storage[..<length])
            }
            guard errno == EINTR else { throw .library(code: -nl_syserr2nlerr(errno)) }
        }
    }
}
