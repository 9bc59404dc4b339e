/// One SQL statement of a migration, with the phase that orders it among the statements of all
/// changes applied together.
public struct SQLStatement: Hashable, Sendable, Codable {
    /// When a statement runs among the statements of every change applied together: foreign keys
    /// are dropped before the tables they point at, and added after every table exists.
    /// Stored as its number, so the order is part of what an approval pins.
    public enum Phase: Int, Hashable, Sendable, Codable, Comparable, CaseIterable {
        case dropForeignKeys = 0
        case dropIndexes = 1
        case tables = 2
        case createIndexes = 3
        case addForeignKeys = 4
        case dropTables = 5
        /// PostgreSQL row-level security policies; they run only with `apply --rls`.
        case rowLevelSecurity = 6

        public static func < (lhs: Phase, rhs: Phase) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Where the statement runs among those of every change applied together.
    public var phase: Phase
    /// The statement, without a trailing `;`.
    public var sql: String

    /// Creates a statement.
    public init(_ phase: Phase, _ sql: String) {
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
    /// Statements of several changes in execution order: by phase, then in the order given.
    public func ordered() -> [SQLStatement] {
        enumerated().sorted { ($0.element.phase, $0.offset) < ($1.element.phase, $1.offset) }.map(\.element)
    }

    /// The statements as one script, each ending with `;`. Its SHA-256 is what an approval pins.
    public var script: String {
        map { $0.sql + ";" }.joined(separator: "\n")
    }
}
