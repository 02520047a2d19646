import LVSConfig
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
    public static func encode(_ plan: Plan, target: DesiredState?, host: HostSnapshot?) -> String {
        DocumentEncoding.text(Document(plan, target: target, host: host))
    }

    /// Only `summary` and `changes`, as `encode` writes them: what a plan file's are compared with.
    static func encodeChanges(_ plan: Plan) -> String {
        DocumentEncoding.text(ChangesDocument(plan: plan))
    }

    struct ChangesDocument: JSONWritable {
        var plan: Plan

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.member("summary", SummaryDocument(plan.summary))
                w.member("changes", plan.changes.map(ChangeDocument.init))
            }
        }
    }

    struct Document: JSONWritable {
        var plan: Plan
        var target: DesiredState?
        var host: HostSnapshot?

        static let keys = ["format", "summary", "changes", "not_managed", "target", "basis"]

        init(_ plan: Plan, target: DesiredState?, host: HostSnapshot?) {
            (self.plan, self.target, self.host) = (plan, target, host)
        }

        /// `target` and `basis.host` are written as `null` when absent, so every plan has the same keys.
        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.member("format", PlanJSON.format)
                w.member("summary", SummaryDocument(plan.summary))
                w.member("changes", plan.changes.map(ChangeDocument.init))
                w.member("not_managed", plan.notManaged.map(ServiceKeyDocument.init))
                w.key("target")
                if let target { ConfigJSON.Document(target).write(to: &w) } else { w.null() }
                w.key("basis")
                w.object { w in
                    w.member("table", SnapshotJSON.Document(plan.basis))
                    w.key("host")
                    if let host { HostJSON.Document(host).write(to: &w) } else { w.null() }
                }
            }
        }
    }

    struct SummaryDocument: JSONWritable {
        var summary: Plan.Summary

        init(_ summary: Plan.Summary) { self.summary = summary }

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.member("create", summary.create)
                w.member("update", summary.update)
                w.member("delete", summary.delete)
                w.member("replace", summary.replace)
            }
        }
    }

    /// One change as the operator reviews it. The service's name appears on service changes
    /// only (the target names every service once), so a long name cannot grow the plan per server.
    struct ChangeDocument: JSONWritable {
        var change: Change

        init(_ change: Change) { self.change = change }

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.member("action", change.action.rawValue)
                w.member("object", change.object.rawValue)
                w.member("stage", change.stage.rawValue)
                w.member("service", change.service.map(ServiceKeyDocument.init))
                w.member("name", change.object == .service ? change.name : nil)
                w.member("server", change.server.map(ServerKeyDocument.init))
                w.member("subject", change.subject)
                Self.values("before", change.before, to: &w)
                Self.values("after", change.after, to: &w)
                w.member("reason", change.reason)
            }
        }

        /// Attributes as an object, in the order the plan shows them.
        private static func values(_ name: String, _ attributes: [Attribute]?, to writer: inout JSONWriter) {
            guard let attributes else { return }
            writer.key(name)
            writer.object { w in
                for attribute in attributes { w.member(attribute.name, attribute.value) }
            }
        }
    }
}
