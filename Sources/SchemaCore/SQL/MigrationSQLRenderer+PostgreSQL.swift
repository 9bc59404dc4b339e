extension MigrationSQLRenderer {
    /// PostgreSQL, written for a live database: nothing holds a lock that blocks the application
    /// for longer than a catalog change, except the table rewrites that say so (and need their own
    /// acknowledgement). Indexes are built `CONCURRENTLY`, foreign keys and checks are added
    /// `NOT VALID` and validated later, `SET NOT NULL` goes through a validated check, backfills
    /// run in batches; those run as online steps after the transaction (see ``SQLStatement/Stage``).
    /// A new table is created whole in the transaction: nobody can see it before it commits.
    func renderPostgreSQL(_ step: MigrationStep) -> [SQLStatement] {
        let table = step.table
        let creating = step.from == nil
        var statements = postgresEnumTypeStatements(step)
        for operation in step.operations {
            switch operation {
            case .createTable(let entity):
                var lines = Self.orderedFields(entity).map { "    " + columnDefinition($0, inlinePrimaryKey: false) }
                if !entity.keyColumns.isEmpty {
                    let name = ConstraintName.primaryKey(of: entity, in: dialect)
                    lines.append("    CONSTRAINT \(q(name)) PRIMARY KEY (\(entity.keyColumns.map(q).joined(separator: ", ")))")
                }
                lines += entity.fields.compactMap { checkConstraint($0, table: table) }.map { "    " + $0 }
                statements.append(SQLStatement(.tables, "CREATE TABLE \(q(table)) (\n" + lines.joined(separator: ",\n") + "\n)", lock: exclusive(table)))
            case .dropTable:
                // Its foreign keys go first, so tables dropped together, such as every entity of a
                // removed package, can be dropped in any order.
                for relation in step.from?.relations ?? [] where relation.kind == .belongsTo {
                    statements += postgresDropForeignKey(relation, table: table)
                }
                statements.append(SQLStatement(.dropTables, "DROP TABLE \(q(table))", lock: exclusive(table)))
            case .addColumn(_, let field):
                statements += postgresAddColumn(field, table: table)
            case .dropColumn(_, let field):
                statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) DROP COLUMN \(q(field.name))", lock: exclusive(table)))
            case .renameTable, .moveJoinTable:
                continue // Rendered by DerivedChange: renameTable(from:to:) before the step; a join table's move whole.
            case .handBackTable:
                continue // The host's table from now on: nothing runs.
            case .renameConstraint(_, let from, let to):
                statements.append(renameConstraint(table: table, from: from, to: to))
            case .renameColumn(_, let from, let to):
                statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) RENAME COLUMN \(q(from)) TO \(q(to))", lock: exclusive(table)))
                if let field = step.from?.field(named: from), dialect.checkExpression(field) != nil {
                    statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) RENAME CONSTRAINT \(q(ConstraintName.check(table, from, in: dialect))) TO \(q(ConstraintName.check(table, to, in: dialect)))",
                                                   lock: exclusive(table)))
                }
            case .alterColumn(_, let from, let to):
                statements += postgresAlterColumn(table: table, from: from, to: to, key: step.to.map(\.keyColumns) ?? ["id"],
                                                  constraints: (step.from.map { ConstraintName.primaryKey(of: $0, in: dialect) } ?? ConstraintName.primaryKey(table, in: dialect),
                                                                step.to.map { ConstraintName.primaryKey(of: $0, in: dialect) } ?? ConstraintName.primaryKey(table, in: dialect)))
            case .createIndex(_, let index) where creating:
                statements.append(SQLStatement(.createIndexes, createIndex(index, table: table), lock: LockImpact("SHARE", on: table, work: .catalog)))
            case .createIndex(_, let index):
                let name = ConstraintName.index(table, index, in: dialect)
                statements.append(SQLStatement(
                    .createIndexes, "CREATE \(index.unique ? "UNIQUE " : "")INDEX CONCURRENTLY IF NOT EXISTS \(q(name)) ON \(q(table))\(indexBody(index))",
                    stage: .online, index: name, lock: LockImpact("SHARE UPDATE EXCLUSIVE", on: table, work: .scan)))
            case .dropIndex(_, let index):
                statements.append(SQLStatement(.dropIndexes, "DROP INDEX CONCURRENTLY IF EXISTS \(q(ConstraintName.index(table, index, in: dialect)))",
                                               stage: .online, lock: LockImpact("SHARE UPDATE EXCLUSIVE", on: table, work: .catalog)))
            case .addForeignKey(_, let relation):
                guard let clause = foreignKeyClause(relation, table: table) else { continue }
                if relation.references != nil {
                    statements += postgresForeignKeyToUniqueIndex(relation, clause: clause, table: table)
                    continue
                }
                if creating {
                    statements.append(SQLStatement(.addForeignKeys, "ALTER TABLE \(q(table)) ADD \(clause)",
                                                   lock: LockImpact("SHARE ROW EXCLUSIVE", on: relation.target, work: .catalog)))
                    continue
                }
                statements.append(SQLStatement(.addForeignKeys, "ALTER TABLE \(q(table)) ADD \(clause) NOT VALID",
                                               lock: LockImpact("SHARE ROW EXCLUSIVE", on: table, work: .catalog)))
                statements.append(SQLStatement(.addForeignKeys, "ALTER TABLE \(q(table)) VALIDATE CONSTRAINT \(q(ConstraintName.foreignKey(table, relation, in: dialect)))",
                                               stage: .online, lock: LockImpact("SHARE UPDATE EXCLUSIVE", on: table, work: .scan)))
            case .dropForeignKey(_, let relation):
                statements += postgresDropForeignKey(relation, table: table)
            }
        }
        if let entity = step.to {
            statements += RowLevelSecurity.statements(for: entity, primaryKeys: primaryKeys, identity: identity, newTable: creating).map { SQLStatement(.rowLevelSecurity, $0, lock: exclusive(table)) }
        }
        return statements
    }

    /// A key to a unique index of its target rather than its primary key. That index may be one
    /// this start builds online (`CONCURRENTLY`, after the first transaction: the target gains the
    /// unique column in the same start), and a foreign key can only be added once it exists; so
    /// the key is added as an online step, after the index builds (the start runs the items that
    /// add keys online last), dropped first so that the step runs again safely after a crash, then
    /// validated online. A NOT VALID key holds for every row written from then on.
    func postgresForeignKeyToUniqueIndex(_ relation: CanonicalRelation, clause: String, table: String) -> [SQLStatement] {
        let name = q(ConstraintName.foreignKey(table, relation, in: dialect))
        return [
            SQLStatement(.addForeignKeys, "ALTER TABLE \(q(table)) DROP CONSTRAINT IF EXISTS \(name), ADD \(clause) NOT VALID", stage: .online, lock: exclusive(table)),
            SQLStatement(.addForeignKeys, "ALTER TABLE \(q(table)) VALIDATE CONSTRAINT \(name)", stage: .online,
                         lock: LockImpact("SHARE UPDATE EXCLUSIVE", on: table, work: .scan)),
        ]
    }

    func exclusive(_ table: String) -> LockImpact { LockImpact("ACCESS EXCLUSIVE", on: table, work: .catalog) }

    /// Drops a belongsTo relation's foreign key, first of all statements.
    func postgresDropForeignKey(_ relation: CanonicalRelation, table: String) -> [SQLStatement] {
        guard relation.field != nil, !PrimaryKeys.emulatesRelations(primaryKeys) else { return [] }
        return [SQLStatement(.dropForeignKeys, "ALTER TABLE \(q(table)) DROP CONSTRAINT IF EXISTS \(q(ConstraintName.foreignKey(table, relation, in: dialect)))", lock: exclusive(table))]
    }

    /// A new column. With a constant or stable default (or none) PostgreSQL records it in the
    /// catalog without touching rows; its checks are added NOT VALID and validated online.
    func postgresAddColumn(_ field: CanonicalField, table: String) -> [SQLStatement] {
        // A serial or a volatile default (`gen_random_uuid()`) gives every row a value of its own: a rewrite.
        let perRow = (field.generated && (field.type == .int || field.type == .bigint)) || field.databaseDefault?.isVolatile == true
        var statements = [SQLStatement(.tables, "ALTER TABLE \(q(table)) ADD COLUMN \(columnDefinition(field, inlinePrimaryKey: false))",
                                       lock: LockImpact("ACCESS EXCLUSIVE", on: table, work: perRow ? .rewrite : .catalog))]
        if let expression = dialect.checkExpression(field) {
            statements += validatedCheck(ConstraintName.check(table, field.name, in: dialect), expression, table: table)
        }
        return statements
    }

    /// A CHECK added NOT VALID in the transaction (new and updated rows must pass it from then on)
    /// and validated online, which reads the table without blocking reads or writes.
    func validatedCheck(_ name: String, _ expression: String, table: String) -> [SQLStatement] {
        [
            SQLStatement(.tables, "ALTER TABLE \(q(table)) ADD CONSTRAINT \(q(name)) CHECK (\(expression)) NOT VALID", lock: exclusive(table)),
            SQLStatement(.tables, "ALTER TABLE \(q(table)) VALIDATE CONSTRAINT \(q(name))", stage: .online,
                         lock: LockImpact("SHARE UPDATE EXCLUSIVE", on: table, work: .scan)),
        ]
    }

    /// One column changed: checks, type, default, nullability, primary key, in that order.
    ///
    /// - Parameter constraints: the key constraint's name before and after the change (a `map:` of the key, or Prisma's).
    func postgresAlterColumn(table: String, from: CanonicalField, to: CanonicalField, key: [String], constraints: (old: String, new: String)) -> [SQLStatement] {
        let change = ColumnChange(from: from, to: to)
        let column = q(to.name)
        let alter = "ALTER TABLE \(q(table)) ALTER COLUMN \(column)"
        var statements: [SQLStatement] = []
        // An enum type's values are not a CHECK on PostgreSQL: only the other limits count.
        let enumTyped = from.enumType != nil || to.enumType != nil
        let checksChange = (enumTyped ? dialect.checkExpression(from) != dialect.checkExpression(to) : change.checkChanged)
            || (from.type != to.type && (dialect.checkExpression(from) != nil || dialect.checkExpression(to) != nil))
        if checksChange {
            statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) DROP CONSTRAINT IF EXISTS \(q(ConstraintName.check(table, to.name, in: dialect)))", lock: exclusive(table)))
        }
        let retyped = dialect.columnType(from) != dialect.columnType(to)
        // A default does not follow a column into or out of an enum type, nor a list into another
        // array type: dropped before, set after.
        let defaultAcrossEnum = retyped && (enumTyped || from.list || to.list) && (from.defaultValue != nil || from.listDefault != nil)
        if defaultAcrossEnum {
            statements.append(SQLStatement(.tables, "\(alter) DROP DEFAULT", lock: exclusive(table)))
        }
        if retyped {
            statements += postgresChangeType(table: table, from: from, to: to)
        }
        if change.defaultChanged || (defaultAcrossEnum && (to.defaultValue != nil || to.listDefault != nil)) {
            // A value this change adds to the enum type can be used only once it is committed.
            let usesAddedValue: Bool
            if let type = to.enumType, from.enumType == type, case .string(let value)? = to.defaultValue, case .added(let added) = EnumTypeChange(from: from.enumValues ?? [], to: to.enumValues ?? []) {
                usesAddedValue = added.contains(value)
            } else {
                usesAddedValue = false
            }
            statements.append(SQLStatement(.tables, dialect.defaultExpression(to).map { "\(alter) SET DEFAULT \($0)" } ?? "\(alter) DROP DEFAULT",
                                           stage: usesAddedValue ? .finish : .transaction, lock: exclusive(table)))
        }
        if checksChange, let expression = dialect.checkExpression(to) {
            statements += validatedCheck(ConstraintName.check(table, to.name, in: dialect), expression, table: table)
        }
        if from.optional && !to.optional {
            // SET NOT NULL would read the table under ACCESS EXCLUSIVE; with a validated
            // CHECK (column IS NOT NULL) PostgreSQL takes that as proof and skips the scan. The
            // check is validated without blocking anyone, and the item's last short transaction
            // sets NOT NULL. A NOT VALID check already applies to every row written, so it must
            // not exist while rows still hold NULL: the application updating such a row for any
            // other reason would fail. With a default, existing NULLs are set to it in batches
            // first (each holding row locks only), then the check is added, then a last pass
            // catches the rows written with NULL in between; without one, no row may hold NULL
            // (apply counts them first) and the check goes into the first transaction.
            let helper = ConstraintName.notNull(table, to.name, in: dialect)
            let addHelper = "ALTER TABLE \(q(table)) ADD CONSTRAINT \(q(helper)) CHECK (\(column) IS NOT NULL) NOT VALID"
            if let value = dialect.defaultExpression(to) {
                let rowLocks = LockImpact("ROW EXCLUSIVE", on: table, work: .batches)
                // The first pass walks the table's pages once, in the order they are stored; the
                // second finds the few NULLs the walk could not see (rows the application wrote
                // behind it, or an update moved out of the batch's pages while the batch waited for
                // it) before the check exists, so the application's updates of those rows never
                // meet the check; a third, after it, fills what was written with NULL in between.
                statements.append(SQLStatement(.tables, pageBackfillBatch(table: table, column: column, value: value),
                                               stage: .online, execution: .pageBatches, lock: rowLocks))
                statements.append(SQLStatement(.tables, backfillBatch(table: table, column: column, value: value, key: key),
                                               stage: .online, execution: .batches, lock: rowLocks))
                // Dropping first makes the step safe to run again after a crash.
                statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) DROP CONSTRAINT IF EXISTS \(q(helper)), ADD CONSTRAINT \(q(helper)) CHECK (\(column) IS NOT NULL) NOT VALID",
                                               stage: .online, lock: exclusive(table)))
                statements.append(SQLStatement(.tables, backfillBatch(table: table, column: column, value: value, key: key),
                                               stage: .online, execution: .batches, lock: rowLocks))
            } else {
                statements.append(SQLStatement(.tables, addHelper, lock: exclusive(table)))
            }
            statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) VALIDATE CONSTRAINT \(q(helper))", stage: .online,
                                           lock: LockImpact("SHARE UPDATE EXCLUSIVE", on: table, work: .scan)))
            statements.append(SQLStatement(.tables, "\(alter) SET NOT NULL", stage: .finish, lock: exclusive(table)))
            statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) DROP CONSTRAINT IF EXISTS \(q(helper))", stage: .finish, lock: exclusive(table)))
        } else if !from.optional && to.optional {
            statements.append(SQLStatement(.tables, "\(alter) DROP NOT NULL", lock: exclusive(table)))
        }
        if change.primaryChanged {
            statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) DROP CONSTRAINT IF EXISTS \(q(constraints.old))", lock: exclusive(table)))
            if to.primary {
                statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) ADD CONSTRAINT \(q(constraints.new)) PRIMARY KEY (\(column))",
                                               lock: LockImpact("ACCESS EXCLUSIVE", on: table, work: .scan)))
            }
        }
        return statements
    }

    /// A type change. Values are never altered silently: widening casts keep every value; a
    /// narrowing one is guarded. The guard is a CHECK that the old values fit, added (it reads
    /// every row) and dropped again under the ACCESS EXCLUSIVE lock the rewrite holds until commit,
    /// so a row written after `apply` counted the violations still makes the change fail instead
    /// of being truncated or rounded. (An assignment to a shorter `VARCHAR` alone would cut
    /// trailing spaces without an error.) Casts that reinterpret values are destructive (DS104)
    /// and acknowledged at approval.
    func postgresChangeType(table: String, from: CanonicalField, to: CanonicalField) -> [SQLStatement] {
        let column = q(to.name)
        let newType = dialect.columnType(to)
        let alter = "ALTER TABLE \(q(table)) ALTER COLUMN \(column) SET DATA TYPE \(newType)"
        let rewrite = LockImpact("ACCESS EXCLUSIVE", on: table, work: .rewrite)
        // A value becomes a list of one (`MigrationPlanner` plans it only for the same element type).
        if to.list && !from.list {
            return [SQLStatement(.tables, "\(alter) USING CASE WHEN \(column) IS NULL THEN NULL ELSE ARRAY[\(column)] END", lock: rewrite)]
        }
        // A list becomes its one element (rows holding more are counted first; an empty list is NULL).
        if from.list && !to.list {
            return [SQLStatement(.tables, "\(alter) USING \(column)[1]", lock: rewrite)]
        }
        // Into, out of or between enum types (a list's elements too, through the array's text): through the value's text (there is no cast between
        // two enum types); a value the enum type lacks fails the statement (counted first).
        if from.enumType != nil || to.enumType != nil {
            return [SQLStatement(.tables, "\(alter) USING \(column)::text::\(newType)", lock: rewrite)]
        }
        // A list's elements narrowed (`float[]` to `int[]`): a CHECK holds no subquery, so the guard
        // converts the whole array and back, which gives the same array only when no element was
        // rounded (one out of the new range fails the cast itself). Rows breaking it were counted first.
        if ColumnChange(from: from, to: to).narrowsListElements {
            return guarded(table: table, column: to.name, "\(column)::\(newType)::\(dialect.columnType(from)) = \(column)")
                + [SQLStatement(.tables, "\(alter) USING \(column)::\(newType)", lock: rewrite)]
        }
        // Text with an offset names that instant: read as a `timestamptz` and kept as its UTC
        // time, as Prisma keeps a DateTime (the plain cast to TIMESTAMP drops the offset, and
        // `+05:00` would move the instant five hours). Without one, the text is the UTC time
        // itself, whatever the session's time zone. Text that is no ISO 8601 date was counted
        // first. (Any text: `TEXT`, `VARCHAR(n)`, `CITEXT`.)
        if from.type.isText, from.enumType == nil, to.type == .datetime, to.nativeType == nil, !from.list, !to.list {
            return [SQLStatement(.tables, "\(alter) USING CASE WHEN \(Self.hasOffset(column)) THEN (\(column)::timestamptz AT TIME ZONE 'UTC') ELSE \(column)::timestamp END",
                                 lock: rewrite)]
        }
        // A list's elements the same way: a conversion holds no subquery, so the elements are read
        // as `timestamptz` and turned into timestamps by the session's time zone, which is UTC for
        // this one statement (its value before is kept in a placeholder setting and put back).
        if from.type.isText, from.enumType == nil, to.type == .datetime, to.nativeType == nil, from.list, to.list {
            return Self.inUTC(SQLStatement(.tables, "\(alter) USING \(column)::timestamptz[]::\(newType)", lock: rewrite))
        }
        // Another native type (TEXT → UUID, TIMESTAMP → TIMESTAMPTZ): PostgreSQL converts every value.
        if from.nativeType != to.nativeType {
            let change = SQLStatement(.tables, "\(alter) USING \(column)::\(newType)", lock: rewrite)
            guard let kept = NativeConversion.keeps(column, from: from, to: to) else { return [change] }
            return guarded(table: table, column: to.name, kept) + [change]
        }
        switch (from.type, to.type) {
        case (let a, let b) where a.isText && b.isText:
            // A longer limit, or none, changes only the catalog; a shorter one reads and rewrites.
            guard let limit = to.maxLength, from.maxLength.map({ limit < $0 }) ?? true else {
                return [SQLStatement(.tables, alter, lock: exclusive(table))]
            }
            return guarded(table: table, column: to.name, "char_length(\(column)) <= \(limit)") + [SQLStatement(.tables, alter, lock: rewrite)]
        case (.int, .bigint) where from.generated && to.generated:
            return [SQLStatement(.tables, alter, lock: rewrite), widenSequence(table: table, column: to.name)]
        case (.int, .bigint), (.int, .float):
            return [SQLStatement(.tables, alter, lock: rewrite)]
        case (.bigint, .float):
            return guarded(table: table, column: to.name, "abs(\(column)) <= 9007199254740992") + [SQLStatement(.tables, alter, lock: rewrite)]
        case (.float, .int), (.float, .bigint), (.bigint, .int), (.decimal, .int), (.decimal, .bigint):
            let range = to.type == .int ? "2147483647" : "9223372036854775807"
            return guarded(table: table, column: to.name, "\(column) = trunc(\(column)) AND abs(\(column)) <= \(range)")
                + [SQLStatement(.tables, "\(alter) USING \(column)::\(newType)", lock: rewrite)]
        default:
            return [SQLStatement(.tables, "\(alter) USING \(column)::\(newType)", lock: rewrite)]
        }
    }

    /// `statement` run with the session's time zone set to UTC, and set back to what it was
    /// after: `SET LOCAL` alone would leave UTC to the rest of the transaction, whose defaults
    /// (`CURRENT_TIMESTAMP` into a `TIMESTAMP` column) read it.
    static func inUTC(_ statement: SQLStatement) -> [SQLStatement] {
        let saved = "'package_schema.time_zone'"
        return [SQLStatement(.tables, "SELECT set_config(\(saved), current_setting('TimeZone'), true)"),
                SQLStatement(.tables, "SET LOCAL TimeZone = 'UTC'"),
                statement,
                SQLStatement(.tables, "SELECT set_config('TimeZone', current_setting(\(saved)), true)")]
    }

    /// A constraint renamed: catalog only (the index behind a key is renamed with it, nothing is rebuilt).
    func renameConstraint(table: String, from: String, to: String) -> SQLStatement {
        SQLStatement(.tables, "ALTER TABLE \(q(table)) RENAME CONSTRAINT \(q(from)) TO \(q(to))", lock: exclusive(table))
    }

    /// Makes the sequence of an `autoincrement()` column count in `bigint`: a `SERIAL` column's
    /// sequence is `AS integer`, and changing the column's type leaves it so, so the next id past
    /// 2,147,483,647 would still fail. Its name is looked up, as a renamed table keeps its old one.
    func widenSequence(table: String, column: String) -> SQLStatement {
        SQLStatement(.tables, alterSerialSequence(table: table, column: column, "AS bigint"), lock: exclusive(table))
    }

    /// `ALTER SEQUENCE <the column's sequence> <alteration>`, a format string whose `%` arguments
    /// follow the sequence's name; nothing when the column has no sequence.
    func alterSerialSequence(table: String, column: String, _ alteration: String, arguments: [String] = []) -> String {
        """
        DO $sequence$ DECLARE found text := pg_get_serial_sequence(\(dialect.literal(q(table))), \(dialect.literal(column))); \
        BEGIN IF found IS NOT NULL THEN EXECUTE format('ALTER SEQUENCE %s \(alteration)', \((["found"] + arguments).joined(separator: ", "))); END IF; END $sequence$
        """
    }

    /// A CHECK that every stored value survives a conversion, validated and dropped at once: the
    /// lock it takes is held until commit, so no row can change between it and the conversion.
    func guarded(table: String, column: String, _ condition: String) -> [SQLStatement] {
        let name = q(ConstraintName.conversionGuard(table, column, in: dialect))
        return [
            SQLStatement(.tables, "ALTER TABLE \(q(table)) ADD CONSTRAINT \(name) CHECK (\(condition))", lock: LockImpact("ACCESS EXCLUSIVE", on: table, work: .scan)),
            SQLStatement(.tables, "ALTER TABLE \(q(table)) DROP CONSTRAINT \(name)", lock: exclusive(table)),
        ]
    }

    /// One batch of a backfill's search for NULLs: sets up to ``backfillBatchSize`` of them to
    /// `value` and returns how many it found; the batches end when one finds none. It follows the
    /// walk over the pages, which leaves few or none, so one scan usually ends it. Rows are picked
    /// by key, not by `ctid`, and the update checks `IS NULL` again: a row the application updates
    /// meanwhile is followed to its new version, and a value the application wrote is never overwritten.
    /// The condition (default `column IS NULL`) must be false once a row is filled, or the batches never end.
    ///
    /// - Parameter key: the primary key's columns (a compound key is matched as a row value); a
    ///   table without one is matched by `ctid`, which the `IS NULL` check again keeps right.
    func backfillBatch(table: String, column: String, value: String, key: [String], condition: String? = nil) -> String {
        let condition = condition ?? "\(column) IS NULL"
        let columns = key.isEmpty ? "ctid" : key.map(q).joined(separator: ", ")
        let match = key.count == 1 ? columns : "(\(columns))"
        return #"WITH "batch" AS (SELECT \#(columns) FROM \#(q(table)) WHERE \#(condition) LIMIT \#(Self.backfillBatchSize)), "#
            + #""filled" AS (UPDATE \#(q(table)) SET \#(column) = \#(value) WHERE \#(condition) AND \#(match) IN (SELECT \#(columns) FROM "batch") RETURNING 1) "#
            + #"SELECT COUNT(*) AS "count" FROM "batch""#
    }

    /// One batch of a backfill's walk over the table's pages (``SQLStatement/Execution/pageBatches``):
    /// sets the NULLs stored on pages `$1` to `$1 + $2 - 1` to `value` (a TID range scan reads
    /// those pages only) and returns how many rows it filled and the table's size in pages.
    /// Batches that look for NULLs instead read again, every time, the rows the batches before
    /// them filled (quadratic in the table's size); batches by key read the table in the key's
    /// order, one random page per row. The update checks `IS NULL` again, so a value the
    /// application wrote is never overwritten. A row the application updates while the batch
    /// waits for it may move to a page outside the range and be skipped: the search for NULLs
    /// after the walk (``backfillBatch(table:column:value:key:)``) finds it.
    ///
    /// - Parameter condition: which rows of the range it fills (default: `column IS NULL`).
    func pageBackfillBatch(table: String, column: String, value: String, condition: String? = nil) -> String {
        let first = "CAST($1 AS bigint)", end = "CAST($1 AS bigint) + CAST($2 AS bigint)"
        let condition = condition ?? "\(column) IS NULL"
        return #"WITH "filled" AS (UPDATE \#(q(table)) SET \#(column) = \#(value) "#
            + #"WHERE "ctid" >= CAST('(' || \#(first) || ',0)' AS tid) AND "ctid" < CAST('(' || (\#(end)) || ',0)' AS tid) AND \#(condition) RETURNING 1) "#
            + #"SELECT COUNT(*) AS "filled", pg_relation_size(CAST(\#(dialect.literal(q(table))) AS regclass)) / current_setting('block_size')::bigint AS "pages" FROM "filled""#
    }

    /// Rows a batch of a backfill updates.
    public static let backfillBatchSize = 5_000
}
