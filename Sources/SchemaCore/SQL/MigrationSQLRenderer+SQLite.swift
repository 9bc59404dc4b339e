extension MigrationSQLRenderer {
    /// SQLite: each operation in place when `ALTER TABLE` can make it; otherwise the whole step
    /// becomes Prisma's table rebuild, because SQLite cannot alter or drop columns with
    /// constraints, or add foreign keys, in place.
    func renderSQLite(_ step: MigrationStep) -> [SQLStatement] {
        let table = step.table
        var statements: [SQLStatement] = []
        for operation in step.operations {
            switch operation {
            case .createTable(let entity):
                statements.append(SQLStatement(.tables, sqliteCreateTable(entity, name: table)))
            case .dropTable:
                statements.append(SQLStatement(.dropTables, "DROP TABLE \(q(table))"))
            case .handBackTable:
                continue // The host's table from now on: nothing runs.
            case .addColumn(_, let field) where sqliteCanAddInPlace(field):
                let check = checkConstraint(field, table: table).map { " " + $0 } ?? ""
                statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) ADD COLUMN \(columnDefinition(field, inlinePrimaryKey: false))\(check)"))
            case .renameConstraint:
                continue // SQLite keeps Prisma's names: a key constraint has none, a foreign key Prisma's.
            case .renameTable, .moveJoinTable:
                continue // Rendered by DerivedChange: renameTable(from:to:) before the step; a join table's move whole.
            case .renameColumn(_, let from, let to):
                statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) RENAME COLUMN \(q(from)) TO \(q(to))"))
            case .createIndex(_, let index):
                statements.append(SQLStatement(.createIndexes, createIndex(index, table: table)))
            case .dropIndex(_, let index):
                statements.append(SQLStatement(.dropIndexes, dropIndex(index, table: table)))
            case .addForeignKey where step.from == nil:
                continue // Part of the CREATE TABLE: SQLite declares foreign keys with the table.
            case .addColumn, .dropColumn, .alterColumn, .addForeignKey, .dropForeignKey:
                guard let old = step.from, let new = step.to else { continue }
                return sqliteRebuild(from: old, to: new, renames: step.operations.renames)
            }
        }
        return statements
    }

    /// SQLite refuses NOT NULL without a default, and non-constant defaults, in ADD COLUMN.
    func sqliteCanAddInPlace(_ field: CanonicalField) -> Bool {
        !field.primary && (field.optional || field.defaultValue != nil) && !(field.type == .datetime && field.defaultValue == .string("now"))
            && field.databaseDefault == nil
    }

    func sqliteCreateTable(_ entity: CanonicalEntity, name: String) -> String {
        var lines = Self.orderedFields(entity).map { "    " + columnDefinition($0, inlinePrimaryKey: entity.compoundKey == nil) }
        if let key = entity.compoundKey { lines.append("    PRIMARY KEY (\(key.map(q).joined(separator: ", ")))") }
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
            if source.type.isText, source.enumType == nil, !source.list, TextReading(into: field) == .boolean {
                expression = sqliteTextAsBoolean(expression)
            }
            if source.optional && !field.optional, let value = dialect.defaultExpression(field) {
                expression = "COALESCE(\(expression), \(value))"
            }
            copied.append((field.name, expression))
        }
        var statements = [
            SQLStatement(.tables, "PRAGMA defer_foreign_keys=ON"),
            SQLStatement(.tables, sqliteCreateTable(new, name: temporary)),
        ]
        if !copied.isEmpty {
            statements.append(SQLStatement(.tables, "INSERT INTO \(q(temporary)) (\(copied.map { q($0.target) }.joined(separator: ", "))) SELECT \(copied.map(\.source).joined(separator: ", ")) FROM \(q(table))"))
        }
        statements.append(SQLStatement(.tables, "DROP TABLE \(q(table))"))
        statements.append(SQLStatement(.tables, "ALTER TABLE \(q(temporary)) RENAME TO \(q(table))"))
        statements += new.indexes.map { SQLStatement(.createIndexes, createIndex($0, table: table)) }
        return statements
    }
}
