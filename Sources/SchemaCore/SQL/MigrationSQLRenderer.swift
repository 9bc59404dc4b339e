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
    /// Where row-level security policies read the acting user from.
    public var identity: IdentitySource
    /// The enum types the host's schema declares: its migrations own them, so no change drops one.
    public var hostEnums: Set<String>

    /// Creates a renderer.
    public init(dialect: SQLDialect, primaryKeys: [String: String], identity: IdentitySource = .settings, hostEnums: Set<String> = []) {
        self.dialect = dialect
        self.primaryKeys = primaryKeys
        self.identity = identity
        self.hostEnums = hostEnums
    }

    /// The statements of one step, and the checks to ask the database about its rows.
    public func render(_ step: MigrationStep) -> RenderedStep {
        switch dialect {
        case .sqlite:
            let statements = renderSQLite(step)
            var checks = checks(for: step)
            // A rebuild copies every row while it holds SQLite's one write lock.
            if statements.contains(where: { $0.sql.hasPrefix("INSERT INTO \(q("new_" + step.table))") }) {
                checks.append(DataCheck(.copies, table: step.table, count: #"SELECT COUNT(*) AS "count" FROM \#(q(step.table))"#,
                                        "rows of \(step.table) copied into the rebuilt table"))
            }
            return RenderedStep(statements: statements, checks: checks)
        case .postgresql:
            let statements = renderPostgreSQL(step)
            var checks = checks(for: step)
            // A rewrite copies every row while it holds ACCESS EXCLUSIVE.
            if statements.contains(where: { $0.lock?.work == .rewrite }) {
                checks.append(DataCheck(.copies, table: step.table, count: #"SELECT COUNT(*) AS "count" FROM \#(q(step.table))"#,
                                        "rows of \(step.table) rewritten while reads and writes wait"))
            }
            return RenderedStep(statements: statements, checks: checks)
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
        dialect.checkExpression(field).map { "CONSTRAINT \(q(ConstraintName.check(table, field.name, in: dialect))) CHECK (\($0))" }
    }

    /// The foreign key of a belongsTo relation; none when the host emulates relations.
    func foreignKeyClause(_ relation: CanonicalRelation, table: String) -> String? {
        guard relation.field != nil, !PrimaryKeys.emulatesRelations(primaryKeys) else { return nil }
        let columns = relation.foreignKeyFields.map(q).joined(separator: ", ")
        let referenced = PrimaryKeys.referencedColumns(relation, in: primaryKeys).map(q).joined(separator: ", ")
        let separator = dialect == .sqlite ? " " : ""
        return "CONSTRAINT \(q(ConstraintName.foreignKey(table, relation, in: dialect))) FOREIGN KEY (\(columns)) REFERENCES \(PrimaryKeys.reference(relation.target, in: primaryKeys, quote: q))\(separator)(\(referenced))"
            + " ON DELETE \((relation.onDelete ?? .Restrict).sql) ON UPDATE \((relation.onUpdate ?? .Cascade).sql)"
    }

    func createIndex(_ index: CanonicalIndex, table: String) -> String {
        "CREATE \(index.unique ? "UNIQUE " : "")INDEX \(q(ConstraintName.index(table, index, in: dialect))) ON \(q(table))\(indexBody(index))"
    }

    /// `USING gin ("email" gin_trgm_ops)` or `("a", "b" DESC)`, as Prisma Migrate writes an
    /// index's method, operator classes and sort order. Method and classes are PostgreSQL's (Prisma
    /// offers them only there); SQLite keeps the order.
    func indexBody(_ index: CanonicalIndex) -> String {
        let columns = index.fields.map { field -> String in
            var column = q(field)
            if dialect == .postgresql, let opclass = index.operatorClasses?[field], Identifier.isOperatorClass(opclass) { column += " " + opclass }
            if index.descending?.contains(field) == true { column += " DESC" }
            return column
        }
        let method = dialect == .postgresql ? index.method.map { " USING \($0.sql) " } ?? "" : ""
        return method + "(" + columns.joined(separator: ", ") + ")"
    }

    func dropIndex(_ index: CanonicalIndex, table: String) -> String {
        "DROP INDEX \(q(ConstraintName.index(table, index, in: dialect)))"
    }

    // MARK: - Checks on the rows a change meets

    /// Up to three primary keys of `table`'s rows matching `condition`, as text.
    func examples(_ step: MigrationStep, where condition: String?) -> String {
        let key = step.from?.keyColumns ?? step.to?.keyColumns ?? []
        // A table without a key names its rows by where they are stored.
        let text = key.isEmpty ? (dialect == .postgresql ? "ctid::text" : "CAST(rowid AS TEXT)") : keyText(key)
        return #"SELECT \#(text) AS "key" FROM \#(q(step.table))"# + (condition.map { " WHERE \($0)" } ?? "") + " ORDER BY 1 LIMIT 3"
    }

    /// A row's key as one text: its one column's value, or several joined by ", ".
    func keyText(_ columns: [String]) -> String {
        let texts = columns.map { dialect == .postgresql ? "\(q($0))::text" : "CAST(\(q($0)) AS TEXT)" }
        guard texts.count > 1 else { return texts.first ?? "NULL" }
        return dialect == .postgresql ? "concat_ws(', ', \(texts.joined(separator: ", ")))" : texts.joined(separator: " || ', ' || ")
    }

    /// The column names a step's new columns had before its renames; nil for columns it adds.
    func namesBefore(_ columns: [String], step: MigrationStep) -> [String]? {
        let renames = step.operations.renames
        let names = columns.map { renames[$0] ?? $0 }
        return names.allSatisfy({ step.from?.field(named: $0) != nil }) ? names : nil
    }

    /// Duplicates under a new unique index: how many groups of rows share a key (rows whose key
    /// has a NULL never collide). A column the change adds holds the same value in every existing
    /// row (its default), so it does not tell rows apart: the groups are of the other columns, and
    /// of all rows when there are none. A new nullable column without a default is NULL in every
    /// existing row, so nothing can collide.
    func duplicates(_ index: CanonicalIndex, step: MigrationStep) -> DataCheck? {
        let table = step.table
        let renames = step.operations.renames
        var existing: [String] = []
        for name in index.fields {
            let before = renames[name] ?? name
            if step.from?.field(named: before) != nil {
                existing.append(before)
            } else if let added = step.to?.field(named: name), added.optional && !added.hasDefault {
                return nil
            }
        }
        let description = "groups of rows of \(table) with the same (\(index.fields.joined(separator: ", "))), which the new unique index refuses"
        guard !existing.isEmpty else {
            return DataCheck(.violations, table: table, count: #"SELECT CASE WHEN COUNT(*) > 1 THEN 1 ELSE 0 END AS "count" FROM \#(q(table))"#,
                             examples: examples(step, where: nil), description)
        }
        return duplicates(CanonicalIndex(fields: existing, unique: true), table: table, description: description, nulls: false)
    }

    /// Groups of rows of `table` sharing `index`'s columns (as named before the change); with
    /// `nulls`, rows with a NULL in them count too (a primary key may hold none).
    func duplicates(_ index: CanonicalIndex, table: String, description: String, nulls: Bool) -> DataCheck {
        let columns = index.fields.map(q).joined(separator: ", ")
        let notNull = index.fields.map { "\(q($0)) IS NOT NULL" }.joined(separator: " AND ")
        let groups = "SELECT \(columns) FROM \(q(table))\(nulls ? "" : " WHERE \(notNull)") GROUP BY \(columns) HAVING COUNT(*) > 1"
        let key = index.fields.map { dialect == .postgresql ? "\(q($0))::text" : "CAST(\(q($0)) AS TEXT)" }
        let keyText = dialect == .postgresql ? "concat_ws(', ', \(key.joined(separator: ", ")))" : key.joined(separator: " || ', ' || ")
        var count = #"SELECT COUNT(*) AS "count" FROM (\#(groups)) AS "duplicates""#
        if nulls { count = #"SELECT (SELECT COUNT(*) FROM (\#(groups)) AS "duplicates") + (SELECT COUNT(*) FROM \#(q(table)) WHERE NOT (\#(notNull))) AS "count""# }
        return DataCheck(.violations, table: table, count: count,
                         examples: #"SELECT \#(keyText) AS "key" FROM \#(q(table))\#(nulls ? "" : " WHERE \(notNull)") GROUP BY \#(columns) HAVING COUNT(*) > 1 ORDER BY 1 LIMIT 3"#,
                         description)
    }

    /// Rows of the step's table whose foreign key has no match in the target.
    func orphans(_ relation: CanonicalRelation, column: String, step: MigrationStep) -> DataCheck? {
        let table = step.table
        let referencedColumns = PrimaryKeys.referencedColumns(relation, in: primaryKeys)
        let referenced = q(referencedColumns.first ?? "id")
        // The target's table as the database names it (a mapped host model's `accounts`).
        let target = PrimaryKeys.reference(relation.target, in: primaryKeys, quote: q)
        let reads = [PrimaryKeys.qualifiedTable(relation.target, in: primaryKeys)]
        // A key to other columns than the target's primary key may name one the target gains in
        // the same start: the check says which it reads, to be asked only once they are there.
        let readsColumns = relation.foreignKeyFields.count > 1 || relation.references != nil ? [reads[0]: referencedColumns] : [:]
        if relation.foreignKeyFields.count > 1 {
            // Each column's value in the rows there are: the column itself, or a new column's
            // default. A new column without one is NULL in every row, and a key with a NULL
            // column references nothing (MATCH SIMPLE): nothing to count. (A key of one column
            // keeps its own two forms below: their text is pinned by approvals already given.)
            var values: [String] = []
            for column in relation.foreignKeyFields {
                if let before = namesBefore([column], step: step)?.first {
                    values.append("\(q(table)).\(q(before))")
                } else if let field = step.to?.field(named: column), let value = dialect.defaultExpression(field) {
                    values.append(value)
                } else {
                    return nil
                }
            }
            let matches = zip(referencedColumns, values).map { "\"parent\".\(q($0)) = \($1)" }.joined(separator: " AND ")
            let condition = values.map { "\($0) IS NOT NULL" }.joined(separator: " AND ") + " AND NOT EXISTS (SELECT 1 FROM \(target) AS \"parent\" WHERE \(matches))"
            return DataCheck(.violations, table: table, count: #"SELECT COUNT(*) AS "count" FROM \#(q(table)) WHERE \#(condition)"#,
                             examples: examples(step, where: condition), reads: reads, readsColumns: readsColumns,
                             "rows of \(table) whose (\(relation.foreignKeyFields.joined(separator: ", "))) matches no \(relation.target)")
        }
        if let before = namesBefore([column], step: step)?.first {
            let condition = "\(q(before)) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM \(target) AS \"parent\" WHERE \"parent\".\(referenced) = \(q(table)).\(q(before)))"
            return DataCheck(.violations, table: table, count: #"SELECT COUNT(*) AS "count" FROM \#(q(table)) WHERE \#(condition)"#,
                             examples: examples(step, where: condition), reads: reads, readsColumns: readsColumns,
                             "rows of \(table) whose \(column) matches no \(relation.target)")
        }
        guard let field = step.to?.field(named: column), let value = dialect.defaultExpression(field) else { return nil }
        return DataCheck(.violations, table: table,
                         count: #"SELECT CASE WHEN EXISTS (SELECT 1 FROM \#(target) WHERE \#(referenced) = \#(value)) THEN 0 ELSE COUNT(*) END AS "count" FROM \#(q(table))"#,
                         examples: examples(step, where: nil), reads: reads, readsColumns: readsColumns,
                         "rows of \(table) whose new \(column) gets the default \(value), which matches no \(relation.target)")
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
