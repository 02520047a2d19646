public import LVSConfig
public import LVSModel
public import LVSPlan

/// The JSON form of a plan: what `lvsctl plan --output json` prints and `--out PLANFILE` saves
/// (docs/schema/plan.schema.json). A plan file holds what apply needs to derive the plan again
/// — the desired state (`target`) and what it was planned against (`basis`: the managed table
/// and, on a director, the host) — and the changes the operator reviewed. Apply executes only
/// what it derives itself; the changes are compared, never executed.
public enum PlanJSON {
    public static let format = "lvsctl-plan/2"

    /// `target` is nil for plans that are not a config's (a real server's setup); `host` is the
    /// host snapshot the plan was computed against, nil when only the table was planned.
    public static func encode(_ plan: Plan, target: DesiredState?, host: HostSnapshot?) throws -> String {
        try DocumentEncoding.text(Document(plan, target: target, host: host))
    }

    struct Document: Encodable {
        var format = PlanJSON.format
        var summary: SummaryDocument
        var changes: [ChangeDocument]
        var notManaged: [ServiceKeyDocument]
        var target: ConfigJSON.Document?
        var basis: BasisDocument

        enum CodingKeys: String, CodingKey {
            case format, summary, changes, target, basis
            case notManaged = "not_managed"
        }

        static let keys = ["format", "summary", "changes", "not_managed", "target", "basis"]

        init(_ plan: Plan, target: DesiredState?, host: HostSnapshot?) {
            summary = SummaryDocument(plan.summary)
            changes = plan.changes.map(ChangeDocument.init)
            notManaged = plan.notManaged.map(ServiceKeyDocument.init)
            self.target = target.map(ConfigJSON.Document.init)
            basis = BasisDocument(table: SnapshotJSON.Document(plan.basis), host: host.map(HostJSON.Document.init))
        }

        /// `target` is written as `null` when absent, so every plan has the same keys.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(format, forKey: .format)
            try container.encode(summary, forKey: .summary)
            try container.encode(changes, forKey: .changes)
            try container.encode(notManaged, forKey: .notManaged)
            try container.encode(target, forKey: .target)
            try container.encode(basis, forKey: .basis)
        }
    }

    struct SummaryDocument: Encodable {
        var create, update, delete, replace: Int

        init(_ summary: Plan.Summary) {
            (create, update, delete, replace) = (summary.create, summary.update, summary.delete, summary.replace)
        }
    }

    struct BasisDocument: Encodable {
        var table: SnapshotJSON.Document
        var host: HostJSON.Document?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(table, forKey: .table)
            try container.encode(host, forKey: .host)
        }

        enum CodingKeys: String, CodingKey { case table, host }
    }

    /// One change as the operator reviews it. The service's name appears on service changes
    /// only (the target names every service once), so a long name cannot grow the plan per server.
    struct ChangeDocument: Encodable {
        var action: String
        var object: String
        var stage: String
        var service: ServiceKeyDocument?
        var name: String?
        var server: ServerKeyDocument?
        var subject: String?
        var before: [String: String]?
        var after: [String: String]?
        var reason: String

        init(_ change: Change) {
            action = change.action.rawValue
            object = change.object.rawValue
            stage = change.stage.rawValue
            service = change.service.map(ServiceKeyDocument.init)
            name = change.object == .service ? change.name : nil
            server = change.server.map(ServerKeyDocument.init)
            subject = change.subject
            before = change.before.map(Self.values)
            after = change.after.map(Self.values)
            reason = change.reason
        }

        private static func values(_ attributes: [Attribute]) -> [String: String] {
            Dictionary(attributes.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        }
    }
}
