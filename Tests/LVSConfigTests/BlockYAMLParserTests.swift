import Foundation
@testable import LVSConfig
import Testing
import TestSupport

/// Writes random documents in the subset `BlockYAMLParser` reads, mixing every style it
/// accepts: block mappings and lists (indented and not), compact mappings in list items,
/// one-line flow collections, plain and quoted scalars, empty values, comments, blank lines.
struct SubsetYAMLWriter {
    var rng: SplitMix64
    private var lines: [String] = []

    init(seed: UInt64) { rng = SplitMix64(state: seed) }

    private static let keys = ["name", "vip", "port", "x-anchors", "servers", "a.b", "k_1", "80", "weight", "flags"]
    private static let plains = ["wlc", "198.51.100.10", "2001:db8::10", "-1", "0", "a b  c", "~", "null",
                                 "true", "x#y", "a,b", "a[1]", "x{y}", "http://h/p", "-x", "a: b"]
    private static let quoted = ["''", "'it''s'", "'a: b'", "\"double\"", "\"\"", "'# not a comment'", "'  spaced  '", "'[2001:db8::1]:80'"]

    mutating func document() -> String {
        lines = []
        comments()
        block(mappingAt: 0, depth: 0)
        comments()
        return lines.joined(separator: "\n") + (Bool.random(using: &rng) ? "\n" : "")
    }

    private mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    private mutating func comments() {
        for _ in 0..<Int.random(in: 0...1, using: &rng) {
            lines.append(chance(50) ? "" : String(repeating: " ", count: Int.random(in: 0...6, using: &rng)) + "# note: - [x]")
        }
    }

    private mutating func scalar(inFlow: Bool) -> String {
        if chance(30) { return Self.quoted.randomElement(using: &rng)! }
        let candidates = inFlow ? Self.plains.filter { !$0.contains(where: { ",[]{}".contains($0) }) && $0 != "a: b" }
            : Self.plains.filter { $0 != "a: b" }
        return candidates.randomElement(using: &rng)!
    }

    private mutating func flow(depth: Int) -> String {
        let space = chance(50) ? " " : ""
        let count = Int.random(in: 0...3, using: &rng)
        if chance(50) {
            let pairs = (0..<count).map { _ in "\(Self.keys.randomElement(using: &rng)!): \(flowValue(depth: depth))" }
            return "{" + (count == 0 ? "" : space + pairs.joined(separator: ", ") + space) + "}"
        }
        let items = (0..<count).map { _ in flowValue(depth: depth) }
        return "[" + (count == 0 ? "" : space + items.joined(separator: "," + space) + space) + "]"
    }

    private mutating func flowValue(depth: Int) -> String {
        depth < 3 && chance(20) ? flow(depth: depth + 1) : scalar(inFlow: true)
    }

    private mutating func trailing() -> String {
        chance(20) ? String(repeating: " ", count: Int.random(in: 1...3, using: &rng)) + (chance(50) ? "# c" : "") : ""
    }

    /// The text after `key:` or `-` when the node fits on that line; nil to nest it below.
    private mutating func inline(depth: Int) -> String? {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0...3: scalar(inFlow: false)
        case 4...5: flow(depth: depth)
        case 6: ""
        default: depth < 4 ? nil : scalar(inFlow: false)
        }
    }

    private mutating func block(mappingAt indent: Int, depth: Int, firstLinePrefix: String? = nil) {
        let pad = String(repeating: " ", count: indent)
        for index in 0..<Int.random(in: 1...4, using: &rng) {
            let key = Self.keys.randomElement(using: &rng)!
            let lead = index == 0 ? firstLinePrefix ?? pad : pad
            if let text = inline(depth: depth) {
                lines.append(lead + key + ":" + (text.isEmpty ? "" : " " + text) + trailing())
            } else {
                lines.append(lead + key + ":" + trailing())
                comments()
                if chance(50) {
                    block(sequenceAt: chance(50) ? indent : indent + Int.random(in: 1...4, using: &rng), depth: depth + 1)
                } else {
                    block(mappingAt: indent + Int.random(in: 1...4, using: &rng), depth: depth + 1)
                }
            }
            comments()
        }
    }

    private mutating func block(sequenceAt indent: Int, depth: Int) {
        let pad = String(repeating: " ", count: indent)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            if chance(30) {
                block(mappingAt: indent + 2, depth: depth + 1, firstLinePrefix: pad + "- ")
            } else if let text = inline(depth: depth) {
                lines.append(pad + "-" + (text.isEmpty ? "" : " " + text) + trailing())
            } else {
                lines.append(pad + "-" + trailing())
                comments()
                if chance(50) {
                    block(sequenceAt: indent + Int.random(in: 1...4, using: &rng), depth: depth + 1)
                } else {
                    block(mappingAt: indent + Int.random(in: 1...4, using: &rng), depth: depth + 1)
                }
            }
            comments()
        }
    }
}

@Suite("fast YAML parser")
struct BlockYAMLParserTests {
    private func fast(_ bytes: [UInt8]) -> YAMLDocument? {
        BlockYAMLParser.parse(bytes)
    }

    /// Same nodes, kinds, locations and scalar text.
    private func same(_ a: YAMLDocument, _ b: YAMLDocument) -> Bool {
        a.read { a in
            b.read { b in
                a.records.count == b.records.count && zip(a.records.indices, b.records.indices).allSatisfy { i, j in
                    let x = a.records[i], y = b.records[j]
                    return x.kind == y.kind && x.isNull == y.isNull && x.line == y.line && x.column == y.column
                        && x.count == y.count && (x.isCollection ? x.start == y.start
                            : a.text(YAMLNode(index: i, record: x)) == b.text(YAMLNode(index: j, record: y)))
                }
            }
        }
    }

    @Test("random documents in the subset are read, exactly as libyaml composes them", arguments: [1, 2, 3, 4])
    func subsetDocuments(seed: UInt64) throws {
        var writer = SubsetYAMLWriter(seed: seed)
        for round in 0..<500 {
            let text = writer.document()
            let bytes = Array(text.utf8)
            let expected = try #require(try? YAMLComposer.compose(bytes), "seed \(seed) round \(round) is not YAML:\n\(text)")
            let document = try #require(fast(bytes), "seed \(seed) round \(round) was not read:\n\(text)")
            #expect(same(document, expected), "seed \(seed) round \(round):\n\(text)")
        }
    }

    @Test("a corrupted document is either read exactly as libyaml reads it or left to libyaml", arguments: [1, 2, 3, 4])
    func corruptedDocuments(seed: UInt64) throws {
        var writer = SubsetYAMLWriter(seed: seed)
        var rng = SplitMix64(state: seed &+ 100)
        var read = 0
        for round in 0..<2_000 {
            let bytes = mutate(Array(writer.document().utf8), using: &rng)
            guard let document = fast(bytes) else { continue }
            read += 1
            let expected = try #require(try? YAMLComposer.compose(bytes),
                                        "seed \(seed) round \(round): read a file libyaml refuses:\n\(String(decoding: bytes, as: UTF8.self))")
            #expect(same(document, expected), "seed \(seed) round \(round):\n\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(read > 200, "only \(read) of 2000 corrupted documents were read; the comparison proves little")
    }

    @Test("every example without anchors is read, the same as libyaml reads it")
    func examples() throws {
        for file in exampleFiles {
            let bytes = Array(try Data(contentsOf: file))
            let usesAnchors = bytes.contains(UInt8(ascii: "&"))
            guard let document = fast(bytes) else {
                #expect(usesAnchors, "\(file.lastPathComponent) was left to libyaml")
                continue
            }
            #expect(same(document, try YAMLComposer.compose(bytes)), "\(file.lastPathComponent)")
        }
    }

    @Test("a number read from a scalar's bytes reads as Int64(text) reads it")
    func integers() throws {
        let values = ["0", "-0", "+7", "8080", "-1", "+", "-", "", "1e3", "0x10", " 1", "1 ", "007",
                      "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                      "99999999999999999999", "12a"]
        let text = "k:\n" + values.map { "- '\($0)'\n" }.joined()
        let document = try #require(fast(Array(text.utf8)))
        try document.read { view in
            let root = try #require(view.root)
            let list = try #require(view.pairs(root).first?.value)
            for (value, node) in zip(values, view.children(list)) {
                let leadingZero = value.count > 1 && value.hasPrefix("0") && value.allSatisfy(\.isNumber)
                #expect(view.integer(node) == (leadingZero ? nil : Int64(value)), "\(value)")
                #expect(view.hasLeadingZero(node) == leadingZero, "\(value)")
            }
        }
    }

    @Test("what lies outside the subset goes to libyaml", arguments: [
        "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: |\n  text\n", "a: b\n  continued\n", "a: [1,\n  2]\n",
        "a: \"esc\\n\"\n", "---\na: 1\n", "a:\tb\n", "a: é\n", "a: 'x\n  y'\n", "<<: {a: 1}\n", "? a\n: b\n",
        "- a\n", "a: 1\r\n", "a: {b: }\n", "a: [1, ]\n", "a: b: c\n", "a: 2001:db8::\n",
        "a: [b:?c]\n", "a: {b: c:?d}\n", String(repeating: "k", count: 1_025) + ": 1\n",
        "a: {" + String(repeating: "k", count: 1_025) + ": 1}\n",
        "a: " + String(repeating: "[", count: 65) + String(repeating: "]", count: 65) + "\n",
    ])
    func declines(_ text: String) {
        #expect(fast(Array(text.utf8)) == nil)
    }

    @Test("a colon inside a plain scalar, followed by any character, is read as libyaml reads it or left to it")
    func colons() throws {
        for byte in UInt8(0x21)..<0x7F {
            let character = String(UnicodeScalar(byte))
            for text in ["k: a:\(character)b\n", "k: [a:\(character)b]\n", "k: {x: a:\(character)b}\n"] {
                let bytes = Array(text.utf8)
                guard let document = fast(bytes) else { continue }
                let expected = try #require(try? YAMLComposer.compose(bytes), "read a file libyaml refuses: \(text)")
                #expect(same(document, expected), "\(text)")
            }
        }
    }

    @Test("a byte outside printable ASCII and newline is found wherever it stands in a word")
    func printableASCII() {
        let line = Array("key: a plain value, long enough for several words\n".utf8)
        #expect(line.withUnsafeBufferPointer { BlockYAMLParser.isPrintableASCII($0) })
        for byte: UInt8 in [0x00, 0x09, 0x0D, 0x1F, 0x7F, 0x80, 0xC3, 0xFF] {
            for position in line.indices {
                var bytes = line
                bytes[position] = byte
                #expect(!bytes.withUnsafeBufferPointer { BlockYAMLParser.isPrintableASCII($0) }, "\(byte) at \(position)")
            }
        }
        for byte in UInt8(0x20)...0x7E {
            let bytes = Array(repeating: byte, count: 19) + [UInt8(ascii: "\n")]
            #expect(bytes.withUnsafeBufferPointer { BlockYAMLParser.isPrintableASCII($0) }, "\(byte)")
        }
    }
}
