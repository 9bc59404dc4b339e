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
        let tables = Set(statements.compactMap(\.lock).filter(\.blocksWrites).map(\.table)).sorted()
        guard !tables.isEmpty else { return }
        // A partitioned table is locked ONLY: autovacuum works on its partitions, never on it, and
        // a partition's own statements hold its autovacuum off.
        let existing = try connection.query(
            #"SELECT "relname", CASE WHEN "relkind" = 'p' THEN 'ONLY ' ELSE '' END AS "only" FROM pg_class "#
                + #"WHERE "relname" IN \#(Registry.placeholders(tables.count)) AND "relkind" IN ('r', 'p') AND "relnamespace" = \#(CatalogSQL.currentNamespace) "#
                + #"AND has_table_privilege("oid", 'UPDATE, DELETE, TRUNCATE') ORDER BY "relname""#,
            tables.map(SQLValue.text)).compactMap { row in row["relname"]?.text.map { (row["only"]?.text ?? "") + SQLDialect.postgresql.quote($0) } }
        guard !existing.isEmpty else { return }
        try connection.execute("SET LOCAL lock_timeout = '\(LockPolicy.milliseconds(request.lockPolicy.onlineTimeout))ms'")
        try connection.execute("LOCK TABLE \(existing.joined(separator: ", ")) IN SHARE UPDATE EXCLUSIVE MODE")
        try connection.execute("SET LOCAL lock_timeout = '\(LockPolicy.milliseconds(request.lockPolicy.statementTimeout))ms'")
    }
}
