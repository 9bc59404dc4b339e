import Foundation
public import SchemaCore

/// A queued change as stored in `_schema_queue`.
public struct QueueItem: Hashable, Sendable {
    /// pending → approved → applied; pending → rejected; pending/approved → superseded; approved → failed;
    /// applied → rolled-back (the expand of a rolled-out change undone by `schema rollback`).
    public enum State: String, Hashable, Sendable, Codable, CaseIterable {
        case pending, approved, applied, rejected, superseded, failed
        case rolledBack = "rolled-back"
    }

    public var id: String
    public var entity: String
    public var action: PlannedChange.Action
    public var packages: [String]
    public var fromChecksum: String?
    public var toChecksum: String?
    public var structure: CanonicalEntity?
    /// The table the item creates or changes: the structure's `map:`, else the entity's name (a
    /// drop's statements name its table, rendered from the snapshot).
    public var tableName: String { structure?.tableName ?? entity }
    public var operations: [String]
    public var risks: [OperationRisk]
    public var isDestructive: Bool
    public var statements: [SQLStatement]
    /// Questions about the rows the change meets (``DataCheck``).
    public var checks: [DataCheck]
    /// new column → old column: the rename hints the operations were planned with.
    public var renames: [String: String]
    /// For a repair: the checksum of the live table it was planned from.
    public var repairOf: String?
    /// For a renamed entity: the applied name whose snapshot it starts from and replaces.
    public var renamedFrom: String?
    /// The entity whose applied snapshot the item starts from: its old name when it renames one.
    public var appliedName: String { renamedFrom ?? entity }
    /// What the approval pins (``PinnedSQL/hash(_:checks:format:)``).
    public var sqlHash: String
    /// How ``sqlHash`` is computed: 1 for items queued before statements had stages, 2 since.
    public var format: Int
    /// How far an approved item with online steps got: 0 not started, 1 its transaction
    /// committed, 1 + k its first k online steps done. A start resumes from here.
    public var progress: Int
    public var dialect: SQLDialect
    public var state: State
    public var createdAt: String
    public var updatedAt: String
    public var error: String?
    /// The structure's JSON as the row holds it, copied as it is into the applied snapshot: its
    /// decoding is ``structure``, which verification hashes against the checksum, so encoding it
    /// again would only cost time. Not part of the item's value.
    var storedStructure = StoredText(nil)

    /// The SQL as one script.
    public var sql: String { statements.script }

    /// Whether approving needs `--allow-rewrite`.
    public var rewritesTable: Bool { risks.contains { $0.kind == .tableRewrite } }

    /// What a start runs of it: everything, or the expand of a rolled-out change (``Rollout``).
    public var startStatements: [SQLStatement] { statements(of: .expand) }
    /// The data checks a start asks for it.
    public var startChecks: [DataCheck] { checks.filter { $0.part == .expand } }
    /// Its statements of one part, in the order they run (as adapted to partitioned tables, when they are).
    public func statements(of part: SQLStatement.Part) -> [SQLStatement] { (adaptedStatements ?? statements).ordered().filter { $0.part == part } }
    /// ``statements`` in the form a start runs them on the tables the database has partitioned
    /// (``PartitionLayout``), set by the start that plans them; nil for the pinned form. What the
    /// approval pins and the integrity check hashes stays ``statements``.
    public var adaptedStatements: [SQLStatement]?
    /// Whether part of it waits for `schema complete` (or `schema rollback`).
    public var isRolledOut: Bool { statements.contains { $0.part == .contract } }

    /// Whether a statement the start runs of it satisfies `predicate`: ``startStatements`` without
    /// putting them in order, which a start asks of 1,000 items several times.
    public func hasStartStatement(where predicate: (SQLStatement) -> Bool) -> Bool {
        (adaptedStatements ?? statements).contains { $0.part == .expand && predicate($0) }
    }
    /// Whether the start runs statements of it after its first transaction (PostgreSQL online steps).
    public var hasOnlineSteps: Bool { hasStartStatement { $0.stage != .transaction } }
    /// Its online steps at the start, in the order they run.
    public var onlineSteps: [SQLStatement] { startStatements.filter { $0.stage == .online } }
    /// How many online steps it has.
    public var onlineStepCount: Int { onlineSteps.count }
    /// The statements of its last transaction at the start, after the online steps.
    public var finishingStatements: [SQLStatement] { startStatements.filter { $0.stage == .finish } }

    /// What an approval of this item signs, with the approval's nonce; `sqlHash` is the hash of the
    /// SQL derived from the item's structures (equal to the stored one, or the item is refused).
    public func claim(nonce: String) -> ApprovalSignature.Claim {
        ApprovalSignature.Claim(itemId: id, entity: entity, action: action.rawValue, fromChecksum: fromChecksum, toChecksum: toChecksum,
                                renames: renames, repairOf: repairOf, renamedFrom: renamedFrom, sqlHash: sqlHash, presentation: PresentationDigest.of(structure?.presentation), nonce: nonce)
    }

    /// The hash of the stored statements and checks, as this item's format computes it.
    public var computedSQLHash: String { PinnedSQL.hash(statements, checks: checks, format: format) }

    init(_ change: PlannedChange, dialect: SQLDialect, at time: String) {
        id = change.id
        entity = change.entity
        action = change.action
        packages = change.packages
        fromChecksum = change.fromChecksum?.hex
        toChecksum = change.toChecksum?.hex
        structure = change.structure
        operations = change.operations.map(\.summary)
        risks = change.risks
        isDestructive = change.isDestructive
        statements = change.statements
        checks = change.checks
        renames = change.renames
        repairOf = change.repairOf
        renamedFrom = change.renamedFrom
        sqlHash = change.sqlHash
        format = PinnedSQL.currentFormat
        progress = 0
        self.dialect = dialect
        state = .pending
        createdAt = time
        updatedAt = time
    }

    static let columns = #""id", "entity", "action", "packages", "from_checksum", "to_checksum", "structure", "operations", "risks", "destructive", "statements", "sql_hash", "dialect", "state", "created_at", "updated_at", "error", "renames", "checks", "format", "progress", "repair_of", "renamed_from""#

    var binds: [SQLValue] {
        [.text(id), .text(entity), .text(action.rawValue), .text(JSONCoding.encode(packages)), Self.optional(fromChecksum), Self.optional(toChecksum),
         structure.map { .text(JSONCoding.encode($0)) } ?? .null, .text(JSONCoding.encode(operations)), .text(JSONCoding.encode(risks)),
         .integer(isDestructive ? 1 : 0), .text(JSONCoding.encode(statements)), .text(sqlHash), .text(dialect.rawValue), .text(state.rawValue),
         .text(createdAt), .text(updatedAt), Self.optional(error), .text(JSONCoding.encode(renames)), .text(JSONCoding.encode(checks)),
         .integer(Int64(format)), .integer(Int64(progress)), Self.optional(repairOf), Self.optional(renamedFrom)]
    }

    static func optional(_ text: String?) -> SQLValue { text.map(SQLValue.text) ?? .null }

    init(row: SQLRow) throws {
        func text(_ column: String) throws -> String {
            guard let value = row[column]?.text else { throw SchemaError(.registryUnreadable, "registry row is missing '\(column)'") }
            return value
        }
        id = try text("id")
        entity = try text("entity")
        guard let action = PlannedChange.Action(rawValue: try text("action")), let state = State(rawValue: try text("state")),
              let dialect = SQLDialect(rawValue: try text("dialect"))
        else { throw SchemaError(.registryUnreadable, "registry row \(id) has an unknown action, state or dialect") }
        self.action = action
        self.state = state
        self.dialect = dialect
        packages = try JSONCoding.decode([String].self, try text("packages"))
        fromChecksum = row["from_checksum"]?.text
        toChecksum = row["to_checksum"]?.text
        storedStructure = StoredText(row["structure"]?.text)
        structure = try storedStructure.text.map { try JSONCoding.decode(CanonicalEntity.self, $0) }
        operations = try JSONCoding.decode([String].self, try text("operations"))
        risks = try JSONCoding.decode([OperationRisk].self, try text("risks"))
        isDestructive = row["destructive"]?.integer == 1
        statements = try JSONCoding.decode([SQLStatement].self, try text("statements"))
        renames = try row["renames"]?.text.map { try JSONCoding.decode([String: String].self, $0) } ?? [:]
        checks = try row["checks"]?.text.map { try JSONCoding.decode([DataCheck].self, $0) } ?? []
        format = Int(row["format"]?.integer ?? 1)
        progress = Int(row["progress"]?.integer ?? 0)
        repairOf = row["repair_of"]?.text
        renamedFrom = row["renamed_from"]?.text
        sqlHash = try text("sql_hash")
        createdAt = try text("created_at")
        updatedAt = try text("updated_at")
        error = row["error"]?.text
    }
}

/// Text kept beside a value it was decoded into; equal to any other, so it never makes two
/// values differ (``QueueItem/storedStructure``).
struct StoredText: Hashable, Sendable {
    let text: String?
    init(_ text: String?) { self.text = text }
    static func == (_: StoredText, _: StoredText) -> Bool { true }
    func hash(into hasher: inout Hasher) {}
}

/// One line of the append-only audit log.
public struct AuditEntry: Hashable, Sendable, Codable {
    public var sequence: Int64
    public var at: String
    public var principal: String
    public var action: String
    public var itemId: String?
    public var entity: String?
    public var fromChecksum: String?
    public var toChecksum: String?
    public var detail: String?
}

/// JSON for registry columns: sorted keys (``JSONText``), so stored text is stable.
enum JSONCoding {
    static func encode<T: Encodable>(_ value: T) -> String {
        JSONText.encode(value)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try JSONReader.decode(type, from: text)
        } catch {
            throw SchemaError(.registryUnreadable, "registry holds unreadable \(type): \(error)")
        }
    }
}
