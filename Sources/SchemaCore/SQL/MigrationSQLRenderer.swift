/// Renders migration steps as SQL for one dialect, following Prisma Migrate's conventions.
///
/// Preview (`plan`, `list --verbose`) and `apply` both use this renderer, and approval freezes
/// its output, so what an admin reviewed is what runs.
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

    func columnDefinition(_ field: CanonicalField, table: String, inlinePrimaryKey: Bool) -> String {
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

    static func orderedFields(_ entity: CanonicalEntity) -> [CanonicalField] {
        entity.fields.filter(\.primary) + entity.fields.filter { !$0.primary }
    }

    // MARK: - SQLite

    func renderSQLite(_ step: MigrationStep) -> [SQLStatement] {
        let table = step.table
        guard let new = step.to else { return [SQLStatement(phase: 5, sql: "DROP TABLE \(q(table))")] }
        guard let old = step.from else {
            return [SQLStatement(phase: 2, sql: sqliteCreateTable(new, name: table))]
                + new.indexes.map { SQLStatement(phase: 3, sql: createIndex($0, table: table)) }
        }
        if step.operations.allSatisfy(sqliteCanAlterInPlace) {
            return step.operations.compactMap { operation in
                switch operation {
                case .addColumn(_, let field):
                    let check = checkConstraint(field, table: table).map { " " + $0 } ?? ""
                    return SQLStatement(phase: 2, sql: "ALTER TABLE \(q(table)) ADD COLUMN \(columnDefinition(field, table: table, inlinePrimaryKey: false))\(check)")
                case .renameColumn(_, let from, let to):
                    return SQLStatement(phase: 2, sql: "ALTER TABLE \(q(table)) RENAME COLUMN \(q(from)) TO \(q(to))")
                case .createIndex(_, let index): return SQLStatement(phase: 3, sql: createIndex(index, table: table))
                case .dropIndex(_, let index): return SQLStatement(phase: 1, sql: dropIndex(index, table: table))
                default: return nil
                }
            }
        }
        return sqliteRebuild(from: old, to: new, renames: step.operations.renames)
    }

    /// What SQLite's ALTER TABLE can do without rebuilding the table.
    func sqliteCanAlterInPlace(_ operation: SchemaOperation) -> Bool {
        switch operation {
        case .addColumn(_, let field):
            // SQLite refuses NOT NULL without a default, and non-constant defaults, in ADD COLUMN.
            return !field.primary && (field.optional || field.defaultValue != nil) && !(field.type == .datetime && field.defaultValue == .string("now"))
        case .renameColumn, .createIndex, .dropIndex: return true
        default: return false
        }
    }

    func sqliteCreateTable(_ entity: CanonicalEntity, name: String) -> String {
        var lines = Self.orderedFields(entity).map { "    " + columnDefinition($0, table: entity.name, inlinePrimaryKey: true) }
        lines += entity.fields.compactMap { checkConstraint($0, table: entity.name) }.map { "    " + $0 }
        lines += entity.relations.filter { $0.kind == .belongsTo }.compactMap { foreignKeyClause($0, table: entity.name) }.map { "    " + $0 }
        return "CREATE TABLE \(q(name)) (\n" + lines.joined(separator: ",\n") + "\n)"
    }

    /// The table rebuild Prisma uses for changes ALTER TABLE cannot make. It runs inside the apply
    /// transaction with foreign keys off for the connection; `PRAGMA foreign_key_check` runs before commit.
    func sqliteRebuild(from old: CanonicalEntity, to new: CanonicalEntity, renames: [String: String]) -> [SQLStatement] {
        let table = new.name
        let temporary = "new_\(table)"
        var copied: [(target: String, source: String)] = []
        for field in Self.orderedFields(new) {
            let sourceName = renames[field.name] ?? field.name
            guard let source = old.field(named: sourceName) else { continue }
            var expression = q(sourceName)
            if source.optional && !field.optional, let value = dialect.defaultExpression(field) {
                expression = "COALESCE(\(expression), \(value))"
            }
            copied.append((field.name, expression))
        }
        var statements = [
            SQLStatement(phase: 2, sql: "PRAGMA defer_foreign_keys=ON"),
            SQLStatement(phase: 2, sql: sqliteCreateTable(new, name: temporary)),
        ]
        if !copied.isEmpty {
            statements.append(SQLStatement(phase: 2, sql: "INSERT INTO \(q(temporary)) (\(copied.map { q($0.target) }.joined(separator: ", "))) SELECT \(copied.map(\.source).joined(separator: ", ")) FROM \(q(table))"))
        }
        statements.append(SQLStatement(phase: 2, sql: "DROP TABLE \(q(table))"))
        statements.append(SQLStatement(phase: 2, sql: "ALTER TABLE \(q(temporary)) RENAME TO \(q(table))"))
        statements += new.indexes.map { SQLStatement(phase: 3, sql: createIndex($0, table: table)) }
        return statements
    }

    // MARK: - PostgreSQL

    func renderPostgreSQL(_ step: MigrationStep) -> [SQLStatement] {
        let table = step.table
        var statements: [SQLStatement] = []
        for operation in step.operations {
            switch operation {
            case .createTable(let entity):
                var lines = Self.orderedFields(entity).map { "    " + columnDefinition($0, table: table, inlinePrimaryKey: false) }
                if let key = entity.primaryKey { lines.append("    CONSTRAINT \(q(ConstraintName.primaryKey(table))) PRIMARY KEY (\(q(key.name)))") }
                lines += entity.fields.compactMap { checkConstraint($0, table: table) }.map { "    " + $0 }
                statements.append(SQLStatement(phase: 2, sql: "CREATE TABLE \(q(table)) (\n" + lines.joined(separator: ",\n") + "\n)"))
            case .dropTable:
                // Its foreign keys go first (phase 0), so tables dropped together, such as every
                // entity of a removed package, can be dropped in any order.
                for relation in step.from?.relations ?? [] where relation.kind == .belongsTo {
                    statements += postgresDropForeignKey(relation, table: table)
                }
                statements.append(SQLStatement(phase: 5, sql: "DROP TABLE \(q(table))"))
            case .addColumn(_, let field):
                statements.append(SQLStatement(phase: 2, sql: "ALTER TABLE \(q(table)) ADD COLUMN \(columnDefinition(field, table: table, inlinePrimaryKey: false))"))
                if let check = checkConstraint(field, table: table) {
                    statements.append(SQLStatement(phase: 2, sql: "ALTER TABLE \(q(table)) ADD \(check)"))
                }
            case .dropColumn(_, let field):
                statements.append(SQLStatement(phase: 2, sql: "ALTER TABLE \(q(table)) DROP COLUMN \(q(field.name))"))
            case .renameColumn(_, let from, let to):
                statements.append(SQLStatement(phase: 2, sql: "ALTER TABLE \(q(table)) RENAME COLUMN \(q(from)) TO \(q(to))"))
                if let field = step.from?.field(named: from), dialect.checkExpression(field) != nil {
                    statements.append(SQLStatement(phase: 2, sql: "ALTER TABLE \(q(table)) RENAME CONSTRAINT \(q(ConstraintName.check(table, from))) TO \(q(ConstraintName.check(table, to)))"))
                }
            case .alterColumn(_, let from, let to):
                statements += postgresAlterColumn(table: table, from: from, to: to)
            case .createIndex(_, let index):
                statements.append(SQLStatement(phase: 3, sql: createIndex(index, table: table)))
            case .dropIndex(_, let index):
                statements.append(SQLStatement(phase: 1, sql: dropIndex(index, table: table)))
            case .addForeignKey(_, let relation):
                if let clause = foreignKeyClause(relation, table: table) {
                    statements.append(SQLStatement(phase: 4, sql: "ALTER TABLE \(q(table)) ADD \(clause)"))
                }
            case .dropForeignKey(_, let relation):
                statements += postgresDropForeignKey(relation, table: table)
            }
        }
        return statements
    }

    /// Drops a belongsTo relation's foreign key, first of all statements (phase 0).
    func postgresDropForeignKey(_ relation: CanonicalRelation, table: String) -> [SQLStatement] {
        guard let column = relation.field else { return [] }
        return [SQLStatement(phase: 0, sql: "ALTER TABLE \(q(table)) DROP CONSTRAINT \(q(ConstraintName.foreignKey(table, column)))")]
    }

    func postgresAlterColumn(table: String, from: CanonicalField, to: CanonicalField) -> [SQLStatement] {
        let change = ColumnChange(from: from, to: to)
        let column = q(to.name)
        let alter = "ALTER TABLE \(q(table)) ALTER COLUMN \(column)"
        var sql: [String] = []
        if change.checkChanged || (from.type != to.type && dialect.checkExpression(from) != nil) {
            sql.append("ALTER TABLE \(q(table)) DROP CONSTRAINT IF EXISTS \(q(ConstraintName.check(table, to.name)))")
        }
        let newType = dialect.columnType(to)
        if dialect.columnType(from) != newType {
            sql.append("\(alter) SET DATA TYPE \(newType) USING \(column)::\(newType)")
        }
        if change.defaultChanged {
            sql.append(dialect.defaultExpression(to).map { "\(alter) SET DEFAULT \($0)" } ?? "\(alter) DROP DEFAULT")
        }
        if from.optional && !to.optional {
            if let value = dialect.defaultExpression(to) {
                sql.append("UPDATE \(q(table)) SET \(column) = \(value) WHERE \(column) IS NULL")
            }
            sql.append("\(alter) SET NOT NULL")
        } else if !from.optional && to.optional {
            sql.append("\(alter) DROP NOT NULL")
        }
        if change.checkChanged || (from.type != to.type && dialect.checkExpression(to) != nil), let check = checkConstraint(to, table: table) {
            sql.append("ALTER TABLE \(q(table)) ADD \(check)")
        }
        if change.primaryChanged {
            sql.append("ALTER TABLE \(q(table)) DROP CONSTRAINT IF EXISTS \(q(ConstraintName.primaryKey(table)))")
            if to.primary { sql.append("ALTER TABLE \(q(table)) ADD CONSTRAINT \(q(ConstraintName.primaryKey(table))) PRIMARY KEY (\(column))") }
        }
        return sql.map { SQLStatement(phase: 2, sql: $0) }
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
