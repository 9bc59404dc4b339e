extension MigrationSQLRenderer {
    /// Renames the table of `old` to that of `new` (both as the database has them, with the same
    /// columns), keeping every row, and renames with it every object named after the table, so
    /// that the names are those Prisma Migrate gives a table of the new name: the primary key,
    /// the indexes, the foreign keys, the checks, PostgreSQL's serial sequences and row-level
    /// security policies. Foreign keys of other tables follow the table by themselves (PostgreSQL
    /// keeps them by the table's identity; SQLite rewrites them on `RENAME TO`).
    ///
    /// - Parameter phase: ``SQLStatement/Phase/renameTables`` for the way there (first of all),
    ///   ``SQLStatement/Phase/renameTablesBack`` for a rollback's way back (last of all).
    func renameTable(from old: CanonicalEntity, to new: CanonicalEntity, phase: SQLStatement.Phase = .renameTables) -> [SQLStatement] {
        let (before, after) = (old.name, new.name)
        guard before != after else { return [] }
        switch dialect {
        case .postgresql:
            let lock = exclusive(after)
            var statements = [SQLStatement(phase, "ALTER TABLE \(q(before)) RENAME TO \(q(after))", lock: exclusive(before))]
            func renameConstraint(_ from: String, _ to: String) {
                if from != to { statements.append(SQLStatement(phase, "ALTER TABLE \(q(after)) RENAME CONSTRAINT \(q(from)) TO \(q(to))", lock: lock)) }
            }
            if !old.keyColumns.isEmpty {
                // A key with a `map:` keeps its name; the rest of the change renames it if the map changes.
                renameConstraint(ConstraintName.primaryKey(of: old, in: dialect), ConstraintName.primaryKey(of: new, in: dialect))
            }
            for index in old.indexes {
                let (from, to) = (ConstraintName.index(before, index, in: dialect), ConstraintName.index(after, index, in: dialect))
                if from != to {
                    statements.append(SQLStatement(phase, "ALTER INDEX \(q(from)) RENAME TO \(q(to))", lock: LockImpact("SHARE UPDATE EXCLUSIVE", on: after, work: .catalog)))
                }
            }
            if !PrimaryKeys.emulatesRelations(primaryKeys) {
                for relation in old.relations where relation.kind == .belongsTo {
                    if relation.field != nil {
                        renameConstraint(ConstraintName.foreignKey(before, relation, in: dialect), ConstraintName.foreignKey(after, relation, in: dialect))
                    }
                }
            }
            for field in old.fields.sorted(by: { $0.name < $1.name }) {
                if dialect.checkExpression(field) != nil {
                    renameConstraint(ConstraintName.check(before, field.name, in: dialect), ConstraintName.check(after, field.name, in: dialect))
                }
                if field.generated && (field.type == .int || field.type == .bigint), let sql = renameSerialSequence(table: after, column: field.name) {
                    statements.append(SQLStatement(phase, sql))
                }
            }
            let policies = Set(RowLevelSecurity.expectedPolicies(for: old).keys)
            let renamedPolicies = ACLOperation.allCases.compactMap { operation -> (String, String)? in
                let from = PostgresNameRules.cut(RowLevelSecurity.policyName(before, operation))
                return policies.contains(from) ? (from, PostgresNameRules.cut(RowLevelSecurity.policyName(after, operation))) : nil
            }
            if !renamedPolicies.isEmpty {
                statements.append(SQLStatement(phase, renamePolicies(table: after, renamedPolicies), lock: lock))
            }
            return statements
        case .sqlite:
            // SQLite renames neither indexes nor the constraints inside a table's definition: a
            // table with named checks or foreign keys is rebuilt under the new name (which makes
            // its indexes again too), another has each index made again under its new name.
            var statements = [SQLStatement(phase, "ALTER TABLE \(q(before)) RENAME TO \(q(after))")]
            if old.fields.contains(where: { dialect.checkExpression($0) != nil }) || old.relations.contains(where: { foreignKeyClause($0, table: before) != nil && $0.kind == .belongsTo }) {
                return statements + sqliteRebuild(from: new, to: new, renames: [:]).map { statement in
                    var statement = statement
                    statement.phase = phase
                    return statement
                }
            }
            for index in old.indexes.sorted() where ConstraintName.index(before, index, in: dialect) != ConstraintName.index(after, index, in: dialect) {
                statements.append(SQLStatement(phase, dropIndex(index, table: before)))
                statements.append(SQLStatement(phase, createIndex(index, table: after)))
            }
            return statements
        }
    }

    /// Renames the sequence of a serial column to PostgreSQL's own name for the new table's,
    /// found through the column (its name may have been cut), when it fits; otherwise it keeps its name.
    func renameSerialSequence(table: String, column: String) -> String? {
        let name = "\(table)_\(column)_seq"
        guard name.utf8.count <= 63 else { return nil }
        return alterSerialSequence(table: table, column: column, "RENAME TO %I", arguments: [dialect.literal(name)])
    }

    /// Renames those of `pairs`' policies (old → new name) the table has: they exist only where
    /// row-level security was installed (`apply --rls`).
    func renamePolicies(table: String, _ pairs: [(String, String)]) -> String {
        let renames = pairs.map { from, to in
            "IF EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = \(dialect.literal(q(table)))::regclass AND polname = \(dialect.literal(from))) "
                + "THEN ALTER POLICY \(q(from)) ON \(q(table)) RENAME TO \(q(to)); END IF;"
        }
        return "DO $policies$ BEGIN " + renames.joined(separator: " ") + " END $policies$"
    }

    /// The view that keeps the old table name working for the version still running while a
    /// renamed table rolls out (PostgreSQL): its columns, under the old name, over the renamed
    /// table. A view of one table's columns is updatable, so the old version's inserts, updates,
    /// deletes and upserts reach the table (its defaults, triggers and constraints apply);
    /// `security_invoker` makes the table's row-level security and privileges those of whoever
    /// queries the view, and the roles that may use the table are given the same rights on it.
    ///
    /// - Parameter swapped: a join table whose sides swapped: the view's `A` is the table's `B`
    ///   and its `B` the table's `A` (a simple view, so PostgreSQL writes through it too).
    func compatibilityView(_ old: CanonicalEntity, over table: String, swapped: Bool = false) -> [SQLStatement] {
        let columns = MigrationSQLRenderer.orderedFields(old).map { field in
            guard swapped, let source = JoinTables.swappedSides[field.name] else { return q(field.name) }
            return "\(q(source)) AS \(q(field.name))"
        }.joined(separator: ", ")
        return [
            SQLStatement(.createViews, "CREATE VIEW \(q(old.name)) WITH (security_invoker = true) AS SELECT \(columns) FROM \(q(table))"),
            SQLStatement(.createViews, grantsLike(table, on: old.name)),
        ]
    }

    /// Gives every role (but the owner) that may read or write `table` the same rights on
    /// `target` (PostgreSQL): a view over a renamed table, a join table copied under a new name.
    func grantsLike(_ table: String, on target: String) -> String {
        """
        DO $grants$ DECLARE privilege record; BEGIN \
        FOR privilege IN SELECT a.privilege_type AS kind, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee \
        FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = \(dialect.literal(q(table)))::regclass \
        AND a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE') AND a.grantee <> c.relowner LOOP \
        EXECUTE format('GRANT %s ON %I TO %s', privilege.kind, \(dialect.literal(target)), privilege.grantee); END LOOP; END $grants$
        """
    }

    /// Drops the view ``compatibilityView(_:over:swapped:)`` made, first of a contract or a rollback.
    func dropCompatibilityView(_ name: String) -> SQLStatement {
        SQLStatement(.dropViews, "DROP VIEW IF EXISTS \(q(name))")
    }

    /// Copies the rows of the join table `old` into `new` (``DerivedChange/movingJoinTable(from:to:swapped:renderer:rollout:)``),
    /// each column into the other when the sides `swapped`, in one transaction (SQLite; and the
    /// way back of a rolled-out move on PostgreSQL, whose start copies online,
    /// ``mirroredJoinCopy(from:to:swapped:)``). On PostgreSQL the old table is locked
    /// against writes first, until the transaction drops it: reads go on, and no row written
    /// after the copy is lost with the table; the roles that could use it get the same rights
    /// on the new one.
    func copyJoinRows(from old: String, to new: String, swapped: Bool) -> [SQLStatement] {
        let source = swapped ? #""B", "A""# : #""A", "B""#
        let copy = #"INSERT INTO \#(q(new)) ("A", "B") SELECT \#(source) FROM \#(q(old))"#
        guard dialect == .postgresql else { return [SQLStatement(.tables, copy)] }
        let lock = LockImpact("EXCLUSIVE", on: old, work: .rewrite)
        return [SQLStatement(.tables, "LOCK TABLE \(q(old)) IN EXCLUSIVE MODE", lock: lock), SQLStatement(.tables, copy, lock: lock),
                SQLStatement(.tables, grantsLike(old, on: new))]
    }

    /// The policies the host put on the join table `old` (a package's join table has none of its
    /// own): a copy under a new name would leave them behind, and their expressions name columns
    /// that may swap, so a move is refused while there are any.
    func policiesLeftBehind(_ old: String, movingTo new: String, swapped: Bool) -> DataCheck {
        DataCheck(.violations, table: old, count: #"SELECT COUNT(*) AS "count" FROM pg_policy WHERE polrelid = CAST(\#(dialect.literal(q(old))) AS regclass)"#,
                  "policies of \(old) (row-level security), which the copy into \(new) would leave behind; drop them, apply, and make them again on \(new)"
                    + (swapped ? ", whose columns A and B hold each other's keys" : ""))
    }

    /// The online form of ``copyJoinRows(from:to:swapped:)`` (PostgreSQL): no lock that blocks
    /// the application's writes while the pairs are copied, however many there are.
    ///
    /// In the first transaction, beside the new table, triggers on `old` make every write to it
    /// (by the running version; a `TRUNCATE` too) the same write to `new`; online, the pairs are copied in batches of
    /// pages, each locking its rows `FOR SHARE` so that a pair deleted meanwhile is either not
    /// copied or deleted again by the trigger once the batch commits, and a pair already there is
    /// left (`ON CONFLICT DO NOTHING`: a batch runs again safely after a crash); in the item's last
    /// transaction the function goes with the old table (``dropJoinMirror(from:)``). The function
    /// keeps the search path it was made with, so every role's writes reach the same table.
    func mirroredJoinCopy(from old: String, to new: String, swapped: Bool) -> [SQLStatement] {
        let name = q(ConstraintName.joinMove(old, in: dialect))
        let (a, b) = swapped ? (q("B"), q("A")) : (q("A"), q("B"))
        let body = "BEGIN IF TG_OP = 'TRUNCATE' THEN DELETE FROM \(q(new)); RETURN NULL; END IF; "
            + "IF TG_OP <> 'INSERT' THEN DELETE FROM \(q(new)) WHERE \(q("A")) = OLD.\(a) AND \(q("B")) = OLD.\(b); END IF; "
            + "IF TG_OP <> 'DELETE' THEN INSERT INTO \(q(new)) (\(q("A")), \(q("B"))) VALUES (NEW.\(a), NEW.\(b)) ON CONFLICT DO NOTHING; END IF; "
            + "RETURN NULL; END"
        let catalog = LockImpact("SHARE ROW EXCLUSIVE", on: old, work: .catalog)
        let first = "CAST($1 AS bigint)", end = "CAST($1 AS bigint) + CAST($2 AS bigint)"
        let pairs = #"SELECT \#(a) AS "A", \#(b) AS "B" FROM \#(q(old)) WHERE "ctid" >= CAST('(' || \#(first) || ',0)' AS tid) "#
            + #"AND "ctid" < CAST('(' || (\#(end)) || ',0)' AS tid) FOR SHARE"#
        let batch = #"WITH "copied" AS (INSERT INTO \#(q(new)) ("A", "B") SELECT "A", "B" FROM (\#(pairs)) AS "pairs" ON CONFLICT DO NOTHING RETURNING 1) "#
            + #"SELECT COUNT(*) AS "filled", pg_relation_size(CAST(\#(dialect.literal(q(old))) AS regclass)) / current_setting('block_size')::bigint AS "pages" FROM "copied""#
        return [
            SQLStatement(.tables, grantsLike(old, on: new)),
            SQLStatement(.tables, "CREATE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $mirror$ \(body) $mirror$"),
            SQLStatement(.tables, "CREATE TRIGGER \(name) AFTER INSERT OR UPDATE OR DELETE ON \(q(old)) FOR EACH ROW EXECUTE FUNCTION \(name)()", lock: catalog),
            SQLStatement(.tables, "CREATE TRIGGER \(q(ConstraintName.joinMoveTruncate(old, in: dialect))) AFTER TRUNCATE ON \(q(old)) FOR EACH STATEMENT EXECUTE FUNCTION \(name)()",
                         lock: catalog),
            SQLStatement(.tables, batch, stage: .online, execution: .pageBatches, lock: LockImpact("ROW SHARE", on: old, work: .batches)),
        ]
    }

    /// The function of ``mirroredJoinCopy(from:to:swapped:)``, dropped after the old table (whose
    /// drop takes its triggers), in the item's last transaction.
    func dropJoinMirror(from old: String) -> SQLStatement {
        SQLStatement(.dropTables, "DROP FUNCTION IF EXISTS \(q(ConstraintName.joinMove(old, in: dialect)))()", stage: .finish)
    }
}
