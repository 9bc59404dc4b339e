import SchemaCore

/// A table's row-level security as PostgreSQL's catalog has it.
public struct LivePolicies: Hashable, Sendable {
    /// `relrowsecurity`: policies apply.
    public var enabled: Bool
    /// `relforcerowsecurity`: they apply to the table's owner too.
    public var forced: Bool
    /// Policy name → command (`SELECT`, `INSERT`, `UPDATE`, `DELETE`, `ALL`).
    public var policies: [String: String]

    /// The state of each of `tables` that exists, in the connection's current schema (PostgreSQL;
    /// empty on SQLite, which has no row-level security), read in one query per 500 tables.
    static func read(tables: [String], _ connection: any RegistryConnection) throws -> [String: LivePolicies] {
        guard connection.dialect == .postgresql, !tables.isEmpty else { return [:] }
        let rows = try Registry.rows("""
            SELECT c.relname AS "table", c.relrowsecurity AS "enabled", c.relforcerowsecurity AS "forced", p.polname AS "policy",
                   CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS "command"
            FROM pg_class AS c LEFT JOIN pg_policy AS p ON p.polrelid = c.oid
            WHERE c.relnamespace = \(CatalogSQL.currentNamespace) AND c.relkind IN ('r', 'p') AND c.relname IN
            """, tables, connection)
        var states: [String: LivePolicies] = [:]
        for row in rows {
            guard let table = row["table"]?.text else { continue }
            var state = states[table] ?? LivePolicies(enabled: row["enabled"]?.integer == 1, forced: row["forced"]?.integer == 1, policies: [:])
            if let policy = row["policy"]?.text { state.policies[policy] = row["command"]?.text ?? "ALL" }
            states[table] = state
        }
        return states
    }

    /// The differences between the row-level security `entity`'s ACL makes and this state.
    func differences(from entity: CanonicalEntity) -> [DriftDifference] {
        Drift.policyDifferences(table: entity.tableName, expected: RowLevelSecurity.expectedPolicies(for: entity),
                                enabled: enabled, forced: forced, live: policies)
    }
}
