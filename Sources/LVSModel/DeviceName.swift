/// The rule for a network device's name, as the kernel's `dev_valid_name` has it, kept to
/// printable ASCII: 1–15 bytes, not `.` or `..`, no `/`, `:` or white space. Configs, snapshots,
/// ipvsadm text and the host executor all hold device names to this one rule.
public enum DeviceName {
    /// The kernel's limit, without the terminating NUL.
    public static let maximumLength = 15

    public static func isValid(_ name: String) -> Bool {
        (1...maximumLength).contains(name.utf8.count) && name != "." && name != ".."
            && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: ":") }
    }
}
