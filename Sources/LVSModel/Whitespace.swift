extension String {
    /// Without the spaces, tabs and line ends around it: how a tool's message, a one-line file
    /// or a typed answer is read. Foundation's `trimmingCharacters(in:)` would link all of
    /// Foundation and ICU into lvsctl, and their start-up cost into every command.
    public var trimmingWhitespace: String {
        let isWhitespace = { (byte: UInt8) in byte == 0x20 || (0x09...0x0D).contains(byte) }
        guard let first = utf8.firstIndex(where: { !isWhitespace($0) }),
              let last = utf8.lastIndex(where: { !isWhitespace($0) }) else { return "" }
        return String(self[first...last])
    }
}
