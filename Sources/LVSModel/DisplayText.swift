/// Text that came from input (a name, a file name, a line of a snapshot) as it may be shown to a
/// person or written into a script comment. A newline in a name could otherwise forge a line of
/// a plan, end a `#` comment in a shell script, or a terminal escape erase what the operator is
/// asked to confirm; so control and bidirectional-formatting characters are written as escapes.
public enum DisplayText {
    /// Longer input is cut, so that one hostile value cannot flood a terminal or a log.
    public static let maximumLength = 1_000

    /// `text` with every character `isAllowed` refuses written as `\n`, `\t`, `\r` or
    /// `\u{XXXX}`, and cut after `limit` bytes with `…`. Printable ASCII, which nearly every
    /// value is, comes back as it is without a copy.
    public static func escaped(_ text: String, limit: Int = maximumLength) -> String {
        if text.utf8.count <= limit, text.utf8.allSatisfy({ (0x20..<0x7F).contains($0) }) { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard out.utf8.count < limit else {
                out += "…"
                break
            }
            guard !isAllowed(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }

    /// Whether `scalar` shows as itself: not a control character (C0, DEL, C1), not a line or
    /// paragraph separator, and not one of the bidirectional marks that reorder what a terminal
    /// shows around them.
    public static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F..<0xA0: false
        case 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: false
        default: true
        }
    }

    /// Whether all of `text` shows as itself (see `isAllowed`).
    public static func isPrintable(_ text: String) -> Bool {
        text.utf8.allSatisfy { (0x20..<0x7F).contains($0) } || text.unicodeScalars.allSatisfy(isAllowed)
    }
}
