internal import CNetlink
internal import Glibc

/// What can be sent as one generic-netlink request: a dump (`NLM_F_DUMP`, ends with
/// `NLMSG_DONE`) or a plain request that the kernel acknowledges. The writes (`IPVSOperation`)
/// conform directly, so a large apply encodes each straight from the operation.
protocol NetlinkRequestEncodable {
    var command: UInt8 { get }
    var isDump: Bool { get }
    /// Puts the request's attributes.
    func putAttributes(into message: borrowing NetlinkMessage) throws(NetlinkError)
}

/// A request built from parts: the reads, and requests whose attributes a closure puts.
struct NetlinkRequest: NetlinkRequestEncodable {
    var command: UInt8
    var isDump: Bool
    var attributes: (borrowing NetlinkMessage) throws(NetlinkError) -> Void

    init(command: UInt8, isDump: Bool = false,
         attributes: @escaping (borrowing NetlinkMessage) throws(NetlinkError) -> Void = { (_: borrowing NetlinkMessage) throws(NetlinkError) in }) {
        self.command = command
        self.isDump = isDump
        self.attributes = attributes
    }

    func putAttributes(into message: borrowing NetlinkMessage) throws(NetlinkError) {
        try attributes(message)
    }
}

/// A data message received for a request: its generic-netlink command and top-level attributes.
/// Valid only inside the reply callback, like `AttributeTable`.
struct NetlinkReply {
    let command: UInt8
    let attributes: AttributeTable

    /// Reads a message body: the 4-byte `genlmsghdr` (command, version, reserved), then the
    /// attributes (IPVS has no family header).
    init(genericMessage body: UnsafeRawBufferPointer) throws(NetlinkError) {
        let headerSize = MemoryLayout<genlmsghdr>.size
        guard body.count >= headerSize else { throw .malformedReply("generic netlink message of \(body.count) bytes") }
        command = body[0]
        attributes = try AttributeTable(UnsafeRawBufferPointer(rebasing: body[headerSize...]))
    }
}

/// A generic-netlink socket: the adapter keeps one open for its life, and a full read opens
/// short-lived ones for the server dumps (`ServerDumps`).
///
/// Requests are *pipelined*: `exchange` puts a window of requests into one `sendmsg`, then
/// receives until every one of them is complete, matching replies to requests by sequence
/// number. A plain request is complete on its ACK or error; a dump on `NLMSG_DONE` or error.
/// The kernel handles the messages of one `sendmsg` in order, so a window behaves like the same
/// requests sent one by one, only with fewer system calls.
///
/// libnl opens the socket and resolves families; requests are written (`NetlinkMessage`) and
/// replies read by this type itself, each in one buffer reused for every window.
///
/// Not thread-safe (neither is libnl's socket): one owner, one thread.
final class NetlinkSocket {
    private let handle: OpaquePointer
    private let buffer: ReceiveBuffer
    /// The requests of the current window, written one after another (`NetlinkMessage`).
    private let outgoing: UnsafeMutableRawBufferPointer
    /// The largest number of requests in one window; bounded so that the replies of a window
    /// (an ACK, or for an error the request echoed back) fit the socket's receive buffer.
    let maximumWindow: Int

    private static let receiveBufferBytes: Int32 = 4 << 20
    /// Generous room per reply: an ACK is one small socket buffer (about 1 KiB of memory
    /// accounting, more with the echoed request of an error).
    private static let bytesPerReply = 4 << 10

    /// Opens a `NETLINK_GENERIC` socket. The family is resolved separately (`resolve`).
    ///
    /// - Parameter receiveSize: the largest datagram it receives (see `ReceiveBuffer`).
    init(receiveSize: Int = ReceiveBuffer.large) throws(NetlinkError) {
        buffer = ReceiveBuffer(size: receiveSize)
        guard let handle = nl_socket_alloc() else { throw .library(code: -NLE_NOMEM) }
        self.handle = handle
        let connected = genl_connect(handle)
        maximumWindow = connected < 0 ? 1 : max(1, min(64, Self.enlargeReceiveBuffer(handle) / Self.bytesPerReply))
        outgoing = .allocate(byteCount: maximumWindow * NetlinkMessage.capacity, alignment: MemoryLayout<nlmsghdr>.alignment)
        // deinit frees both.
        guard connected >= 0 else { throw .library(code: connected) }
    }

    deinit {
        nl_socket_free(handle)
        outgoing.deallocate()
    }

    /// The numeric id of a generic-netlink family, or nil when the kernel does not know it.
    func resolve(family name: String) -> Int32? {
        let id = genl_ctrl_resolve(handle, name)
        return id >= 0 ? id : nil
    }

    /// Sends `requests` to `family` in windows and returns each request's outcome, in the order
    /// given; nil for a request never sent.
    ///
    /// A window holds up to `maximumWindow` requests and at most one dump, which closes it: a
    /// socket runs one dump at a time (a second one gets `EBUSY`), and an IPVS dump always
    /// needs a second round, triggered by reading the first, before it ends. Dumps therefore
    /// go one by one, while plain requests (all writes) share windows.
    ///
    /// - Parameters:
    ///   - stopAfterFailure: send no further window once a request has failed (requests of the
    ///     window already sent are still carried out by the kernel and reported).
    ///   - onReply: called for each data message with the index of its request; an error it
    ///     throws becomes that request's outcome.
    func exchange<Request: NetlinkRequestEncodable>(
        family: Int32, _ requests: [Request], stopAfterFailure: Bool = false,
        onReply: (Int, NetlinkReply) throws(NetlinkError) -> Void = { (_, _) throws(NetlinkError) in }
    ) -> [Result<Void, NetlinkError>?] {
        var outcomes = [Result<Void, NetlinkError>?](repeating: nil, count: requests.count)
        var start = requests.startIndex
        while start < requests.endIndex {
            var end = start
            repeat {
                end += 1
            } while end < requests.endIndex && end - start < maximumWindow && !requests[end - 1].isDump
            run(family: family, requests[start..<end], outcomes: &outcomes, onReply: onReply)
            if stopAfterFailure && outcomes[start..<end].contains(where: { if case .failure? = $0 { true } else { false } }) {
                break
            }
            start = end
        }
        return outcomes
    }

    /// Sends one window in a single `sendmsg`, receives until all of it is complete and sets
    /// its requests' `outcomes`. The window's sequence numbers are consecutive, so a reply's
    /// sequence number gives the position of its request.
    ///
    /// Only the window's last request asks for an ACK. The kernel carries out a window's
    /// requests in order and reports every failure whether asked or not, so any reply to a
    /// later request completes the earlier ones that reported nothing: they succeeded. One
    /// ACK per window instead of one per request spares the kernel a message to build and
    /// this socket a receive for each write.
    private func run<Request: NetlinkRequestEncodable>(
        family: Int32, _ window: ArraySlice<Request>, outcomes: inout [Result<Void, NetlinkError>?],
        onReply: (Int, NetlinkReply) throws(NetlinkError) -> Void
    ) {
        var used = 0
        // Bit i: the window's i-th request is complete (a window holds at most 64).
        var complete: UInt64 = 0
        var remaining = window.count
        let port = nl_socket_get_local_port(handle)
        let firstSequence = nl_socket_use_seq(handle)
        for (position, request) in window.enumerated() {
            let sequence = position == 0 ? firstSequence : nl_socket_use_seq(handle)
            let flags = NLM_F_REQUEST | (request.isDump ? NLM_F_DUMP : position == window.count - 1 ? NLM_F_ACK : 0)
            let message = NetlinkMessage(at: outgoing.baseAddress! + used, family: family, command: request.command,
                                         version: UInt8(IPVS_GENL_VERSION), flags: flags, sequence: sequence, port: port)
            do throws(NetlinkError) {
                try request.putAttributes(into: message)
                used += message.length
            } catch {
                outcomes[window.startIndex + position] = .failure(error)
                complete |= 1 << position
                remaining -= 1
            }
        }

        /// Sets a request's outcome, unless its replies already failed it.
        func finish(_ position: Int, _ result: Result<Void, NetlinkError>) {
            guard complete & (1 << position) == 0 else { return }
            complete |= 1 << position
            remaining -= 1
            if case .failure? = outcomes[window.startIndex + position] { return }
            outcomes[window.startIndex + position] = result
        }
        func failAll(_ error: NetlinkError) {
            for position in 0..<window.count { finish(position, .failure(error)) }
        }

        /// Completes a request on its ACK, error or `NLMSG_DONE`, and the silent ones before it;
        /// hands data messages to `onReply`.
        func process(_ reply: ReceivedMessage) {
            let position = Int(reply.sequence &- firstSequence)
            guard position < window.count, complete & (1 << position) == 0 else { return }  // a stale reply
            var silent = (UInt64(1) << position &- 1) & ~complete
            while silent != 0 {
                finish(silent.trailingZeroBitCount, .success(()))
                silent &= silent &- 1
            }
            switch Int32(reply.type) {
            case NLMSG_ERROR:
                // nlmsgerr: the errno (negative; 0 for an ACK), then the request's header.
                let error = reply.body.count >= 4 ? reply.body.loadUnaligned(as: Int32.self) : -EPROTO
                finish(position, error == 0 ? .success(()) : .failure(.kernel(errno: -error)))
            case NLMSG_DONE:
                // The dump's final status: 0, or a negative errno when it failed midway.
                let status = reply.body.count >= 4 ? reply.body.loadUnaligned(as: Int32.self) : 0
                finish(position, status == 0 ? .success(()) : .failure(.kernel(errno: -status)))
            case ..<NLMSG_MIN_TYPE:
                break  // NOOP and OVERRUN carry nothing for a request
            default:
                do throws(NetlinkError) {
                    try onReply(window.startIndex + position, NetlinkReply(genericMessage: reply.body))
                } catch {
                    if outcomes[window.startIndex + position] == nil { outcomes[window.startIndex + position] = .failure(error) }
                }
            }
        }

        if remaining > 0 {
            let sent = nl_sendto(handle, outgoing.baseAddress, used)
            if sent < 0 { failAll(.library(code: sent)) }
        }
        let descriptor = nl_socket_get_fd(handle)
        while remaining > 0 {
            do throws(NetlinkError) {
                try buffer.receive(from: descriptor) { (datagram) throws(NetlinkError) in
                    try ReceivedMessage.forEach(in: datagram, process)
                }
            } catch {
                failAll(error)
            }
        }
    }

    /// Asks for a large receive buffer (beyond `rmem_max` when privileged) and returns what the
    /// kernel granted.
    private static func enlargeReceiveBuffer(_ handle: OpaquePointer) -> Int {
        let descriptor = nl_socket_get_fd(handle)
        var size = receiveBufferBytes
        if setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var granted: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &granted, &length)
        return Int(granted)
    }
}
