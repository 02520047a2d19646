extension CheckState {
    /// A change of verdict and the results that decided it, for the plan, the log and the
    /// metrics: "failing, status 503, 3 of 3".
    public struct Transition: Hashable, Sendable, Codable, CustomStringConvertible {
        public var from: Verdict
        public var to: Verdict
        /// The deciding probe's reason.
        public var reason: String
        /// Results in a row that agreed, and how many the change needed (1 for a first check).
        public var streak: Int
        public var required: Int

        public init(from: Verdict, to: Verdict, reason: String, streak: Int, required: Int) {
            self.from = from
            self.to = to
            self.reason = reason
            self.streak = streak
            self.required = required
        }

        /// "3 of 3": the results in a row against the number the change needed.
        public var count: String { "\(streak) of \(required)" }

        public var description: String { "\(to.rawValue), \(reason), \(count)" }
    }
}
