import Foundation
import LVSConfig
import Testing
import TestSupport

/// Corrupts a file the ways people and tools do: lost or repeated lines, stray YAML punctuation,
/// wrong indentation, truncation, huge or negative numbers, invalid UTF-8.
func mutate(_ bytes: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
    var bytes = bytes
    let alphabet = Array(":-[]{},&*!|>'\"%@`#?\t\n 0123456789.x<".utf8)
    for _ in 0..<Int.random(in: 1...4, using: &rng) {
        guard !bytes.isEmpty else { return [UInt8.random(in: 0...255, using: &rng)] }
        let at = Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<9, using: &rng) {
        case 0: bytes.remove(at: at)
        case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: at)
        case 2: bytes[at] = alphabet.randomElement(using: &rng)!
        case 3: bytes = Array(bytes.prefix(at))
        case 4:
            let end = min(bytes.count, at + Int.random(in: 1...80, using: &rng))
            bytes.insert(contentsOf: bytes[at..<end], at: at)
        case 5: bytes.insert(contentsOf: Array("  ".utf8), at: at)
        case 6: bytes.insert(contentsOf: Array(["99999999999999999999", "-1", "0", "4294967296", "~", "*a", "&a"]
                    .randomElement(using: &rng)!.utf8), at: at)
        case 7: bytes[at] = UInt8.random(in: 0x80...0xFF, using: &rng)
        default:
            let end = min(bytes.count, at + Int.random(in: 1...200, using: &rng))
            bytes.removeSubrange(at..<end)
        }
    }
    return bytes
}

@Suite("mutation")
struct MutationTests {
    @Test("thousands of corrupted examples never crash the loader, and every error has a place", arguments: [1, 2, 3, 4])
    func corruptedExamples(seed: UInt64) throws {
        var rng = SplitMix64(state: seed)
        let originals = try exampleFiles.map { Array(try Data(contentsOf: $0)) }
        var rejected = 0
        for round in 0..<2_500 {
            let original = originals[round % originals.count]
            let mutated = mutate(original, using: &rng)
            let result = ConfigLoader.load(bytes: mutated, file: "mutated.yaml")
            let lines = mutated.count { $0 == UInt8(ascii: "\n") } + 1
            #expect((result.state == nil) == !result.errors.isEmpty, "seed \(seed) round \(round)")
            for diagnostic in result.diagnostics {
                #expect((1...lines + 1).contains(diagnostic.line) && diagnostic.column >= 1,
                        "seed \(seed) round \(round): \(diagnostic)")
                #expect(!diagnostic.message.isEmpty)
            }
            if result.state == nil { rejected += 1 }
        }
        #expect(rejected > 750, "the mutations should break most files; only \(rejected) of 2500 were rejected")
    }
}
