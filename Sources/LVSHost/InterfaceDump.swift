internal import CNetlink
internal import Glibc
import LVSModel

/// This network namespace's devices and their addresses, read over rtnetlink: the two dumps
/// `ip -d link show` and `ip address show` make, read the way iproute2 reads them. Two `ip`
/// processes cost a director's `plan` and `apply` (and the check after it) about 0.3 s of CPU
/// in the test VM; the dumps cost a few milliseconds.
enum InterfaceDump {
    /// Every device by name: its kind (`IFLA_INFO_KIND`, empty for plain devices such as `lo`),
    /// alias, and whether it is administratively up (`IFF_UP`; the operational state of `lo`
    /// and of tunnels is UNKNOWN even when they work). Every address by device name, devices
    /// without any included; the address is `IFA_LOCAL`, or `IFA_ADDRESS` where there is none
    /// (IPv6), as iproute2 shows it.
    static func read() throws(HostError) -> (devices: [String: HostSnapshot.Device], addresses: [String: [InterfaceAddress]]) {
        let socket = try RouteSocket()
        var devices: [String: HostSnapshot.Device] = [:]
        var names: [Int32: String] = [:]
        var addresses: [String: [InterfaceAddress]] = [:]
        var link = ifinfomsg()
        link.ifi_family = UInt8(AF_UNSPEC)
        try socket.dump(Int32(RTM_GETLINK), header: link, replies: Int32(RTM_NEWLINK), maxAttribute: __IFLA_MAX - 1,
                        action: "listing network devices over rtnetlink") { info, attributes throws(HostError) in
            guard let name = attributes[IFLA_IFNAME].flatMap(string) else { return }
            var kind = ""
            if let linkInfo = attributes[IFLA_LINKINFO] {
                var nested = [UnsafeMutablePointer<nlattr>?](repeating: nil, count: __IFLA_INFO_MAX)
                if nla_parse_nested(&nested, Int32(__IFLA_INFO_MAX - 1), linkInfo, nil) >= 0 {
                    kind = nested[IFLA_INFO_KIND].flatMap(string) ?? ""
                }
            }
            let alias = attributes[IFLA_IFALIAS].flatMap(string)
            devices[name] = HostSnapshot.Device(kind: kind, alias: alias, isUp: info.ifi_flags & UInt32(IFF_UP) != 0)
            names[info.ifi_index] = name
            addresses[name] = []
        }
        var address = ifaddrmsg()
        address.ifa_family = UInt8(AF_UNSPEC)
        try socket.dump(Int32(RTM_GETADDR), header: address, replies: Int32(RTM_NEWADDR), maxAttribute: Int(__IFA_MAX) - 1,
                        action: "listing addresses over rtnetlink") { info, attributes throws(HostError) in
            guard let name = names[Int32(bitPattern: info.ifa_index)],
                  let attribute = attributes[Int(IFA_LOCAL)] ?? attributes[Int(IFA_ADDRESS)],
                  let value = IPAddress(bytes: UnsafeRawBufferPointer(start: nla_data(attribute), count: Int(nla_len(attribute))))
            else { return }
            addresses[name, default: []].append(InterfaceAddress(value, prefixLength: Int(info.ifa_prefixlen)))
        }
        return (devices, addresses)
    }

    /// A string attribute's text, without its terminating NUL.
    private static func string(_ attribute: UnsafeMutablePointer<nlattr>) -> String? {
        let bytes = UnsafeRawBufferPointer(start: nla_data(attribute), count: Int(nla_len(attribute)))
        let text = bytes.prefix { $0 != 0 }
        return text.isEmpty ? nil : String(decoding: text, as: UTF8.self)
    }
}
