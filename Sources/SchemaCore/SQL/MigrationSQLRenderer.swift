/// Renders migration steps as SQL for one dialect, following Prisma Migrate's conventions.
///
/// Both dialects walk the same planned operations (``SchemaOperation``); they differ only in what
/// each operation becomes (`+SQLite`, `+PostgreSQL`). Preview (`plan`, `list --verbose`) and
/// `apply` use this renderer, and approval freezes its output, so what an admin reviewed is what runs.
public struct MigrationSQLRenderer: Sendable {
    /// The target dialect.
    public var dialect: SQLDialect
    /// Primary-key column of every table a foreign key may reference (package entities and host models).
    public var primaryKeys: [String: String]

    /// Creates a renderer.
    public init(dialect: SQLDialect, primaryKeys: [String: String]) {
        self.dialect = dialect
        self.primaryKeys = primaryKeys
    }

    /// The statements of one step.
    public func render(_ step: MigrationStep) -> [SQLStatement] {
        switch dialect {
        case .sqlite: renderSQLite(step)
        case .postgresql: renderPostgreSQL(step)
        }
    }

    func q(_ identifier: String) -> String { dialect.quote(identifier) }

    // MARK: - Shared pieces

    func columnDefinition(_ field: CanonicalField, inlinePrimaryKey: Bool) -> String {
        if field.generated && (field.type == .int || field.type == .bigint) {
            switch dialect {
            case .sqlite: return "\(q(field.name)) INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT"
            case .postgresql: return "\(q(field.name)) \(field.type == .bigint ? "BIGSERIAL" : "SERIAL") NOT NULL"
            }
        }
        var text = "\(q(field.name)) \(dialect.columnType(field))"
        if !field.optional { text += " NOT NULL" }
        if field.primary && inlinePrimaryKey { text += " PRIMARY KEY" }
        if let value = dialect.defaultExpression(field) { text += " DEFAULT \(value)" }
        return text
    }

    func checkConstraint(_ field: CanonicalField, table: String) -> String? {
        dialect.checkExpression(field).map { "CONSTRAINT \(q(ConstraintName.check(table, field.name))) CHECK (\($0))" }
    }

    func foreignKeyClause(_ relation: CanonicalRelation, table: String) -> String? {
        guard let column = relation.field else { return nil }
        let referenced = primaryKeys[relation.target] ?? "id"
        let separator = dialect == .sqlite ? " " : ""
        return "CONSTRAINT \(q(ConstraintName.foreignKey(table, column))) FOREIGN KEY (\(q(column))) REFERENCES \(q(relation.target))\(separator)(\(q(referenced)))"
            + " ON DELETE \((relation.onDelete ?? .Restrict).sql) ON UPDATE \((relation.onUpdate ?? .Cascade).sql)"
    }

    func createIndex(_ index: CanonicalIndex, table: String) -> String {
        "CREATE \(index.unique ? "UNIQUE " : "")INDEX \(q(ConstraintName.index(table, index))) ON \(q(table))(\(index.fields.map(q).joined(separator: ", ")))"
    }

    func dropIndex(_ index: CanonicalIndex, table: String) -> String {
        "DROP INDEX \(q(ConstraintName.index(table, index)))"
    }

    /// The primary key first, then the other fields in canonical order.
    static func orderedFields(_ entity: CanonicalEntity) -> [CanonicalField] {
        entity.fields.filter(\.primary) + entity.fields.filter { !$0.primary }
    }
}

extension Array where Element == SchemaOperation {
    /// new name → old name of the rename operations.
    var renames: [String: String] {
        var result: [String: String] = [:]
        for case .renameColumn(_, let from, let to) in self { result[to] = from }
        return result
    }
}
