internal import CNetlink
internal import Glibc

/// A request for one generic-netlink command: a dump (`NLM_F_DUMP`, ends with `NLMSG_DONE`) or
/// a plain request that the kernel acknowledges.
struct NetlinkRequest {
    var command: UInt8
    var isDump: Bool
    /// Puts the request's attributes.
    var attributes: (borrowing NetlinkMessage) throws(NetlinkError) -> Void

    init(command: UInt8, isDump: Bool = false,
         attributes: @escaping (borrowing NetlinkMessage) throws(NetlinkError) -> Void = { (_: borrowing NetlinkMessage) throws(NetlinkError) in }) {
        self.command = command
        self.isDump = isDump
        self.attributes = attributes
    }
}

/// A data message received for a request: its generic-netlink command and top-level attributes.
struct NetlinkReply {
    let command: UInt8
    let attributes: AttributeTable
}

/// A generic-netlink socket for one family, kept open for the life of the adapter.
///
/// Requests are *pipelined*: `exchange` puts a window of requests into one `sendmsg`, then
/// receives until every one of them is complete, matching replies to requests by sequence
/// number (libnl's own sequence check assumes one request at a time and is switched off).
/// A plain request is complete on its ACK or error; a dump on `NLMSG_DONE` or error. The kernel
/// handles the messages of one `sendmsg` in order, so a window behaves like the same requests
/// sent one by one, only with fewer system calls.
///
/// Not thread-safe (neither is libnl's socket): one owner, one thread.
final class NetlinkSocket {
    private let handle: OpaquePointer
    private let callbacks: OpaquePointer
    /// The largest number of requests in one window; bounded so that the replies of a window
    /// (an ACK, or for an error the request echoed back) fit the socket's receive buffer.
    let maximumWindow: Int
    /// The state of the window being received; nil between exchanges.
    private var round: Round?

    private static let receiveBufferBytes: Int32 = 4 << 20
    /// Generous room per reply: an ACK is one small socket buffer (about 1 KiB of memory
    /// accounting, more with the echoed request of an error).
    private static let bytesPerReply = 4 << 10
    private static let messageBufferBytes = 32 << 10

    /// What the receive callbacks fill in for the current window.
    private struct Round {
        /// Sequence number → index of the request in the caller's array.
        var pending: [UInt32: Int]
        var results: [Int: Result<Void, NetlinkError>] = [:]
        let onReply: (Int, NetlinkReply) throws(NetlinkError) -> Void

        mutating func complete(_ sequence: UInt32, _ result: Result<Void, NetlinkError>) {
            guard let index = pending.removeValue(forKey: sequence) else { return }
            if case .failure = results[index] { return }
            results[index] = result
        }
    }

    /// Opens a `NETLINK_GENERIC` socket. The family is resolved separately (`resolve`).
    init() throws(NetlinkError) {
        guard let handle = nl_socket_alloc() else { throw .library(code: -NLE_NOMEM) }
        guard let callbacks = nl_cb_alloc(NL_CB_DEFAULT) else {
            nl_socket_free(handle)
            throw .library(code: -NLE_NOMEM)
        }
        self.handle = handle
        self.callbacks = callbacks
        let connected = genl_connect(handle)
        guard connected >= 0 else {
            // deinit frees both handles.
            maximumWindow = 1
            throw .library(code: connected)
        }
        nl_socket_disable_msg_peek(handle)
        _ = nl_socket_set_msg_buf_size(handle, Self.messageBufferBytes)
        maximumWindow = max(1, min(64, Self.enlargeReceiveBuffer(handle) / Self.bytesPerReply))
        installCallbacks()
    }

    deinit {
        nl_cb_put(callbacks)
        nl_socket_free(handle)
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
    func exchange(family: Int32, _ requests: [NetlinkRequest], stopAfterFailure: Bool = false,
                  onReply: (Int, NetlinkReply) throws(NetlinkError) -> Void = { (_, _) throws(NetlinkError) in })
        -> [Result<Void, NetlinkError>?]
    {
        var outcomes = [Result<Void, NetlinkError>?](repeating: nil, count: requests.count)
        var start = requests.startIndex
        withoutActuallyEscaping(onReply) { onReply in
            while start < requests.endIndex {
                var end = start
                repeat {
                    end += 1
                } while end < requests.endIndex && end - start < maximumWindow && !requests[end - 1].isDump
                let results = run(family: family, (start..<end).map { ($0, requests[$0]) }, onReply: onReply)
                for (index, result) in results { outcomes[index] = result }
                start = end
                if stopAfterFailure && results.values.contains(where: { if case .failure = $0 { true } else { false } }) {
                    break
                }
            }
        }
        return outcomes
    }

    /// Sends one window in a single `sendmsg` and receives until all of it is complete.
    private func run(family: Int32, _ window: [(Int, NetlinkRequest)],
                     onReply: @escaping (Int, NetlinkReply) throws(NetlinkError) -> Void) -> [Int: Result<Void, NetlinkError>]
    {
        var buffer: [UInt8] = []
        var pending: [UInt32: Int] = [:]
        var results: [Int: Result<Void, NetlinkError>] = [:]
        let port = nl_socket_get_local_port(handle)
        for (index, request) in window {
            let sequence = nl_socket_use_seq(handle)
            let flags = NLM_F_REQUEST | (request.isDump ? NLM_F_DUMP : NLM_F_ACK)
            do throws(NetlinkError) {
                let message = try NetlinkMessage(family: family, command: request.command, version: UInt8(IPVS_GENL_VERSION),
                                                 flags: flags, sequence: sequence, port: port)
                try request.attributes(message)
                message.append(to: &buffer)
                pending[sequence] = index
            } catch {
                results[index] = .failure(error)
            }
        }
        guard !pending.isEmpty else { return results }
        round = Round(pending: pending, results: results, onReply: onReply)
        defer { round = nil }
        let sent = buffer.withUnsafeMutableBytes { nl_sendto(handle, $0.baseAddress, $0.count) }
        if sent < 0 {
            for index in pending.values { round!.results[index] = .failure(.library(code: sent)) }
            return round!.results
        }
        while !round!.pending.isEmpty {
            let received = nl_recvmsgs(handle, callbacks)
            if received < 0 {
                for sequence in Array(round!.pending.keys) { round!.complete(sequence, .failure(.library(code: received))) }
            }
        }
        return round!.results
    }

    // MARK: - Receive callbacks

    /// Called by the C callbacks with the socket they were registered for.
    fileprivate func received(data message: OpaquePointer) {
        let header = nlmsg_hdr(message)!
        let sequence = header.pointee.nlmsg_seq
        guard let index = round?.pending[sequence] else { return }
        do throws(NetlinkError) {
            let command = genlmsg_hdr(header)!.pointee.cmd
            let attributes = try AttributeTable(message: header, maxType: Int32(__IPVS_CMD_ATTR_MAX - 1))
            try round!.onReply(index, NetlinkReply(command: command, attributes: attributes))
        } catch {
            if round!.results[index] == nil { round!.results[index] = .failure(error) }
        }
    }

    fileprivate func received(end message: OpaquePointer) {
        round?.complete(nlmsg_hdr(message)!.pointee.nlmsg_seq, .success(()))
    }

    fileprivate func received(error: nlmsgerr) {
        round?.complete(error.msg.nlmsg_seq, .failure(.kernel(errno: -error.error)))
    }

    private func installCallbacks() {
        let context = Unmanaged.passUnretained(self).toOpaque()
        nl_cb_set(callbacks, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, { _, _ in Int32(NL_OK.rawValue) }, nil)
        nl_cb_set(callbacks, NL_CB_VALID, NL_CB_CUSTOM, { message, context in
            Unmanaged<NetlinkSocket>.fromOpaque(context!).takeUnretainedValue().received(data: message!)
            return Int32(NL_OK.rawValue)
        }, context)
        // NL_OK (not libnl's default NL_STOP) so that the other messages of the datagram,
        // which may belong to other requests of the window, are still processed.
        let end: nl_recvmsg_msg_cb_t = { message, context in
            Unmanaged<NetlinkSocket>.fromOpaque(context!).takeUnretainedValue().received(end: message!)
            return Int32(NL_OK.rawValue)
        }
        nl_cb_set(callbacks, NL_CB_ACK, NL_CB_CUSTOM, end, context)
        nl_cb_set(callbacks, NL_CB_FINISH, NL_CB_CUSTOM, end, context)
        // Our own error callback keeps the kernel's raw errno (libnl's translation would merge
        // ESRCH and ENOENT) and returns NL_OK to carry on with the rest of the datagram.
        nl_cb_err(callbacks, NL_CB_CUSTOM, { _, error, context in
            Unmanaged<NetlinkSocket>.fromOpaque(context!).takeUnretainedValue().received(error: error!.pointee)
            return Int32(NL_OK.rawValue)
        }, context)
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
