public import LVSConfig
public import LVSModel
public import LVSPlan

/// A plan file read back and proven: its target loaded as a config (every check a config file
/// gets), its basis read as a snapshot and host, the plan derived again from those, and the
/// changes the file shows required to be exactly that plan's. What apply executes is `plan` —
/// or, against the live kernel, a plan derived the same way and required to equal it — never
/// operations or host actions read from the file.
public struct SavedPlan: Sendable {
    /// The desired state the plan leads to.
    public var target: DesiredState
    /// Whether the plan covers the host (a director's plan) or the IPVS table only (a plan
    /// made against a snapshot).
    public var coversHost: Bool
    /// The plan derived from the file's target and basis; the file's changes are its rendering.
    public var plan: Plan

    /// Reads and checks a plan file; every refusal is a located diagnostic of `file`.
    public static func read(_ bytes: [UInt8], file: String) throws(PlanFileError) -> SavedPlan {
        do {
            return try read(bytes, root: JSONReader.read(bytes), file: file)
        } catch let error as JSONDocumentError {
            throw PlanFileError(diagnostics: [error.diagnostic(file: file)])
        } catch let error as PlanFileError {
            throw error
        } catch {
            throw PlanFileError(diagnostics: [Diagnostic(.error, file: file, at: SourceLocation(line: 1, column: 1), "\(error)")])
        }
    }

    private static func read(_ bytes: [UInt8], root: JSONNode, file: String) throws -> SavedPlan {
        let document = try root.object("the plan", keys: PlanJSON.Document.keys)
        try DocumentEncoding.checkFormat(document, PlanJSON.format, producedBy: "lvsctl plan --out")
        let targetNode = try document.required("target")
        guard !targetNode.isNull else {
            throw JSONDocumentError(targetNode.location, "this plan has no target (a real server's plan); only a director's plan made with 'lvsctl plan --out' can be applied")
        }
        let loaded = ConfigJSON.load(targetNode, in: bytes, file: file)
        guard let target = loaded.state else { throw PlanFileError(diagnostics: loaded.errors) }
        let basis = try document.required("basis").object("basis", keys: ["table", "host"])
        let table = try SnapshotJSON.decode(basis.required("table")).table
        let host = try basis.optional("host").map(HostJSON.decode)
        let plan = Planner.plan(desired: target, live: table, host: host)

        let derived = try JSONReader.read(Array(PlanJSON.encodeChanges(plan).utf8))
            .object("the derived plan", keys: ["summary", "changes"])
        for key in ["summary", "changes"] {
            try same(document.required(key), try derived.required(key), what: key)
        }
        return SavedPlan(target: target, coversHost: host != nil, plan: plan)
    }

    /// Refuses a file whose `key` differs from what its target and basis give, at the first
    /// difference.
    private static func same(_ saved: JSONNode, _ derived: JSONNode, what: String) throws(JSONDocumentError) {
        let advice = "the plan file was edited or made by another lvsctl; make it again with 'lvsctl plan --out'"
        if case .array(let savedItems) = saved.value, case .array(let derivedItems) = derived.value {
            for (index, (item, expected)) in zip(savedItems, derivedItems).enumerated() where !item.sameValue(as: expected) {
                throw JSONDocumentError(item.location, "\(what)[\(index)] is not what the plan's target and basis give; \(advice)")
            }
            guard savedItems.count == derivedItems.count else {
                throw JSONDocumentError(saved.location, "the plan lists \(savedItems.count) \(what), but its target and basis give \(derivedItems.count); \(advice)")
            }
        } else if !saved.sameValue(as: derived) {
            throw JSONDocumentError(saved.location, "\(what) is not what the plan's target and basis give; \(advice)")
        }
    }

    /// Refuses the plan when `replanned` — the target planned against the live kernel (and
    /// host, when the plan covers it) — is not this plan: something changed since it was made.
    public func checkCurrent(_ replanned: Plan) throws(StalePlan) {
        guard replanned.basis == plan.basis else { throw StalePlan(part: "the kernel's IPVS table") }
        // Reasons aside: a saved plan's health notes (a failing check, an override) are not part
        // of its target, and what it writes is what must not have changed.
        func writes(_ changes: [Change]) -> [Change] { changes.map { var change = $0; change.reason = ""; return change } }
        guard writes(replanned.changes) == writes(plan.changes) else {
            let hostChanged = replanned.changes.filter { $0.stage != .table } != plan.changes.filter { $0.stage != .table }
            throw StalePlan(part: hostChanged ? "this host's VIPs, sysctls or firewall chains" : "the kernel's IPVS table")
        }
    }
}

/// A plan file that cannot be read or proven.
public struct PlanFileError: Error, Sendable {
    public var diagnostics: [Diagnostic]
}

/// A plan made against a kernel or host that has changed since.
public struct StalePlan: Error, Hashable, Sendable, CustomStringConvertible {
    /// What changed.
    public var part: String

    public init(part: String) { self.part = part }

    public var description: String { "stale plan: \(part) changed since the plan was made; run 'lvsctl plan' again" }
}

extension JSONNode {
    /// Whether two nodes hold the same JSON value, wherever they stand.
    func sameValue(as other: JSONNode) -> Bool {
        switch (value, other.value) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a.count == b.count && zip(a, b).allSatisfy { $0.sameValue(as: $1) }
        case let (.object(a), .object(b)):
            a.count == b.count && a.allSatisfy { member in
                b.first { $0.key == member.key }.map { member.value.sameValue(as: $0.value) } ?? false
            }
        default: false
        }
    }
}
