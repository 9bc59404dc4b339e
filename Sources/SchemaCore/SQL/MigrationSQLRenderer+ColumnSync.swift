extension MigrationSQLRenderer {
    /// What keeps a rolled-out table's columns in step while the rollout lasts (PostgreSQL): one
    /// trigger function for the table (its renamed pairs and its widened fields), its `BEFORE
    /// INSERT OR UPDATE` trigger, and the copy of the stored values.
    ///
    /// A renamed pair: the trigger tells the versions apart by the column they write. During the
    /// expand the new column has no default, so an insert that leaves it NULL comes from the old
    /// version (the new column gets the old one's value) and one that sets it comes from the new
    /// version (the old column gets the new one's, before NOT NULL is checked, so the new version's
    /// inserts satisfy it). An update copies whichever column it changed; the new one wins when
    /// both changed.
    ///
    /// A widened field (``Rollout/widenedFields(from:to:renames:)``): both versions write the
    /// `int` column, and the trigger copies every value into its `bigint` shadow.
    ///
    /// The copy walks the table's pages (``pageBackfillBatch(table:column:value:condition:)``) and
    /// then looks for rows the walk missed; it fills only NULLs, so a value either version wrote
    /// is never overwritten, and a row whose source is NULL needs no copy. Nothing rewrites the table.
    ///
    /// - Parameters:
    ///   - pairs: new column → old column.
    ///   - widened: the widened fields, each filling ``Rollout/shadowName(_:)``.
    ///   - key: the primary-key column, for the search after the walk.
    func columnSync(table: String, pairs: [String: String], widened: [String], key: [String]) -> [SQLStatement] {
        let sorted = pairs.sorted { $0.key < $1.key }
        let name = q(ConstraintName.columnSync(table, in: dialect))
        var body = "BEGIN "
        if !sorted.isEmpty {
            let onInsert = sorted.map { new, old in
                "IF NEW.\(q(new)) IS NULL THEN NEW.\(q(new)) := NEW.\(q(old)); ELSE NEW.\(q(old)) := NEW.\(q(new)); END IF;"
            }
            let onUpdate = sorted.map { new, old in
                "IF NEW.\(q(new)) IS DISTINCT FROM OLD.\(q(new)) THEN NEW.\(q(old)) := NEW.\(q(new)); "
                    + "ELSIF NEW.\(q(old)) IS DISTINCT FROM OLD.\(q(old)) THEN NEW.\(q(new)) := NEW.\(q(old)); END IF;"
            }
            body += "IF TG_OP = 'INSERT' THEN " + onInsert.joined(separator: " ") + " ELSE " + onUpdate.joined(separator: " ") + " END IF; "
        }
        body += widened.map { "NEW.\(q(Rollout.shadowName($0))) := NEW.\(q($0)); " }.joined()
        body += "RETURN NEW; END"
        // The quote tag each kind of rollout had on its own: approved items keep their SQL.
        let tag = sorted.isEmpty ? "$widened$" : "$renamed$"
        var statements = [
            SQLStatement(.tables, "CREATE OR REPLACE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS \(tag) \(body) \(tag)"),
            SQLStatement(.tables, "CREATE TRIGGER \(name) BEFORE INSERT OR UPDATE ON \(q(table)) FOR EACH ROW EXECUTE FUNCTION \(name)()",
                         lock: LockImpact("SHARE ROW EXCLUSIVE", on: table, work: .catalog)),
        ]
        let rowLocks = LockImpact("ROW EXCLUSIVE", on: table, work: .batches)
        let copies = sorted.map { (target: q($0.key), source: q($0.value)) } + widened.map { (target: q(Rollout.shadowName($0)), source: q($0)) }
        for (target, source) in copies {
            let condition = "\(target) IS NULL AND \(source) IS NOT NULL"
            statements.append(SQLStatement(.tables, pageBackfillBatch(table: table, column: target, value: source, condition: condition),
                                           stage: .online, execution: .pageBatches, lock: rowLocks))
            statements.append(SQLStatement(.tables, backfillBatch(table: table, column: target, value: source, key: key, condition: condition),
                                           stage: .online, execution: .batches, lock: rowLocks))
        }
        return statements
    }

    /// Removes what ``columnSync(table:pairs:widened:key:)`` installed, first of all statements of the
    /// contract or the rollback (before any column is dropped).
    func dropColumnSync(table: String) -> [SQLStatement] {
        let name = q(ConstraintName.columnSync(table, in: dialect))
        return [
            SQLStatement(.dropForeignKeys, "DROP TRIGGER IF EXISTS \(name) ON \(q(table))", lock: LockImpact("ACCESS EXCLUSIVE", on: table, work: .catalog)),
            SQLStatement(.dropForeignKeys, "DROP FUNCTION IF EXISTS \(name)()"),
        ]
    }
}

extension MigrationSQLRenderer {
    /// The swap that ends a widening, first of the contract and in its first transaction (after
    /// the trigger is gone): the `int` column is dropped, the filled shadow takes its name, and the
    /// shadow's indexes and check take the names the field's have. A catalog change: no row is
    /// read or written while the table is locked. The row-level security policies that read an
    /// `int` column (this table's, or another's through a relation) are set aside and put back
    /// once the shadow has its name: PostgreSQL refuses to drop a column a policy uses.
    func swapWidenedColumns(table: String, fields: [String], expanded: CanonicalEntity, swapped: CanonicalEntity) -> [SQLStatement] {
        let lock = LockImpact("ACCESS EXCLUSIVE", on: table, work: .catalog)
        var statements = detachPolicies(table: table, columns: fields)
        let keyIndex = Rollout.keyShadowIndex(widened: fields, in: swapped)
        if keyIndex != nil {
            statements += detachIncomingKeys(table: table)
        }
        for field in fields {
            let shadow = Rollout.shadowName(field)
            if swapped.keyColumns.contains(field) {
                statements.append(moveSequence(table: table, field: field))
            }
            statements.append(SQLStatement(.dropForeignKeys, "ALTER TABLE \(q(table)) DROP COLUMN \(q(field))", lock: lock))
            statements.append(SQLStatement(.dropForeignKeys, "ALTER TABLE \(q(table)) RENAME COLUMN \(q(shadow)) TO \(q(field))", lock: lock))
            if let column = expanded.field(named: shadow), dialect.checkExpression(column) != nil {
                statements.append(SQLStatement(.dropForeignKeys, "ALTER TABLE \(q(table)) RENAME CONSTRAINT \(q(ConstraintName.check(table, shadow, in: dialect))) TO \(q(ConstraintName.check(table, field, in: dialect)))", lock: lock))
            }
        }
        // Once every int column (and its indexes) is gone: an index may hold several shadows.
        let shadows = Dictionary(uniqueKeysWithValues: fields.map { (Rollout.shadowName($0), $0) })
        for index in expanded.indexes where index.fields.contains(where: { shadows[$0] != nil }) && index != keyIndex {
            let renamed = Rollout.swappedIndex(index, shadows: shadows, new: swapped)
            statements.append(SQLStatement(.dropForeignKeys, "ALTER INDEX \(q(ConstraintName.index(table, index, in: dialect))) RENAME TO \(q(ConstraintName.index(table, renamed, in: dialect)))", lock: lock))
        }
        return statements + [attachPolicies(table: table)]
    }

    /// The policies on any table whose expressions read one of `columns` of `table`, kept in a
    /// temporary table as PostgreSQL prints them (`pg_get_expr`), then dropped.
    func detachPolicies(table: String, columns: [String]) -> [SQLStatement] {
        let kept = q(ConstraintName.dependentPolicies(table, in: dialect))
        let regclass = "\(dialect.literal(q(table)))::regclass"
        let names = columns.map(dialect.literal).joined(separator: ", ")
        let definition = "format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s', policy.polname, policy.polrelid::regclass, "
            + "CASE WHEN policy.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END, "
            + "CASE policy.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END, "
            + "CASE WHEN policy.polroles = '{0}' THEN 'PUBLIC' ELSE (SELECT string_agg(quote_ident(rolname), ', ') FROM pg_roles WHERE oid = ANY (policy.polroles)) END, "
            + "' USING (' || pg_get_expr(policy.polqual, policy.polrelid) || ')', ' WITH CHECK (' || pg_get_expr(policy.polwithcheck, policy.polrelid) || ')')"
        return [
            SQLStatement(.dropForeignKeys, "CREATE TEMPORARY TABLE \(kept) ON COMMIT DROP AS SELECT DISTINCT policy.polrelid::regclass::text AS \"table\", policy.polname::text AS \"name\", "
                            + "\(definition) AS \"definition\" FROM pg_policy AS policy JOIN pg_depend AS used ON used.classid = 'pg_policy'::regclass AND used.objid = policy.oid "
                            + "WHERE used.refclassid = 'pg_class'::regclass AND used.refobjid = \(regclass) "
                            + "AND used.refobjsubid IN (SELECT attnum FROM pg_attribute WHERE attrelid = \(regclass) AND attname IN (\(names)))"),
            SQLStatement(.dropForeignKeys, forEachKept(in: "SELECT * FROM pg_temp.\(kept)", tag: "policies", #"EXECUTE format('DROP POLICY %I ON %s', kept."name", kept."table");"#),
                         lock: exclusive(table)),
        ]
    }

    /// The policies ``detachPolicies(table:columns:)`` set aside, created again as they were: their
    /// expressions now read the shadows, under the columns' names.
    func attachPolicies(table: String) -> SQLStatement {
        let kept = q(ConstraintName.dependentPolicies(table, in: dialect))
        return SQLStatement(.dropForeignKeys, forEachKept(in: "SELECT * FROM pg_temp.\(kept)", tag: "policies", #"EXECUTE kept."definition";"#), lock: exclusive(table))
    }

    /// `DO $tag$ …`: `body` for each row (`kept`) of the query `rows`, the loop that sets aside
    /// and puts back what a swap must move (policies, incoming foreign keys).
    func forEachKept(in rows: String, tag: String, _ body: String) -> String {
        "DO $\(tag)$ DECLARE kept record; BEGIN FOR kept IN \(rows) LOOP \(body) END LOOP; END $\(tag)$"
    }
}

extension MigrationSQLRenderer {
    /// The first statement of a rollout's contract or rollback: every table its first transaction
    /// must hold `ACCESS EXCLUSIVE` on, taken in one statement, the table first. Dropping a foreign
    /// key (or the column that has it: a widened `int` column, a renamed field's old column) drops
    /// the referenced table's triggers (`relations`); a widened key's incoming foreign keys are
    /// dropped from their tables (found in the catalog). Taken one by one, as the statements reach
    /// them, the locks deadlock with the application's queries that read the same tables in the
    /// other order (a join, an insert's foreign-key check): each try then waits out its lock
    /// timeout. Taken at once, the window for that is a few microseconds. Nil when only the table
    /// itself is locked (its first statement locks it).
    func lockAtOnce(table: String, relations: [CanonicalRelation], keyWidened: Bool) -> SQLStatement? {
        var tables = [q(table)]
        for relation in relations.sorted(by: { $0.target < $1.target }) {
            let target = PrimaryKeys.reference(relation.target, in: primaryKeys, quote: q)
            if !tables.contains(target) { tables.append(target) }
        }
        let lock = exclusive(table)
        guard keyWidened else {
            guard tables.count > 1 else { return nil }
            return SQLStatement(.dropForeignKeys, "LOCK TABLE \(tables.joined(separator: ", ")) IN ACCESS EXCLUSIVE MODE", lock: lock)
        }
        let regclass = "\(dialect.literal(q(table)))::regclass"
        return SQLStatement(.dropForeignKeys, "DO $lock$ DECLARE referrers text; BEGIN SELECT string_agg(', ' || referrer::regclass::text, '' ORDER BY referrer::regclass::text) INTO referrers "
                                + "FROM (SELECT DISTINCT conrelid AS referrer FROM pg_constraint WHERE contype = 'f' AND confrelid = \(regclass) AND conrelid <> \(regclass)) AS found; "
                                + "EXECUTE \(dialect.literal("LOCK TABLE " + tables.joined(separator: ", "))) || coalesce(referrers, '') || ' IN ACCESS EXCLUSIVE MODE'; END $lock$",
                            lock: lock)
    }

    /// Before a widened primary key's `int` columns are dropped (in the swap's transaction): the
    /// foreign keys that point at the key (from any table: other packages', the host's, its own)
    /// are kept in a temporary table and dropped, since they depend on the key's index. What they
    /// are is read from the catalog, as PostgreSQL itself prints them (`pg_get_constraintdef`):
    /// ``attachKey(table:fields:index:constraint:)`` puts them back unchanged.
    func detachIncomingKeys(table: String) -> [SQLStatement] {
        let kept = q(ConstraintName.incomingKeys(table, in: dialect))
        let regclass = "\(dialect.literal(q(table)))::regclass"
        return [
            SQLStatement(.dropForeignKeys, "CREATE TEMPORARY TABLE \(kept) ON COMMIT DROP AS SELECT conrelid::regclass::text AS \"referrer\", conname::text AS \"name\", "
                            + "pg_get_constraintdef(oid) AS \"definition\" FROM pg_constraint WHERE contype = 'f' AND confrelid = \(regclass)"),
            SQLStatement(.dropForeignKeys, forEachKept(in: "SELECT * FROM pg_temp.\(kept)", tag: "incoming",
                                                       #"EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', kept."referrer", kept."name");"#),
                         lock: LockImpact("SHARE ROW EXCLUSIVE", on: table, work: .catalog)),
        ]
    }

    /// A widened key column's sequence (if any: `autoincrement()`) becomes `bigint`, is owned by the
    /// shadow (so dropping the int column leaves it) and is the shadow's default.
    func moveSequence(table: String, field: String) -> SQLStatement {
        let shadow = Rollout.shadowName(field)
        return SQLStatement(.dropForeignKeys, """
                DO $sequence$ DECLARE found text := pg_get_serial_sequence(\(dialect.literal(q(table))), \(dialect.literal(field))); \
                BEGIN IF found IS NOT NULL THEN EXECUTE format('ALTER SEQUENCE %s AS bigint OWNED BY %s.%I', found, \(dialect.literal(q(table))), \(dialect.literal(shadow))); \
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET DEFAULT nextval(%L::regclass)', \(dialect.literal(q(table))), \(dialect.literal(shadow)), found); END IF; END $sequence$
                """, lock: exclusive(table))
    }

    /// After the swap of a widened primary key's `fields`: the foreign keys put back `NOT VALID`
    /// (after the contract's own, which come from the table's structure: one of those is not added
    /// twice) and validated online; NOT NULL through a validated check (no scan under the lock);
    /// and the key's unique `index` made the primary key in the last transaction, renamed to its name.
    func attachKey(table: String, fields: [String], index: CanonicalIndex, constraint: String) -> [SQLStatement] {
        let kept = q(ConstraintName.incomingKeys(table, in: dialect))
        let regclass = "\(dialect.literal(q(table)))::regclass"
        let locked = exclusive(table)
        let helpers = fields.map { (column: q($0), helper: q(ConstraintName.notNull(table, $0, in: dialect))) }
        var statements = [
            SQLStatement(.addForeignKeys, forEachKept(in: "SELECT * FROM pg_temp.\(kept)", tag: "incoming",
                                                      #"IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = kept."referrer"::regclass AND conname = kept."name") THEN "#
                                                        + #"EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s NOT VALID', kept."referrer", kept."name", kept."definition"); END IF;"#),
                         lock: LockImpact("SHARE ROW EXCLUSIVE", on: table, work: .catalog)),
        ]
        statements += helpers.map { SQLStatement(.tables, "ALTER TABLE \(q(table)) ADD CONSTRAINT \($0.helper) CHECK (\($0.column) IS NOT NULL) NOT VALID", lock: locked) }
        statements += helpers.map {
            SQLStatement(.tables, "ALTER TABLE \(q(table)) VALIDATE CONSTRAINT \($0.helper)", stage: .online, lock: LockImpact("SHARE UPDATE EXCLUSIVE", on: table, work: .scan))
        }
        let unvalidated = #"SELECT conrelid::regclass::text AS "referrer", conname::text AS "name" "#
            + "FROM pg_constraint WHERE contype = 'f' AND confrelid = \(regclass) AND NOT convalidated"
        statements.append(SQLStatement(.addForeignKeys, forEachKept(in: unvalidated, tag: "incoming", #"EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', kept."referrer", kept."name");"#),
                                       stage: .online, lock: LockImpact("SHARE UPDATE EXCLUSIVE", on: table, work: .scan)))
        statements += helpers.map { SQLStatement(.tables, "ALTER TABLE \(q(table)) ALTER COLUMN \($0.column) SET NOT NULL", stage: .finish, lock: locked) }
        statements.append(SQLStatement(.tables, "ALTER TABLE \(q(table)) ADD CONSTRAINT \(q(constraint)) PRIMARY KEY USING INDEX "
                                           + q(ConstraintName.index(table, index, in: dialect)), stage: .finish, lock: locked))
        statements += helpers.map { SQLStatement(.tables, "ALTER TABLE \(q(table)) DROP CONSTRAINT IF EXISTS \($0.helper)", stage: .finish, lock: locked) }
        return statements
    }
}
