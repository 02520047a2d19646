/// Which services lvsctl owns on a host. Services outside the scope are never edited or
/// deleted, so several owners (or hand-made entries) can share one director.
public enum Scope: Hashable, Sendable, Codable {
    case all
    /// Services whose VIP lies in one of `vips`, and fwmark services whose mark lies in one of `fwmarks`.
    case limited(vips: [IPPrefix], fwmarks: [ClosedRange<UInt32>])

    public func contains(_ key: ServiceKey) -> Bool {
        switch (self, key) {
        case (.all, _): true
        case (.limited(let vips, _), .address(_, let address, _)): vips.contains { $0.contains(address) }
        case (.limited(_, let marks), .fwmark(let mark, _)): marks.contains { $0.contains(mark) }
        }
    }
}
