extension MigrationSQLRenderer {
    /// What keeps a renamed field's two columns equal while a rollout lasts (PostgreSQL): one
    /// trigger function for the table's renamed pairs, its `BEFORE INSERT OR UPDATE` trigger, and
    /// the copy of every stored old value into the new column.
    ///
    /// The trigger tells the versions apart by the column they write: during the expand the new
    /// column has no default, so an insert that leaves it NULL comes from the old version (the new
    /// column gets the old one's value) and one that sets it comes from the new version (the old
    /// column gets the new one's, before NOT NULL is checked, so the new version's inserts
    /// satisfy it). An update copies whichever column it changed; the new one wins when both
    /// changed. The copy walks the table's pages (``pageBackfillBatch(table:column:value:condition:)``)
    /// and then looks for rows the walk missed; it fills only NULLs, so a value either version
    /// wrote is never overwritten, and a row whose old value is NULL needs no copy.
    ///
    /// - Parameters:
    ///   - pairs: new column → old column.
    ///   - key: the primary-key column, for the search after the walk.
    func renamedColumnSync(table: String, pairs: [String: String], key: [String]) -> [SQLStatement] {
        let sorted = pairs.sorted { $0.key < $1.key }
        let name = q(ConstraintName.columnSync(table, in: dialect))
        let onInsert = sorted.map { new, old in
            "IF NEW.\(q(new)) IS NULL THEN NEW.\(q(new)) := NEW.\(q(old)); ELSE NEW.\(q(old)) := NEW.\(q(new)); END IF;"
        }
        let onUpdate = sorted.map { new, old in
            "IF NEW.\(q(new)) IS DISTINCT FROM OLD.\(q(new)) THEN NEW.\(q(old)) := NEW.\(q(new)); "
                + "ELSIF NEW.\(q(old)) IS DISTINCT FROM OLD.\(q(old)) THEN NEW.\(q(new)) := NEW.\(q(old)); END IF;"
        }
        let body = "BEGIN IF TG_OP = 'INSERT' THEN " + onInsert.joined(separator: " ") + " ELSE " + onUpdate.joined(separator: " ")
            + " END IF; RETURN NEW; END"
        var statements = [
            SQLStatement(.tables, "CREATE OR REPLACE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $renamed$ \(body) $renamed$"),
            SQLStatement(.tables, "CREATE TRIGGER \(name) BEFORE INSERT OR UPDATE ON \(q(table)) FOR EACH ROW EXECUTE FUNCTION \(name)()",
                         lock: LockImpact("SHARE ROW EXCLUSIVE", on: table, work: .catalog)),
        ]
        let rowLocks = LockImpact("ROW EXCLUSIVE", on: table, work: .batches)
        for (new, old) in sorted {
            let condition = "\(q(new)) IS NULL AND \(q(old)) IS NOT NULL"
            statements.append(SQLStatement(.tables, pageBackfillBatch(table: table, column: q(new), value: q(old), condition: condition),
                                           stage: .online, execution: .pageBatches, lock: rowLocks))
            statements.append(SQLStatement(.tables, backfillBatch(table: table, column: q(new), value: q(old), key: key, condition: condition),
                                           stage: .online, execution: .batches, lock: rowLocks))
        }
        return statements
    }

    /// Removes what ``renamedColumnSync(table:pairs:key:)`` or ``widenedColumnSync(table:fields:key:)``
    /// installed, first of all statements of the contract or the rollback (before any column is dropped).
    func dropColumnSync(table: String) -> [SQLStatement] {
        let name = q(ConstraintName.columnSync(table, in: dialect))
        return [
            SQLStatement(.dropForeignKeys, "DROP TRIGGER IF EXISTS \(name) ON \(q(table))", lock: LockImpact("ACCESS EXCLUSIVE", on: table, work: .catalog)),
            SQLStatement(.dropForeignKeys, "DROP FUNCTION IF EXISTS \(name)()"),
        ]
    }
}

extension MigrationSQLRenderer {
    /// What fills the shadow column of each `int` field widened to `bigint` during a rollout
    /// (``Rollout/widenedFields(from:to:renames:)``): a trigger that copies every value either
    /// version writes to the field into its shadow, and the copy of the stored values (a walk over
    /// the table's pages, then a search for rows the walk missed). Nothing rewrites the table.
    func widenedColumnSync(table: String, fields: [String], key: [String]) -> [SQLStatement] {
        let name = q(ConstraintName.columnSync(table, in: dialect))
        let copies = fields.map { "NEW.\(q(Rollout.shadowName($0))) := NEW.\(q($0));" }.joined(separator: " ")
        var statements = [
            SQLStatement(.tables, "CREATE OR REPLACE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $widened$ BEGIN \(copies) RETURN NEW; END $widened$"),
            SQLStatement(.tables, "CREATE TRIGGER \(name) BEFORE INSERT OR UPDATE ON \(q(table)) FOR EACH ROW EXECUTE FUNCTION \(name)()",
                         lock: LockImpact("SHARE ROW EXCLUSIVE", on: table, work: .catalog)),
        ]
        let rowLocks = LockImpact("ROW EXCLUSIVE", on: table, work: .batches)
        for field in fields {
            let shadow = q(Rollout.shadowName(field)), column = q(field)
            let condition = "\(shadow) IS NULL AND \(column) IS NOT NULL"
            statements.append(SQLStatement(.tables, pageBackfillBatch(table: table, column: shadow, value: column, condition: condition),
                                           stage: .online, execution: .pageBatches, lock: rowLocks))
            statements.append(SQLStatement(.tables, backfillBatch(table: table, column: shadow, value: column, key: key, condition: condition),
                                           stage: .online, execution: .batches, lock: rowLocks))
        }
        return statements
    }

    /// The swap that ends a widening, first of the contract and in its first transaction (after
    /// the trigger is gone): the `int` column is dropped, the filled shadow takes its name, and the
    /// shadow's indexes and check take the names the field's have. A catalog change: no row is
    /// read or written while the table is locked.
    func swapWidenedColumns(table: String, fields: [String], expanded: CanonicalEntity, swapped: CanonicalEntity) -> [SQLStatement] {
        let lock = LockImpact("ACCESS EXCLUSIVE", on: table, work: .catalog)
        var statements: [SQLStatement] = []
        for field in fields {
            let shadow = Rollout.shadowName(field)
            statements.append(SQLStatement(.dropForeignKeys, "ALTER TABLE \(q(table)) DROP COLUMN \(q(field))", lock: lock))
            statements.append(SQLStatement(.dropForeignKeys, "ALTER TABLE \(q(table)) RENAME COLUMN \(q(shadow)) TO \(q(field))", lock: lock))
            for index in expanded.indexes where index.fields == [shadow] {
                guard let renamed = swapped.indexes.first(where: { $0.fields == [field] && $0.unique == index.unique }) else { continue }
                statements.append(SQLStatement(.dropForeignKeys, "ALTER INDEX \(q(ConstraintName.index(table, index, in: dialect))) RENAME TO \(q(ConstraintName.index(table, renamed, in: dialect)))", lock: lock))
            }
            if let column = expanded.field(named: shadow), dialect.checkExpression(column) != nil {
                statements.append(SQLStatement(.dropForeignKeys, "ALTER TABLE \(q(table)) RENAME CONSTRAINT \(q(ConstraintName.check(table, shadow, in: dialect))) TO \(q(ConstraintName.check(table, field, in: dialect)))", lock: lock))
            }
        }
        return statements
    }
}
