internal import CNetlink
internal import Glibc

/// The buffers a socket receives datagrams into, reused for every receive and read in place.
///
/// Replaces libnl's receive path, which allocates a buffer per datagram and copies each message
/// into a fresh `nl_msg`. One `recvmmsg` takes up to `slots` datagrams: the kernel builds a
/// dump's next datagram inside the receive of the one before it, so it is already queued when
/// the next slot is filled, and a server dump (its servers, then the end of the dump) arrives in
/// one system call instead of two.
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

    /// Datagrams taken by one system call at most.
    static let slots = 4

    private let size: Int
    private let storage: UnsafeMutableRawBufferPointer
    private let vectors: UnsafeMutableBufferPointer<iovec>
    private let headers: UnsafeMutableBufferPointer<lvsctl_mmsghdr>

    /// - Parameter size: the largest datagram to receive (`large` or `small`).
    init(size: Int) {
        self.size = size
        storage = .allocate(byteCount: size * Self.slots, alignment: MemoryLayout<nlmsghdr>.alignment)
        vectors = .allocate(capacity: Self.slots)
        headers = .allocate(capacity: Self.slots)
        for slot in 0..<Self.slots {
            vectors[slot] = iovec(iov_base: storage.baseAddress! + slot * size, iov_len: size)
            var header = lvsctl_mmsghdr()
            header.msg_hdr.msg_iov = vectors.baseAddress! + slot
            header.msg_hdr.msg_iovlen = 1
            headers[slot] = header
        }
    }

    deinit {
        storage.deallocate()
        vectors.deallocate()
        headers.deallocate()
    }

    /// Waits for the next datagram on `descriptor`, takes those already queued behind it, and
    /// calls `body` with each in the order received; a datagram is valid only during its call.
    func receive(from descriptor: Int32, _ body: (UnsafeRawBufferPointer) throws(NetlinkError) -> Void) throws(NetlinkError) {
        while true {
            // MSG_TRUNC: a datagram's full length comes back even when it did not fit;
            // MSG_WAITFORONE: only the first receive waits.
            let count = lvsctl_recvmmsg(descriptor, headers.baseAddress, UInt32(Self.slots),
                                        Int32(MSG_TRUNC) | LVSCTL_MSG_WAITFORONE, nil)
            if count >= 0 {
                for slot in 0..<Int(count) {
                    let length = Int(headers[slot].msg_len)
                    guard length <= size else { throw .library(code: -NLE_MSG_TRUNC) }
                    try body(UnsafeRawBufferPointer(start: storage.baseAddress! + slot * size, count: length))
                }
                return
            }
            guard errno == EINTR else { throw .library(code: -nl_syserr2nlerr(errno)) }
        }
    }
}
