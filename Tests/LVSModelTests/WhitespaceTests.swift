import LVSModel
import Testing

@Suite("whitespace")
struct WhitespaceTests {
    @Test("spaces, tabs and line ends go from both ends, and only from the ends", arguments: [
        ("  4242\n", "4242"),
        ("\t RTNETLINK answers: File exists \r\n", "RTNETLINK answers: File exists"),
        ("yes", "yes"),
        (" \n\t ", ""),
        ("", ""),
        ("a b\tc", "a b\tc"),
        (" é ", "é"),
    ])
    func trims(_ text: String, _ expected: String) {
        #expect(text.trimmingWhitespace == expected)
    }
}
