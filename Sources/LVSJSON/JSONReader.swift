public import LVSConfig
import LVSModel

/// A JSON value as read from a file, with where it starts: every document lvsctl reads back
/// (snapshots, plan files) is untrusted, and each refusal names FILE:LINE:COLUMN.
public struct JSONNode: Sendable {
    public enum Value: Sendable {
        case null
        case bool(Bool)
        /// The number as written; readers convert it to the type they expect.
        case number(String)
        case string(String)
        case array([JSONNode])
        /// Members in file order; keys are unique.
        case object([JSONMember])
    }

    public var value: Value
    public var location: SourceLocation
    /// The node's bytes in the input.
    public var range: Range<Int>
}

/// One `"key": value` of an object.
public struct JSONMember: Sendable {
    public var key: String
    public var keyLocation: SourceLocation
    public var value: JSONNode
}

/// A JSON document that cannot be read, or that says something lvsctl refuses, and where.
public struct JSONDocumentError: Error, Hashable, Sendable {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    /// As a diagnostic of `file`, for printing like every other located error.
    public func diagnostic(file: String) -> Diagnostic { Diagnostic(.error, file: file, at: location, message) }
}

/// Reads JSON (RFC 8259) into `JSONNode`s: a leading UTF-8 byte-order mark is skipped, repeated
/// keys and raw control characters are refused, and nesting is bounded so that no input
/// exhausts the stack. Time and memory grow linearly with the input.
public struct JSONReader {
    /// lvsctl's documents nest about eight levels; a hundred leaves room and bounds recursion.
    public static let depthLimit = 100

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0

    public static func read(_ bytes: [UInt8]) throws(JSONDocumentError) -> JSONNode {
        var reader = JSONReader(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            reader.index = 3
            reader.lineStart = 3
        }
        reader.skipWhitespace()
        let root = try reader.value()
        reader.skipWhitespace()
        guard reader.index == bytes.count else { throw reader.error("unexpected text after the JSON document") }
        return root
    }

    /// Whether `bytes` hold JSON rather than another format: the first character, after a
    /// byte-order mark and white space, opens an object.
    public static func looksLikeObject(_ bytes: [UInt8]) -> Bool {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        return body.first { !" \t\r\n".utf8.contains($0) } == UInt8(ascii: "{")
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var location: SourceLocation { SourceLocation(line: line, column: index - lineStart + 1) }

    private func error(_ message: String) -> JSONDocumentError { JSONDocumentError(location, message) }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): index += 1
            case UInt8(ascii: "\n"):
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    private mutating func value() throws(JSONDocumentError) -> JSONNode {
        let start = location, first = index
        guard index < bytes.count else { throw error("the document ends where a value should be") }
        let value: JSONNode.Value
        switch bytes[index] {
        case UInt8(ascii: "{"): value = try object()
        case UInt8(ascii: "["): value = try array()
        case UInt8(ascii: "\""): value = .string(try string())
        case UInt8(ascii: "t"): try literal("true"); value = .bool(true)
        case UInt8(ascii: "f"): try literal("false"); value = .bool(false)
        case UInt8(ascii: "n"): try literal("null"); value = .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): value = .number(try number())
        default: throw error("expected a value (object, array, string, number, true, false or null)")
        }
        return JSONNode(value: value, location: start, range: first..<index)
    }

    private mutating func nest() throws(JSONDocumentError) {
        depth += 1
        guard depth <= Self.depthLimit else { throw error("nested more than \(Self.depthLimit) levels deep") }
    }

    private mutating func object() throws(JSONDocumentError) -> JSONNode.Value {
        try nest()
        index += 1
        var members: [JSONMember] = []
        var seen: Set<String> = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            let keyLocation = location
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
            let key = try string()
            // Objects hold a handful of keys: a look back is cheaper than hashing each; a large
            // object gets a set.
            let repeated: Bool
            if members.count < 16 {
                repeated = members.contains { $0.key == key }
            } else {
                if seen.isEmpty { seen = Set(members.map(\.key)) }
                repeated = !seen.insert(key).inserted
            }
            guard !repeated else {
                throw JSONDocumentError(keyLocation, "key '\(Self.shown(key))' is repeated in this object; each key may appear once")
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after the key") }
            index += 1
            skipWhitespace()
            members.append(JSONMember(key: key, keyLocation: keyLocation, value: try value()))
            skipWhitespace()
            guard index < bytes.count else { throw error("the document ends inside an object; expected ',' or '}'") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return .object(members)
            } else {
                throw error("expected ',' or '}' after a value in an object")
            }
        }
    }

    private mutating func array() throws(JSONDocumentError) -> JSONNode.Value {
        try nest()
        index += 1
        var items: [JSONNode] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try value())
            skipWhitespace()
            guard index < bytes.count else { throw error("the document ends inside an array; expected ',' or ']'") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return .array(items)
            } else {
                throw error("expected ',' or ']' after a value in an array")
            }
        }
    }

    private mutating func literal(_ word: String) throws(JSONDocumentError) {
        guard bytes[index...].starts(with: word.utf8) else { throw error("expected a value (object, array, string, number, true, false or null)") }
        index += word.utf8.count
    }

    private mutating func number() throws(JSONDocumentError) -> String {
        let start = index
        func digits(_ reader: inout JSONReader) -> Int {
            let from = reader.index
            while reader.index < reader.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(reader.bytes[reader.index]) {
                reader.index += 1
            }
            return reader.index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw error("a number needs digits after '-'") }
        guard integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { throw error("numbers are not written with leading zeros") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw error("a number needs digits after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw error("a number needs digits in its exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func string() throws(JSONDocumentError) -> String {
        index += 1
        var scalars: [UInt8] = []
        var runStart = index
        while true {
            guard index < bytes.count else { throw error("the document ends inside a string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                // Most strings hold no escape: read them straight from the input.
                if scalars.isEmpty {
                    defer { index += 1 }
                    guard let text = String(validating: bytes[runStart..<index], as: UTF8.self) else {
                        throw error("a string that is not valid UTF-8")
                    }
                    return text
                }
                scalars += bytes[runStart..<index]
                index += 1
                break
            }
            guard byte >= 0x20 else {
                throw error("a raw control character (0x\(String(byte, radix: 16))) inside a string; JSON writes it as an escape such as \\n")
            }
            guard byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            scalars += bytes[runStart..<index]
            index += 1
            guard index < bytes.count else { throw error("the document ends inside a string") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard bytes[index...].starts(with: "\\u".utf8) else { throw error("a lone UTF-16 surrogate in a \\u escape") }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("a lone UTF-16 surrogate in a \\u escape") }
                    scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw error("a lone UTF-16 surrogate in a \\u escape")
                }
                scalars += Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
            default:
                throw error("unknown escape '\\\(Character(Unicode.Scalar(escape)))' in a string; valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
            }
            runStart = index
        }
        guard let text = String(validating: scalars, as: UTF8.self) else { throw error("a string that is not valid UTF-8") }
        return text
    }

    private mutating func hex4() throws(JSONDocumentError) -> UInt32 {
        guard index + 4 <= bytes.count, bytes[index..<index + 4].allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
              let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
            throw error("\\u needs four hexadecimal digits")
        }
        index += 4
        return value
    }

    /// A key or value for a message (`DisplayText`), cut short, so that nothing from the file
    /// reaches a terminal raw.
    static func shown(_ text: String) -> String { DisplayText.escaped(text, limit: 64) }
}
