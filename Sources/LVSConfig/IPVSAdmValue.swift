import LVSModel

/// Readers and writers for the values inside ipvsadm words: numbers, `ADDRESS:PORT` and netmasks.
enum IPVSAdmValue {
    /// A decimal number in `range`.
    static func number<T: FixedWidthInteger>(_ token: IPVSAdmToken, _ what: String,
                                             in range: ClosedRange<T>) throws(IPVSAdmLineError) -> T {
        guard let value = T(token.text), range.contains(value) else {
            throw IPVSAdmLineError(token, "\(what) '\(token.text)' is not valid; use a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A firewall mark. Stock ipvsadm 1.31 prints marks with `%d`, so marks of 2^31 and above
    /// come back negative; they are taken modulo 2^32.
    static func fwmark(_ token: IPVSAdmToken) throws(IPVSAdmLineError) -> UInt32 {
        guard let value = Int64(token.text), (-(Int64(1) << 31)...Int64(UInt32.max)).contains(value), value != 0 else {
            throw IPVSAdmLineError(token, "firewall mark '\(token.text)' is not valid; use a whole number from 1 to \(UInt32.max) (0 means 'no mark')")
        }
        return UInt32(truncatingIfNeeded: value)
    }

    /// `ADDRESS`, `ADDRESS:PORT` or `[IPv6]:PORT`, read as ipvsadm's `parse_service` reads them:
    /// a bare IPv6 address has no port, and a port may be a name that `IPVSAdmPortNames` knows
    /// under `proto`. The port is nil where none is written.
    static func endpoint(_ token: IPVSAdmToken, _ what: String,
                         protocol proto: IPProtocol) throws(IPVSAdmLineError) -> (address: IPAddress, port: UInt16?) {
        let text = token.text
        let host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw IPVSAdmLineError(token, "\(what) '\(text)' lacks the closing ']'; write [2001:db8::1]:80")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[close...].dropFirst()
            guard rest.hasPrefix(":"), rest.count > 1 else {
                throw IPVSAdmLineError(token, "\(what) '\(text)': a bracketed address must be followed by ':PORT', like [2001:db8::1]:80")
            }
            portText = rest.dropFirst()
            guard IPAddress(String(host))?.family == .ipv6 else {
                throw IPVSAdmLineError(token, "\(what) '\(host)' in brackets is not an IPv6 address; brackets are only for IPv6")
            }
        } else if let address = IPAddress(text), address.family == .ipv6 {
            return (address, nil)
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text[...]
        }
        guard let address = IPAddress(String(host)) else {
            let isName = host.contains { $0.isLetter } && !host.contains(":")
            throw IPVSAdmLineError(token, "\(what) '\(host)' is not an IP address"
                + (isName ? "; host names are not resolved: save or list the table with -n (ipvsadm -Sn, ipvsadm -Ln)"
                          : "; write 192.0.2.10:80 or [2001:db8::10]:80"))
        }
        guard let portText else { return (address, nil) }
        let portToken = token.suffix(from: text.unicodeScalars.count - portText.unicodeScalars.count)
        if let port = UInt16(portText) ?? IPVSAdmPortNames.port(named: String(portText), protocol: proto) {
            return (address, port)
        }
        throw IPVSAdmLineError(portToken, portText.contains { $0.isLetter }
            ? "port '\(portText)' is not a \(proto) service name in lvsctl's built-in copy of Debian's /etc/services; write the number, or save or list the table with -n"
            : "port '\(portText)' is not a number from 0 to 65535")
    }

    /// A persistence engine the kernel has (`--pe`, or `pe` in a listing): the config accepts
    /// no other, so neither does an import.
    static func persistenceEngine(_ token: IPVSAdmToken) throws(IPVSAdmLineError) -> String {
        guard Persistence.mainlineEngines.contains(token.text) else {
            throw IPVSAdmLineError(token, "unknown persistence engine '\(token.text)'\(Suggestion.phrase(for: token.text, in: Persistence.mainlineEngines)); the kernel has: \(Persistence.mainlineEngines.joined(separator: ", "))")
        }
        return token.text
    }

    /// The persistence netmask as a prefix length: a dotted mask for IPv4 services, a prefix
    /// length for IPv6 ones, as ipvsadm reads `-M`.
    static func netmaskLength(_ token: IPVSAdmToken, family: AddressFamily) throws(IPVSAdmLineError) -> Int {
        if family == .ipv6 { return try number(token, "IPv6 netmask prefix length", in: 1...128) }
        guard let value = IPAddress(token.text)?.ipv4Value else {
            throw IPVSAdmLineError(token, "netmask '\(token.text)' is not a dotted IPv4 netmask; write one like 255.255.255.0"
                + (Int(token.text) != nil ? " (a prefix length is only for IPv6 services)" : ""))
        }
        let length = (~value).leadingZeroBitCount
        guard value == ipv4Netmask(length: length) else {
            throw IPVSAdmLineError(token, "netmask \(token.text) is not contiguous (ones, then zeros); write one like 255.255.255.0")
        }
        return length
    }

    /// The IPv4 netmask with `length` leading ones.
    static func ipv4Netmask(length: Int) -> UInt32 {
        length <= 0 ? 0 : UInt32.max << UInt32(32 - min(length, 32))
    }

    /// `-M`'s value: a dotted mask for IPv4, a prefix length for IPv6.
    static func netmaskText(length: Int, family: AddressFamily) -> String {
        family == .ipv6 ? "\(length)" : IPAddress(ipv4: ipv4Netmask(length: length)).description
    }

    /// `192.0.2.10:80` or `[2001:db8::10]:80`.
    static func endpointText(_ address: IPAddress, _ port: UInt16) -> String { "\(address.bracketed):\(port)" }
}
