/// The outcome of one probe of a `CheckTarget`, with the reason people read in logs, plans and
/// `/health` ("connection refused", "status 503", "timeout after 2 s").
public struct ProbeResult: Hashable, Sendable, Codable {
    public var success: Bool
    public var reason: String
    public var duration: Duration

    public init(success: Bool, reason: String, duration: Duration) {
        self.success = success
        self.reason = reason
        self.duration = duration
    }
}
