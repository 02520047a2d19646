import LVSConfig
import LVSJSON
import Testing

@Suite struct JSONReaderTests {
    private func failure(_ text: String) -> JSONDocumentError? {
        do {
            _ = try JSONReader.read(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func syntaxErrorsCarryLineAndColumn() {
        let error = failure("{\n  \"a\": 1,\n  \"b\": tru\n}")
        #expect(error?.location == LVSConfig.SourceLocation(line: 3, column: 8))
        #expect(failure("{\"a\": 01}")?.message.contains("leading zeros") == true)
        #expect(failure("{\"a\": \"x\ny\"}")?.message.contains("control character") == true)
        #expect(failure("{\"a\": 1} x")?.location == LVSConfig.SourceLocation(line: 1, column: 10))
    }

    @Test func repeatedKeysAreRefusedAtTheSecond() {
        let error = failure("{\"a\": 1,\n \"a\": 2}")
        #expect(error?.location == LVSConfig.SourceLocation(line: 2, column: 2))
        #expect(error?.message.contains("repeated") == true)
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let node = try JSONReader.read([0xEF, 0xBB, 0xBF] + Array("{\"a\": [true, null, \"\\u00e9\\ud83d\\ude00\"]}".utf8))
        guard case .object(let members) = node.value, case .array(let items) = members[0].value.value,
              case .string(let text) = items[2].value else {
            Issue.record("not read as an object holding an array")
            return
        }
        #expect(text == "é😀")
        #expect(node.location == LVSConfig.SourceLocation(line: 1, column: 1))
        #expect(JSONReader.looksLikeObject([0xEF, 0xBB, 0xBF] + Array(" {}".utf8)))
    }

    @Test func deepNestingIsRefusedNotAStackOverflow() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(failure(deep)?.message.contains("nested") == true)
    }

    @Test func truncatedDocumentsAreRefused() {
        for text in ["", "{", "{\"a\"", "{\"a\":", "[1,", "\"abc", "{\"a\": \"\\u12\"}", "{\"a\": \"\\ud800\"}"] {
            #expect(failure(text) != nil, "\(text)")
        }
    }
}
