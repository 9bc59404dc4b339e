extension MigrationSQLRenderer {
    /// PostgreSQL: one or more statements per operation, then the row-level security policies of
    /// the new structure (they run only with `apply --rls`, but the approval pins them either way).
    func renderPostgreSQL(_ step: MigrationStep) -> [SQLStatement] {
        let table = step.table
        var statements: [SQLStatement] = []
        for operation in step.operations {
            switch operation {
            case .createTable(let entity):
                var lines = Self.orderedFields(entity).map { "    " + columnDefinition($0, inlinePrimaryKey: false) }
                if let key = entity.primaryKey { lines.append("    CONSTRAINT \(q(ConstraintName.primaryKey(table))) PRIMARY KEY (\(q(key.name)))") }
                lines += entity.fields.compactMap { checkConstraint($0, table: table) }.map { "    " + $0 }
                statements.append(SQLStatement(.tables, "CREATE TABLE \(q(table)) (\n" + lines.joined(separator: ",\n") + "\n)"))
            case .dropTable:
                // Its foreign keys go first, so tables dropped together, such as every entity of a
                // removed package, can be dropped in any order.
                for relation in step.from?.relations ?? [] where relation.kind == .belongsTo {
                    statements += postgresDropForeignKey(relation, table: table)
                }
                statements.append(SQLStatement(.dropTables, "DROP TABLE \(q(table))"))
            case .addColumn(_, let field):
                statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) ADD COLUMN \(columnDefinition(field, inlinePrimaryKey: false))"))
                if let check = checkConstraint(field, table: table) {
                    statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) ADD \(check)"))
                }
            case .dropColumn(_, let field):
                statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) DROP COLUMN \(q(field.name))"))
            case .renameColumn(_, let from, let to):
                statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) RENAME COLUMN \(q(from)) TO \(q(to))"))
                if let field = step.from?.field(named: from), dialect.checkExpression(field) != nil {
                    statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) RENAME CONSTRAINT \(q(ConstraintName.check(table, from))) TO \(q(ConstraintName.check(table, to)))"))
                }
            case .alterColumn(_, let from, let to):
                statements += postgresAlterColumn(table: table, from: from, to: to)
            case .createIndex(_, let index):
                statements.append(SQLStatement(.createIndexes, createIndex(index, table: table)))
            case .dropIndex(_, let index):
                statements.append(SQLStatement(.dropIndexes, dropIndex(index, table: table)))
            case .addForeignKey(_, let relation):
                if let clause = foreignKeyClause(relation, table: table) {
                    statements.append(SQLStatement(.addForeignKeys, "ALTER TABLE \(q(table)) ADD \(clause)"))
                }
            case .dropForeignKey(_, let relation):
                statements += postgresDropForeignKey(relation, table: table)
            }
        }
        if let entity = step.to {
            statements += RowLevelSecurity.statements(for: entity, primaryKeys: primaryKeys).map { SQLStatement(.rowLevelSecurity, $0) }
        }
        return statements
    }

    /// Drops a belongsTo relation's foreign key, first of all statements.
    func postgresDropForeignKey(_ relation: CanonicalRelation, table: String) -> [SQLStatement] {
        guard let column = relation.field else { return [] }
        return [SQLStatement(.dropForeignKeys, "ALTER TABLE \(q(table)) DROP CONSTRAINT \(q(ConstraintName.foreignKey(table, column)))")]
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
        return sql.map { SQLStatement(.tables, $0) }
    }
}
