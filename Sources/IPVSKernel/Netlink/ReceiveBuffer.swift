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

    /// The size for a socket that makes many small dumps (one per service for the servers): the
    /// kernel's `NLMSG_GOODSIZE`, a page (at most 8 KiB) less the 320 bytes of
    /// `skb_shared_info` on 64-bit kernels. The kernel allocates each dump datagram at the
    /// larger of that and the largest receive the socket has made, plus the 320 bytes, and
    /// zeroes it (`init_on_alloc`, on in Debian's kernels). At exactly this size a datagram
    /// fills one page; a page-sized receive would cost two, and the 32 KiB of `large` eight
    /// (zeroing took a quarter of a full read's CPU time). A kernel that builds larger
    /// datagrams than this is caught by their truncation (`ServerDumps` then reads again with
    /// `large`).
    static var small: Int { min(Int(sysconf(Int32(_SC_PAGESIZE))), 8 << 10) - 320 }

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
