import LVSModel
internal import FoundationEssentials

/// The JSON form of a plan: what `lvsctl plan --output json` prints and `--out PLANFILE` saves,
/// and what `lvsctl apply PLANFILE` executes. Documented in docs/json.md.
public enum PlanJSON {
    public static let format = "lvsctl-plan/1"

    public static func encode(_ plan: Plan) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(Document(plan)), as: UTF8.self)
    }

    public static func decode(_ bytes: [UInt8]) throws(PlanJSONError) -> Plan {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(bytes))
        } catch {
            throw PlanJSONError(message: "not a plan file written by 'lvsctl plan --out': \(error)")
        }
        guard document.format == format else {
            throw PlanJSONError(message: "plan format is '\(document.format)'; this lvsctl applies '\(format)'")
        }
        return Plan(changes: document.changes.map(\.change), notManaged: document.notManaged,
                    scope: document.scope, basis: document.basis)
    }

    struct Document: Codable {
        var format: String
        var summary: Plan.Summary
        var changes: [ChangeDocument]
        var notManaged: [ServiceKey]
        var scope: Scope
        var basis: IPVSTable

        enum CodingKeys: String, CodingKey {
            case format, summary, changes, scope, basis
            case notManaged = "not_managed"
        }

        init(_ plan: Plan) {
            format = PlanJSON.format
            summary = plan.summary
            changes = plan.changes.map(ChangeDocument.init)
            notManaged = plan.notManaged
            scope = plan.scope
            basis = plan.basis
        }
    }

    /// A change with `before` / `after` as flat objects and the server as `ADDRESS:PORT`.
    struct ChangeDocument: Codable {
        var action: Change.Action
        var object: Change.Object
        var service: ServiceKey?
        var name: String?
        var server: String?
        var before: [String: String]?
        var after: [String: String]?
        var reason: String
        var operations: [IPVSOperation]
        var hostActions: [HostAction]?
        var subject: String?
        var stage: Change.Stage
        /// The server as a key, for reading the plan back.
        var serverKey: ServerKey?

        enum CodingKeys: String, CodingKey {
            case action, object, service, name, server, before, after, reason, operations, subject, stage
            case serverKey = "server_key", hostActions = "host_actions"
        }

        init(_ change: Change) {
            action = change.action
            object = change.object
            service = change.service
            name = change.name
            server = change.server?.description
            serverKey = change.server
            before = change.before.map { Dictionary($0.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }) }
            after = change.after.map { Dictionary($0.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }) }
            reason = change.reason
            operations = change.operations
            hostActions = change.hostActions.isEmpty ? nil : change.hostActions
            subject = change.subject
            stage = change.stage
        }

        var change: Change {
            func attributes(_ values: [String: String]?) -> [Attribute]? {
                values.map { $0.sorted { $0.key < $1.key }.map { Attribute($0.key, $0.value) } }
            }
            return Change(action, object, service: service, name: name, server: serverKey,
                          before: attributes(before), after: attributes(after),
                          reason: reason, operations: operations, hostActions: hostActions ?? [], subject: subject)
        }
    }
}

/// A plan file that cannot be read.
public struct PlanJSONError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
