/// One SQL statement of a migration, with the phase that orders it among the statements of all
/// changes applied together: foreign keys are dropped before the tables they point at, and added
/// after every table exists.
public struct SQLStatement: Hashable, Sendable, Codable {
    /// 0 drop foreign keys, 1 drop indexes, 2 tables and columns, 3 create indexes, 4 add foreign keys, 5 drop tables.
    public var phase: Int
    public var sql: String

    /// Creates a statement.
    public init(phase: Int, sql: String) {
        self.phase = phase
        self.sql = sql
    }
}

/// The change of one entity, as the renderers need it.
public struct MigrationStep: Hashable, Sendable {
    /// The applied structure (nil when the table does not exist yet).
    public var from: CanonicalEntity?
    /// The new structure (nil when the table is dropped).
    public var to: CanonicalEntity?
    /// What the planner decided.
    public var operations: [SchemaOperation]

    /// Creates a step.
    public init(from: CanonicalEntity?, to: CanonicalEntity?, operations: [SchemaOperation]) {
        self.from = from
        self.to = to
        self.operations = operations
    }

    /// The table name.
    public var table: String { to?.name ?? from?.name ?? "" }
}

extension Array where Element == SQLStatement {
    /// Statements of several steps in execution order: by phase, then in the order given.
    public func ordered() -> [SQLStatement] {
        enumerated().sorted { ($0.element.phase, $0.offset) < ($1.element.phase, $1.offset) }.map(\.element)
    }

    /// The statements as one script, each ending with `;`.
    public var script: String {
        map { $0.sql + ";" }.joined(separator: "\n")
    }
}
