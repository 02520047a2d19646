internal import CNetlink

/// One netlink message of a received datagram, viewed in place.
struct ReceivedMessage {
    let type: UInt16
    let sequence: UInt32
    /// What follows the 16-byte `nlmsghdr`.
    let body: UnsafeRawBufferPointer

    /// Calls `body` with each message packed in `datagram`.
    static func forEach(in datagram: UnsafeRawBufferPointer, _ body: (ReceivedMessage) -> Void) throws(NetlinkError) {
        let headerSize = MemoryLayout<nlmsghdr>.size
        var offset = 0
        while datagram.count - offset >= headerSize {
            let header = datagram.loadUnaligned(fromByteOffset: offset, as: nlmsghdr.self)
            let length = Int(header.nlmsg_len)
            guard length >= headerSize, length <= datagram.count - offset else {
                throw .malformedReply("netlink message of \(length) bytes with \(datagram.count - offset) left")
            }
            body(ReceivedMessage(type: header.nlmsg_type, sequence: header.nlmsg_seq,
                                 body: UnsafeRawBufferPointer(rebasing: datagram[(offset + headerSize)..<(offset + length)])))
            offset += (length + 3) & ~3
        }
    }
}
