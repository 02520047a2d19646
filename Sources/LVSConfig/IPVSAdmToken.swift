/// One blank-separated word of an ipvsadm line, with where it starts so that a diagnostic
/// can point at exactly the word that is wrong.
struct IPVSAdmToken: Hashable, Sendable {
    var text: String
    var location: SourceLocation

    /// The part of the word from character `offset` on, located where that part starts:
    /// used to point into `--tun-port=0` or into one name of `-b sh-fallback,bad`.
    func suffix(from offset: Int) -> IPVSAdmToken {
        IPVSAdmToken(text: String(text.unicodeScalars.dropFirst(offset)),
                     location: SourceLocation(line: location.line, column: location.column + offset))
    }

    /// Splits text into lines of words the way `ipvsadm -R` does: blanks and tabs separate words,
    /// and lines without words are left out. Beyond it, `#` starts a comment that runs to the
    /// end of the line: ipvsadm 1.31 refuses comments, but restore files kept by hand carry
    /// them (and the scripts that feed them to `ipvsadm -R` strip them). Columns count Unicode
    /// scalars from 1.
    static func lines(of text: String) -> [IPVSAdmLine] {
        var lines: [IPVSAdmLine] = []
        var words: [IPVSAdmToken] = []
        var unprintable: IPVSAdmLine.Unprintable?
        var word = String.UnicodeScalarView()
        var start = SourceLocation(line: 1, column: 1)
        var line = 1, column = 0
        var inComment = false

        func endWord() {
            if !word.isEmpty { words.append(IPVSAdmToken(text: String(word), location: start)) }
            word = String.UnicodeScalarView()
        }

        for scalar in text.unicodeScalars {
            column += 1
            switch scalar {
            case "\n":
                endWord()
                if !words.isEmpty { lines.append(IPVSAdmLine(words: words, unprintable: unprintable)) }
                words = []
                unprintable = nil
                inComment = false
                line += 1
                column = 0
            case _ where inComment:
                continue
            case "#":
                endWord()
                inComment = true
            case " ", "\t", "\r":
                endWord()
            default:
                if word.isEmpty { start = SourceLocation(line: line, column: column) }
                if unprintable == nil, !(0x21...0x7E).contains(scalar.value) {
                    unprintable = IPVSAdmLine.Unprintable(location: SourceLocation(line: line, column: column), scalar: scalar)
                }
                word.append(scalar)
            }
        }
        endWord()
        if !words.isEmpty { lines.append(IPVSAdmLine(words: words, unprintable: unprintable)) }
        return lines
    }
}

/// The words of one line, and the first character in them that is not printable ASCII.
/// Every word ipvsadm writes (addresses, numbers, names) is printable ASCII; anything else,
/// a NUL or a terminal escape above all, is refused where it stands rather than cut off,
/// read past or echoed in a message.
struct IPVSAdmLine {
    struct Unprintable {
        var location: SourceLocation
        var scalar: Unicode.Scalar

        /// `U+001B (a control character)`: the character named, never written out.
        var name: String {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            return scalar.properties.generalCategory == .control ? "\(code) (a control character)" : code
        }
    }

    var words: [IPVSAdmToken]
    var unprintable: Unprintable?
}
