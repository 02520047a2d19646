/// Durations as operators write them in files and on the command line: `30` (seconds), `500ms`,
/// `30s`, `5m`, `1h`. Whole numbers only, so that a value means the same to every reader.
public enum DurationText {
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("", 1000),
    ]

    /// The duration `text` spells, if it is one from 1 ms up to a year.
    public static func parse(_ text: String) -> Duration? {
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) }) else { return nil }
        let digits = text.dropLast(unit.suffix.count)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int64(digits), value > 0, value <= 365 * 86_400_000 / unit.milliseconds else { return nil }
        return .milliseconds(value * unit.milliseconds)
    }

    /// `2s`, `500ms`, `1.5s`: the shortest form people read without converting.
    public static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        return "\(Double(milliseconds) / 1000)s"
    }
}
