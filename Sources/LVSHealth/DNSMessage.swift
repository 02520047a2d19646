/// The two ends of a DNS check, written and read by hand (RFC 1035): a query of one question,
/// and the header of its reply. Replies are untrusted bytes: every read is bounds-checked and
/// nothing past the header is needed.
enum DNSMessage {
    /// A recursive query for `name` of `type`, class IN; nil when `name` is not a valid domain
    /// name (an empty label, a label over 63 bytes, a name over 255).
    static func query(id: UInt16, name: String, type: UInt16) -> [UInt8]? {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        if !trimmed.isEmpty {
            for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
                let utf8 = Array(label.utf8)
                guard (1...63).contains(utf8.count) else { return nil }
                bytes.append(UInt8(utf8.count))
                bytes += utf8
            }
        }
        bytes.append(0)
        guard bytes.count - 12 <= 255 else { return nil }
        bytes += [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        return bytes
    }

    /// What a reply's header says.
    struct Reply: Equatable {
        var id: UInt16
        var isResponse: Bool
        var rcode: UInt8
        var answers: UInt16
    }

    /// The header of `bytes`, or nil when there are fewer than 12.
    static func reply(_ bytes: some Collection<UInt8>) -> Reply? {
        let header = Array(bytes.prefix(12))
        guard header.count == 12 else { return nil }
        return Reply(id: UInt16(header[0]) << 8 | UInt16(header[1]),
                     isResponse: header[2] & 0x80 != 0,
                     rcode: header[3] & 0x0F,
                     answers: UInt16(header[6]) << 8 | UInt16(header[7]))
    }

    /// The verdict on `reply` to a query with `id` expecting `rcode`; nil when it is not a reply
    /// to that query (another ID, or a query), which is ignored as a stray datagram would be.
    static func judge(_ reply: Reply, id: UInt16, rcode: UInt8) -> (success: Bool, reason: String)? {
        guard reply.id == id, reply.isResponse else { return nil }
        guard reply.rcode == rcode else { return (false, "rcode \(rcodeName(reply.rcode))") }
        if rcode == 0, reply.answers == 0 { return (false, "rcode NOERROR without an answer") }
        return (true, "rcode \(rcodeName(reply.rcode))")
    }

    static func rcodeName(_ rcode: UInt8) -> String {
        switch rcode {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        default: "\(rcode)"
        }
    }
}
