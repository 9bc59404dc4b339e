import SchemaCore

/// The registry's own tables, prefixed `_schema_`, created and upgraded by the tool.
/// Each migration runs once, in order, recorded in `_schema_meta`.
enum RegistryTables {
    static let currentVersion = 3

    static func migrations(_ dialect: SQLDialect) -> [[String]] {
        let serial = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        var version1 = [
            """
            CREATE TABLE IF NOT EXISTS "_schema_entities" (
                "name" TEXT PRIMARY KEY, "checksum" TEXT NOT NULL, "structure" TEXT NOT NULL,
                "packages" TEXT NOT NULL, "applied_at" TEXT NOT NULL, "item_id" TEXT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS "_schema_queue" (
                "id" TEXT PRIMARY KEY, "entity" TEXT NOT NULL, "action" TEXT NOT NULL, "packages" TEXT NOT NULL,
                "from_checksum" TEXT, "to_checksum" TEXT, "structure" TEXT, "operations" TEXT NOT NULL,
                "risks" TEXT NOT NULL, "destructive" BIGINT NOT NULL, "statements" TEXT NOT NULL, "sql_hash" TEXT NOT NULL,
                "dialect" TEXT NOT NULL, "state" TEXT NOT NULL, "created_at" TEXT NOT NULL, "updated_at" TEXT NOT NULL, "error" TEXT)
            """,
            #"CREATE INDEX IF NOT EXISTS "_schema_queue_state_idx" ON "_schema_queue"("state")"#,
            """
            CREATE TABLE IF NOT EXISTS "_schema_approvals" (
                "item_id" TEXT PRIMARY KEY, "principal" TEXT NOT NULL, "approved_at" TEXT NOT NULL,
                "checksum" TEXT, "sql_hash" TEXT NOT NULL, "allow_data_loss" BIGINT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS "_schema_audit" (
                "seq" \(serial), "at" TEXT NOT NULL, "principal" TEXT NOT NULL, "action" TEXT NOT NULL,
                "item_id" TEXT, "entity" TEXT, "from_checksum" TEXT, "to_checksum" TEXT, "detail" TEXT)
            """,
            """
            CREATE TABLE IF NOT EXISTS "_schema_admins" (
                "name" TEXT PRIMARY KEY, "role" TEXT NOT NULL, "created_at" TEXT NOT NULL, "created_by" TEXT NOT NULL)
            """,
        ]
        // The audit log is append-only, enforced by the database itself.
        switch dialect {
        case .sqlite:
            version1 += [
                #"CREATE TRIGGER IF NOT EXISTS "_schema_audit_no_update" BEFORE UPDATE ON "_schema_audit" BEGIN SELECT RAISE(ABORT, '_schema_audit is append-only'); END"#,
                #"CREATE TRIGGER IF NOT EXISTS "_schema_audit_no_delete" BEFORE DELETE ON "_schema_audit" BEGIN SELECT RAISE(ABORT, '_schema_audit is append-only'); END"#,
            ]
        case .postgresql:
            version1 += [
                #"CREATE OR REPLACE FUNCTION "_schema_audit_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '_schema_audit is append-only'; END $$"#,
                #"CREATE OR REPLACE TRIGGER "_schema_audit_append_only" BEFORE UPDATE OR DELETE ON "_schema_audit" FOR EACH ROW EXECUTE FUNCTION "_schema_audit_append_only"()"#,
            ]
        }
        // Version 2: signed approvals.
        let version2 = [
            #"ALTER TABLE "_schema_approvals" ADD COLUMN "signature" TEXT"#,
            #"ALTER TABLE "_schema_approvals" ADD COLUMN "public_key" TEXT"#,
        ]
        // Version 3: API tokens and single-use login codes for the review server, stored as SHA-256 hashes.
        let version3 = [
            """
            CREATE TABLE IF NOT EXISTS "_schema_tokens" (
                "hash" TEXT PRIMARY KEY, "principal" TEXT NOT NULL, "kind" TEXT NOT NULL, "created_at" TEXT NOT NULL,
                "created_by" TEXT NOT NULL, "expires_at" TEXT, "used" BIGINT NOT NULL DEFAULT 0)
            """,
        ]
        return [version1, version2, version3]
    }

    /// Creates or upgrades the tables. Runs inside the locked transaction, so concurrent first runs are safe.
    static func prepare(_ connection: any RegistryConnection) throws {
        try connection.execute(#"CREATE TABLE IF NOT EXISTS "_schema_meta" ("key" TEXT PRIMARY KEY, "value" TEXT NOT NULL)"#)
        let rows = try connection.query(#"SELECT "value" FROM "_schema_meta" WHERE "key" = 'version'"#, [])
        let version = rows.first?["value"]?.text.flatMap { Int($0) } ?? 0
        if version > currentVersion {
            throw SchemaError(.registryUnreadable, "the registry was written by a newer version of schema (registry version \(version), this binary knows \(currentVersion)); upgrade the tool")
        }
        guard version < currentVersion else { return }
        for statements in migrations(connection.dialect).dropFirst(version) {
            for statement in statements { try connection.execute(statement) }
        }
        if version == 0 {
            try connection.execute(#"INSERT INTO "_schema_meta" ("key", "value") VALUES ('version', ?)"#, [.text(String(currentVersion))])
        } else {
            try connection.execute(#"UPDATE "_schema_meta" SET "value" = ? WHERE "key" = 'version'"#, [.text(String(currentVersion))])
        }
    }
}
