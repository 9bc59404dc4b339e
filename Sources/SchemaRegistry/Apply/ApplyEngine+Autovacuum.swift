import SchemaCore

extension ApplyEngine {
    /// Takes `SHARE UPDATE EXCLUSIVE` on the existing tables whose statements block writes, for
    /// the rest of the transaction, before those statements run (PostgreSQL only).
    ///
    /// An autovacuum holds that lock for as long as it works on a table, which after a backfill
    /// of millions of rows is minutes. The server cancels it for a lock wait that outlasts
    /// `deadlock_timeout` (1 s by default), but the statements that block writes wait for their
    /// lock a fifth of that, so each try failed and the start ended with 75. This lock blocks no
    /// reader or writer while it waits, so it may wait as long as an online step: the server
    /// cancels the autovacuum, and none can start on the table again before the transaction ends.
    /// An autovacuum that prevents wraparound is never cancelled; the wait then ends with the
    /// online timeout and the start with 75, as for any other lock. A table this role may not
    /// lock so (a host table a new foreign key references, owned by another role that granted
    /// it no UPDATE, DELETE or TRUNCATE) is left out: its statement then waits as before.
    static func holdOffAutovacuum(for statements: [SQLStatement], _ request: ApplyRequest, _ connection: any RegistryConnection) throws {
        guard connection.dialect == .postgresql else { return }
        let blocking = Dictionary(grouping: statements.filter { $0.lock?.blocksWrites == true }) { $0.lock?.table ?? "" }
        let tables = blocking.keys.sorted()
        guard !tables.isEmpty else { return }
        // Autovacuum works on a partitioned table's partitions, never on it. A statement PostgreSQL
        // carries down to them (a column added, an index dropped) locks every partition, so all
        // are locked (LOCK TABLE recurses), when this role may lock each; one that touches the
        // table alone (an index `ON ONLY`, an index attached) is locked ONLY.
        let alone = tables.filter { blocking[$0]?.allSatisfy(PartitionLayout.locksTableAlone) == true }
        // `alone` is bound after one empty name, so that its `IN` list is never empty.
        let existing = try connection.query(
            #"""
            SELECT c."relname", CASE WHEN c."relkind" = 'p' AND (c."relname" IN \#(Registry.placeholders(alone.count + 1))
                   OR EXISTS (SELECT FROM pg_partition_tree(c."oid") AS t WHERE NOT has_table_privilege(t."relid", 'UPDATE, DELETE, TRUNCATE')))
                   THEN 'ONLY ' ELSE '' END AS "only"
            FROM pg_class AS c WHERE c."relname" IN \#(Registry.placeholders(tables.count)) AND c."relkind" IN ('r', 'p')
            AND c."relnamespace" = \#(CatalogSQL.currentNamespace) AND has_table_privilege(c."oid", 'UPDATE, DELETE, TRUNCATE') ORDER BY c."relname"
            """#,
            ([""] + alone + tables).map(SQLValue.text)).compactMap { row in row["relname"]?.text.map { (row["only"]?.text ?? "") + SQLDialect.postgresql.quote($0) } }
        guard !existing.isEmpty else { return }
        try connection.execute("SET LOCAL lock_timeout = '\(LockPolicy.milliseconds(request.lockPolicy.onlineTimeout))ms'")
        try connection.execute("LOCK TABLE \(existing.joined(separator: ", ")) IN SHARE UPDATE EXCLUSIVE MODE")
        try connection.execute("SET LOCAL lock_timeout = '\(LockPolicy.milliseconds(request.lockPolicy.statementTimeout))ms'")
    }
}
