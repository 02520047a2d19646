internal import CNetlink
internal import Glibc
import LVSModel

/// An rtnetlink socket: adds and removes interface addresses, and dumps devices and addresses
/// (`InterfaceDump`). A director with hundreds of VIPs would otherwise start an `ip` process
/// for each (about 0.1 s apiece in the test VM: most of a large apply). The address requests
/// are the ones `ip address replace|del ADDR/LEN dev DEV [nodad]` sends, the commands
/// `HostCommands` gives scripts and error messages.
final class RouteSocket {
    private let handle: OpaquePointer

    init() throws(HostError) {
        guard let handle = nl_socket_alloc() else {
            throw HostError(action: "opening an rtnetlink socket", message: "out of memory")
        }
        self.handle = handle
        let connected = nl_connect(handle, NETLINK_ROUTE)
        guard connected >= 0 else {
            throw HostError(action: "opening an rtnetlink socket", message: String(cString: nl_geterror(connected)))
        }
    }

    deinit { nl_socket_free(handle) }

    /// Adds the address, or leaves it as it is when present. IPv6 addresses skip duplicate
    /// address detection: a VIP is on many hosts by design.
    func replace(_ address: IPAddress, prefixLength: Int, device: String) throws(HostError) {
        try send(Int32(RTM_NEWADDR), flags: NLM_F_CREATE | NLM_F_REPLACE, address, prefixLength, device,
                 command: HostCommands.replaceAddress(address, prefixLength: prefixLength, device: device))
    }

    func delete(_ address: IPAddress, prefixLength: Int, device: String) throws(HostError) {
        try send(Int32(RTM_DELADDR), flags: 0, address, prefixLength, device,
                 command: HostCommands.deleteAddress(address, prefixLength: prefixLength, device: device))
    }

    /// Sends one address request and waits for its acknowledgement.
    private func send(_ type: Int32, flags: Int32, _ address: IPAddress, _ prefixLength: Int, _ device: String,
                      command: [String]) throws(HostError) {
        let action = (["ip"] + command).joined(separator: " ")
        let index = if_nametoindex(device)
        guard index != 0 else { throw HostError(action: action, message: "there is no device \(device)") }
        guard let message = nlmsg_alloc_simple(type, flags | NLM_F_REQUEST | NLM_F_ACK) else {
            throw HostError(action: action, message: "out of memory")
        }
        defer { nlmsg_free(message) }
        let family = address.family == .ipv4 ? AF_INET : AF_INET6
        var header = ifaddrmsg(ifa_family: UInt8(family), ifa_prefixlen: UInt8(prefixLength),
                               ifa_flags: address.family == .ipv6 ? UInt8(IFA_F_NODAD) : 0,
                               ifa_scope: UInt8(RT_SCOPE_UNIVERSE.rawValue), ifa_index: index)
        var result = nlmsg_append(message, &header, MemoryLayout<ifaddrmsg>.size, Int32(NLMSG_ALIGNTO))
        address.withNetworkBytes { bytes in
            for attribute in [IFA_LOCAL, IFA_ADDRESS] where result >= 0 {
                result = nla_put(message, Int32(attribute), Int32(bytes.count), bytes.baseAddress)
            }
        }
        if result >= 0 { result = nl_send_auto(handle, message) }
        if result >= 0 { result = nl_wait_for_ack(handle) }
        guard result >= 0 else {
            let said = String(cString: nl_geterror(result))
            throw HostError(action: action, message: HostErrorWording.explain(said, status: 1))
        }
    }

    /// Sends a dump request of `type` with its family `header`, and hands each reply of type
    /// `replyType` to `body` as its own family header and its attributes indexed by type (up to
    /// `maxAttribute`), until `NLMSG_DONE`; an `NLMSG_ERROR` ends it with the kernel's errno.
    func dump<Header: BitwiseCopyable>(_ type: Int32, header: Header, replies replyType: Int32, maxAttribute: Int,
                                       action: String,
                                       _ body: (Header, [UnsafeMutablePointer<nlattr>?]) throws(HostError) -> Void) throws(HostError) {
        var request = header
        let sent = nl_send_simple(handle, type, NLM_F_DUMP, &request, MemoryLayout<Header>.size)
        guard sent >= 0 else { throw HostError(action: action, message: String(cString: nl_geterror(sent))) }
        while true {
            var peer = sockaddr_nl()
            var buffer: UnsafeMutablePointer<UInt8>?
            let received = nl_recv(handle, &peer, &buffer, nil)
            defer { free(buffer) }
            guard received > 0, let buffer else {
                throw HostError(action: action, message: received < 0 ? String(cString: nl_geterror(received)) : "the kernel closed the dump")
            }
            var remaining = received
            var message: UnsafeMutablePointer<nlmsghdr>? = UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: nlmsghdr.self)
            while let current = message, nlmsg_ok(current, remaining) != 0 {
                switch Int32(current.pointee.nlmsg_type) {
                case NLMSG_DONE:
                    return
                case NLMSG_ERROR:
                    let error = nlmsg_data(current).load(as: Int32.self)
                    if error != 0 { throw HostError(action: action, message: String(cString: strerror(-error))) }
                case replyType:
                    var attributes = [UnsafeMutablePointer<nlattr>?](repeating: nil, count: maxAttribute + 1)
                    let parsed = nlmsg_parse(current, Int32(MemoryLayout<Header>.size), &attributes, Int32(maxAttribute), nil)
                    guard parsed >= 0 else {
                        throw HostError(action: action, message: "malformed rtnetlink reply: \(String(cString: nl_geterror(parsed)))")
                    }
                    try body(nlmsg_data(current).load(as: Header.self), attributes)
                default:
                    break
                }
                message = nlmsg_next(current, &remaining)
            }
        }
    }
}
