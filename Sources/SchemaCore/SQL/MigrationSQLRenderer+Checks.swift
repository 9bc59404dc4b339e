extension MigrationSQLRenderer {
    /// The values a dropped column takes with it.
    func columnDeletions(table: String, column: String) -> DataCheck {
        DataCheck(.deletions, table: table, count: #"SELECT COUNT(*) AS "count" FROM \#(q(table)) WHERE \#(q(column)) IS NOT NULL"#,
                  "values of \(table).\(column), deleted with the column")
    }

    /// The questions a step asks of the rows it meets, written against the table as it is
    /// before the step (columns under their names before its renames). Both dialects walk the
    /// same operations; only the SQL functions differ.
    func checks(for step: MigrationStep) -> [DataCheck] {
        guard step.from != nil else { return [] }
        let table = step.table
        let length = dialect == .postgresql ? "char_length" : "length"
        var checks: [DataCheck] = []
        func violations(_ condition: String, _ description: String) {
            checks.append(DataCheck(.violations, table: table, count: #"SELECT COUNT(*) AS "count" FROM \#(q(table)) WHERE \#(condition)"#,
                                    examples: examples(step, where: condition), description))
        }
        for operation in step.operations {
            switch operation {
            case .dropTable:
                checks.append(DataCheck(.deletions, table: table, count: #"SELECT COUNT(*) AS "count" FROM \#(q(table))"#, "rows of \(table), deleted with the table"))
            case .dropColumn(_, let field):
                checks.append(columnDeletions(table: table, column: field.name))
            case .addColumn(_, let field) where !field.optional && !field.hasDefault && !field.generated:
                checks.append(DataCheck(.violations, table: table, count: #"SELECT COUNT(*) AS "count" FROM \#(q(table))"#, examples: examples(step, where: nil),
                                        "rows of \(table), which the new NOT NULL column \(field.name) without a default cannot fill"))
            case .alterColumn(_, let from, let to):
                let before = step.operations.renames[to.name] ?? to.name
                var current = to
                current.name = before
                let column = q(before)
                // A condition on one value (`what` it is), asked of the column, or of each element of a list.
                func valueViolations(_ condition: (String) -> String, _ what: String) {
                    if to.list {
                        violations(anyElement(of: column, where: condition(Self.element)), "rows of \(table) whose \(to.name) holds an element that \(what)")
                    } else {
                        violations(condition(column), "rows of \(table) whose \(to.name) \(what)")
                    }
                }
                if dialect == .postgresql {
                    // Values the new enum type lacks: removed ones, or any text a column gaining the type holds.
                    if let type = to.enumType, let allowed = to.enumValues,
                       from.enumType != type || !Set(from.enumValues ?? []).isSubset(of: Set(allowed)) {
                        let values = allowed.map(dialect.literal).joined(separator: ", ")
                        if to.list {
                            let elements = from.list ? "\(column)::text[]" : "ARRAY[\(column)::text]"
                            violations("NOT (\(elements) <@ ARRAY[\(values)]::text[])",
                                       "rows of \(table) whose \(to.name) holds an element that is not a value of the enum \(type) (\(allowed.joined(separator: ", ")))")
                        } else {
                            violations("\(column)::text NOT IN (\(values))",
                                       "rows of \(table) whose \(to.name) is not a value of the enum \(type) (\(allowed.joined(separator: ", ")))")
                        }
                    }
                    if from.list && !to.list {
                        violations("cardinality(\(column)) > 1", "rows of \(table) whose \(to.name) holds more than one element, which a single value cannot keep")
                        if !to.optional && dialect.defaultExpression(to) == nil {
                            violations("cardinality(\(column)) = 0", "rows of \(table) whose \(to.name) is an empty list, which becomes NULL, which the column may no longer hold")
                        }
                    }
                    if let kept = NativeConversion.keeps(column, from: from, to: to) {
                        violations("\(column) IS NOT NULL AND NOT (\(kept))", "rows of \(table) whose \(to.name) \(NativeConversion.loss(to: to))")
                    }
                    if from.type.isText && to.type.isText, let limit = to.maxLength, from.maxLength.map({ limit < $0 }) ?? true {
                        violations("\(length)(\(column)) > \(limit)", "rows of \(table) whose \(to.name) is longer than \(limit) characters")
                    }
                    switch (from.type, to.type) {
                    case (.float, .int), (.float, .bigint), (.bigint, .int), (.decimal, .int), (.decimal, .bigint):
                        let range = to.type == .int ? "2147483647" : "9223372036854775807"
                        valueViolations({ "\($0) <> trunc(\($0)) OR abs(\($0)) > \(range)" }, "is not a whole number in range, which the new type would round")
                    default: break
                    }
                }
                // Text the database cannot read as the new type fails PostgreSQL's cast (and the start
                // with it) and stays text in SQLite's column, where Prisma Client cannot read it:
                // counted first, so the change is refused with the rows.
                let reading = from.type.isText && from.enumType == nil ? TextReading(into: to) : nil
                if let reading {
                    valueViolations({ "\($0) IS NOT NULL AND \(unreadable($0, as: reading))" }, reading.failure(in: dialect))
                }
                // SQLite's REAL affinity rounds such integers as silently as a PostgreSQL cast.
                if from.type == .bigint && to.type == .float {
                    valueViolations({ "abs(\($0)) > 9007199254740992" }, "is beyond 2^53, which a float would round")
                }
                let change = ColumnChange(from: from, to: to)
                if let expression = dialect.checkExpression(current), change.checkChanged && !change.loosensOrKeepsChecks || from.type != to.type {
                    let description = "rows of \(table) whose \(to.name) breaks the new constraint (\(dialect.checkExpression(to) ?? expression))"
                    if let reading, !to.list, let number = number(column, as: reading) {
                        // Text becoming a number meets the new bounds as the number it becomes (text
                        // compared with a number is an error on PostgreSQL, always greater on SQLite);
                        // text that is no number is counted above. CASE, because the order in which
                        // PostgreSQL evaluates the terms of an AND is its own, and the cast fails on such text.
                        violations("CASE WHEN \(unreadable(column, as: reading)) THEN false ELSE NOT (\(expression.replacingOccurrences(of: column, with: number))) END", description)
                    } else {
                        violations("NOT (\(expression))", description)
                    }
                }
                if from.optional && !to.optional {
                    if let value = dialect.defaultExpression(to) {
                        checks.append(DataCheck(.backfill, table: table, count: #"SELECT COUNT(*) AS "count" FROM \#(q(table)) WHERE \#(column) IS NULL"#,
                                                "rows of \(table) whose \(to.name) is NULL, set to the default \(value)"))
                    } else {
                        violations("\(column) IS NULL", "rows of \(table) whose \(to.name) is NULL, which the column may no longer hold")
                    }
                }
                if change.primaryChanged && to.primary {
                    checks.append(duplicates(CanonicalIndex(fields: [before], unique: true), table: table,
                                             description: "rows of \(table) whose \(to.name) is NULL or shared with another row, which the new primary key refuses", nulls: true))
                }
            case .createIndex(_, let index) where index.unique:
                if let check = duplicates(index, step: step) { checks.append(check) }
            case .addForeignKey(_, let relation) where !PrimaryKeys.emulatesRelations(primaryKeys):
                if let column = relation.field, let check = orphans(relation, column: column, step: step) { checks.append(check) }
            default:
                break
            }
        }
        return checks
    }

    /// A condition true for a row when an element of its array `column` meets `condition`, which
    /// names the element with ``element`` (PostgreSQL's `unnest`; a count may hold the subquery a
    /// CHECK may not).
    func anyElement(of column: String, where condition: String) -> String {
        "EXISTS (SELECT 1 FROM unnest(\(column)) AS \(Self.element) WHERE \(condition))"
    }

    /// What ``anyElement(of:where:)`` calls one element.
    static let element = #""element""#
}
