import SchemaCore

/// The registry's own tables, prefixed `_schema_` (in their own schema on PostgreSQL), created and
/// upgraded by the tool. Each migration runs once, in order, recorded in `_schema_meta`.
enum RegistryTables {
    static let currentVersion = 9

    static func migrations(_ names: RegistryNames) -> [[String]] {
        let dialect = names.dialect
        let serial = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        var version1 = [
            """
            CREATE TABLE IF NOT EXISTS \(names.entities) (
                "name" TEXT PRIMARY KEY, "checksum" TEXT NOT NULL, "structure" TEXT NOT NULL,
                "packages" TEXT NOT NULL, "applied_at" TEXT NOT NULL, "item_id" TEXT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS \(names.queue) (
                "id" TEXT PRIMARY KEY, "entity" TEXT NOT NULL, "action" TEXT NOT NULL, "packages" TEXT NOT NULL,
                "from_checksum" TEXT, "to_checksum" TEXT, "structure" TEXT, "operations" TEXT NOT NULL,
                "risks" TEXT NOT NULL, "destructive" BIGINT NOT NULL, "statements" TEXT NOT NULL, "sql_hash" TEXT NOT NULL,
                "dialect" TEXT NOT NULL, "state" TEXT NOT NULL, "created_at" TEXT NOT NULL, "updated_at" TEXT NOT NULL, "error" TEXT)
            """,
            #"CREATE INDEX IF NOT EXISTS "_schema_queue_state_idx" ON \#(names.queue)("state")"#,
            """
            CREATE TABLE IF NOT EXISTS \(names.approvals) (
                "item_id" TEXT PRIMARY KEY, "principal" TEXT NOT NULL, "approved_at" TEXT NOT NULL,
                "checksum" TEXT, "sql_hash" TEXT NOT NULL, "allow_data_loss" BIGINT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS \(names.audit) (
                "seq" \(serial), "at" TEXT NOT NULL, "principal" TEXT NOT NULL, "action" TEXT NOT NULL,
                "item_id" TEXT, "entity" TEXT, "from_checksum" TEXT, "to_checksum" TEXT, "detail" TEXT)
            """,
            """
            CREATE TABLE IF NOT EXISTS \(names.admins) (
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
                #"CREATE OR REPLACE FUNCTION \#(names.auditFunction)() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '_schema_audit is append-only'; END $$"#,
                #"CREATE OR REPLACE TRIGGER "_schema_audit_append_only" BEFORE UPDATE OR DELETE ON \#(names.audit) FOR EACH ROW EXECUTE FUNCTION \#(names.auditFunction)()"#,
            ]
        }
        // Version 2: signed approvals.
        let version2 = [
            #"ALTER TABLE \#(names.approvals) ADD COLUMN "signature" TEXT"#,
            #"ALTER TABLE \#(names.approvals) ADD COLUMN "public_key" TEXT"#,
        ]
        // Version 3: API tokens and single-use login codes for the review server, stored as SHA-256 hashes.
        let version3 = [
            """
            CREATE TABLE IF NOT EXISTS \(names.tokens) (
                "hash" TEXT PRIMARY KEY, "principal" TEXT NOT NULL, "kind" TEXT NOT NULL, "created_at" TEXT NOT NULL,
                "created_by" TEXT NOT NULL, "expires_at" TEXT, "used" BIGINT NOT NULL DEFAULT 0)
            """,
        ]
        // Version 4: one signature, one application (approval nonces, recorded with the apply in the
        // audit log and looked up there), attestations of snapshots applied before approvals were
        // signed, the rename hints of each item (so approval can derive its risks again), and a
        // TRUNCATE guard on the audit log (PostgreSQL; SQLite has no TRUNCATE).
        var version4 = [
            #"ALTER TABLE \#(names.approvals) ADD COLUMN "nonce" TEXT"#,
            #"ALTER TABLE \#(names.audit) ADD COLUMN "nonce" TEXT"#,
            #"ALTER TABLE \#(names.entities) ADD COLUMN "attestation" TEXT"#,
            #"ALTER TABLE \#(names.entities) ADD COLUMN "attestation_key" TEXT"#,
            #"ALTER TABLE \#(names.queue) ADD COLUMN "renames" TEXT"#,
            #"CREATE INDEX IF NOT EXISTS "_schema_audit_item_idx" ON \#(names.audit)("item_id")"#,
            #"CREATE INDEX IF NOT EXISTS "_schema_audit_nonce_idx" ON \#(names.audit)("nonce")"#,
        ]
        if dialect == .postgresql {
            version4.append(#"CREATE OR REPLACE TRIGGER "_schema_audit_no_truncate" BEFORE TRUNCATE ON \#(names.audit) FOR EACH STATEMENT EXECUTE FUNCTION \#(names.auditFunction)()"#)
        }
        // Version 5: on PostgreSQL the registry lives in its own schema (moved there by `prepare`
        // from `public`, where versions 1–4 put it); nothing to do on SQLite.
        // Version 6: statements with stages and data checks (item format 2), and the progress of
        // items whose online steps a start resumes.
        let version6 = [
            #"ALTER TABLE \#(names.queue) ADD COLUMN "checks" TEXT"#,
            #"ALTER TABLE \#(names.queue) ADD COLUMN "format" BIGINT NOT NULL DEFAULT 1"#,
            #"ALTER TABLE \#(names.queue) ADD COLUMN "progress" BIGINT NOT NULL DEFAULT 0"#,
        ]
        // Version 7: repair items (`schema drift --queue`) record the live table they were planned from.
        let version7 = [#"ALTER TABLE \#(names.queue) ADD COLUMN "repair_of" TEXT"#]
        // Version 8: the registry lock is a lock on a table of the registry's schema (PostgreSQL),
        // which the application's role has no right to take, instead of an advisory lock, which
        // any role can take and hold.
        let version8 = dialect == .postgresql ? [#"CREATE TABLE IF NOT EXISTS \#(names.lock) ("id" INTEGER PRIMARY KEY)"#] : []
        // Version 9: an item of a renamed entity records the applied name it takes over.
        let version9 = [#"ALTER TABLE \#(names.queue) ADD COLUMN "renamed_from" TEXT"#]
        return [version1, version2, version3, version4, [], version6, version7, version8, version9]
    }

    /// Creates or upgrades the tables. Runs inside the locked transaction, so concurrent first runs
    /// are safe. The common case, a registry at the current version, costs one small query.
    static func prepare(_ connection: any RegistryConnection) throws {
        let names = connection.names
        var version = try storedVersion(connection)
        if version == nil, connection.dialect == .postgresql, let schema = names.schema {
            try connection.execute("CREATE SCHEMA IF NOT EXISTS \(connection.dialect.quote(schema))")
            version = try moveFromPublic(connection)
        }
        let current = version ?? 0
        if current > currentVersion {
            throw SchemaError(.registryUnreadable, "the registry was written by a newer version of schema (registry version \(current), this binary knows \(currentVersion)); upgrade the tool")
        }
        guard current < currentVersion else { return }
        try connection.execute(#"CREATE TABLE IF NOT EXISTS \#(names.meta) ("key" TEXT PRIMARY KEY, "value" TEXT NOT NULL)"#)
        for statements in migrations(names).dropFirst(current) {
            for statement in statements { try connection.execute(statement) }
        }
        if version != nil, current < 8 { try upgradeRelationNameChecksums(connection) }
        if version == nil {
            try connection.execute(#"INSERT INTO \#(names.meta) ("key", "value") VALUES ('version', ?)"#, [.text(String(currentVersion))])
        } else {
            try connection.execute(#"UPDATE \#(names.meta) SET "value" = ? WHERE "key" = 'version'"#, [.text(String(currentVersion))])
        }
    }

    /// Version 8 counts relation names (`relationName:`) in checksums. Snapshots and open queue
    /// items of entities that have relation names get their checksums again, but only where the
    /// stored checksum is exactly what the old rule gives for the stored structure: a row edited
    /// in the database stays refused. Attestations of a rewritten snapshot end (they signed the
    /// old checksum: attest again), approvals of a rewritten item no longer match (approve again),
    /// and the stored digest is dropped, to be computed once from the snapshots.
    static func upgradeRelationNameChecksums(_ connection: any RegistryConnection) throws {
        let names = connection.names
        var renewed: [String: (old: String, new: String)] = [:]
        for row in try connection.query(#"SELECT "name", "checksum", "structure" FROM \#(names.entities)"#, []) {
            guard let name = row["name"]?.text, let stored = row["checksum"]?.text, let text = row["structure"]?.text,
                  let structure = try? JSONCoding.decode(CanonicalEntity.self, text), !structure.relationNames.isEmpty,
                  Checksum.withoutRelationNames(of: structure).hex == stored
            else { continue }
            let new = Checksum(of: structure).hex
            renewed[name] = (stored, new)
            try connection.execute(#"UPDATE \#(names.entities) SET "checksum" = ?, "attestation" = NULL, "attestation_key" = NULL WHERE "name" = ?"#,
                                   [.text(new), .text(name)])
        }
        for row in try connection.query(#"SELECT "id", "entity", "from_checksum", "to_checksum", "structure" FROM \#(names.queue) WHERE "state" IN ('pending', 'approved', 'failed')"#, []) {
            guard let id = row["id"]?.text, let entity = row["entity"]?.text else { continue }
            var from = row["from_checksum"]?.text
            var to = row["to_checksum"]?.text
            if let old = from, renewed[entity]?.old == old { from = renewed[entity]?.new }
            if let text = row["structure"]?.text, let structure = try? JSONCoding.decode(CanonicalEntity.self, text), !structure.relationNames.isEmpty,
               to == Checksum.withoutRelationNames(of: structure).hex {
                to = Checksum(of: structure).hex
            }
            guard from != row["from_checksum"]?.text || to != row["to_checksum"]?.text else { continue }
            try connection.execute(#"UPDATE \#(names.queue) SET "from_checksum" = ?, "to_checksum" = ? WHERE "id" = ?"#,
                                   [from.map(SQLValue.text) ?? .null, to.map(SQLValue.text) ?? .null, .text(id)])
        }
        if !renewed.isEmpty {
            try connection.execute(#"DELETE FROM \#(names.meta) WHERE "key" = 'applied-digest'"#)
        }
    }

    /// Checks, without changing anything, that the registry exists at the current version.
    ///
    /// - Throws: ``SchemaError`` `no-registry` naming `database` (printable, no password) and the
    ///   command that creates or upgrades it.
    static func requireCurrent(_ connection: any RegistryConnection, in database: String) throws {
        let version = try storedVersion(connection)
        if version == nil, connection.dialect == .postgresql,
           try connection.query(#"SELECT to_regclass('public."_schema_meta"') IS NOT NULL AS "exists""#, []).first?["exists"]?.integer == 1 {
            throw SchemaError(.noRegistry, "the registry in \(database) is still in the public schema, from an older version; a writing command (`schema scan` or `schema apply`) moves it")
        }
        guard let version else { throw Registry.missing("in \(database)") }
        if version > currentVersion {
            throw SchemaError(.registryUnreadable, "the registry was written by a newer version of schema (registry version \(version), this binary knows \(currentVersion)); upgrade the tool")
        }
        if version < currentVersion {
            throw SchemaError(.noRegistry, "the registry in \(database) is at version \(version) and this binary needs \(currentVersion); a writing command (`schema scan` or `schema apply`) upgrades it")
        }
    }

    /// Whether the database has a registry (of any version, an older one in PostgreSQL's public
    /// schema included), without creating anything.
    static func exist(_ connection: any RegistryConnection) throws -> Bool {
        if try storedVersion(connection) != nil { return true }
        guard connection.dialect == .postgresql else { return false }
        return try connection.query(#"SELECT to_regclass('public."_schema_meta"') IS NOT NULL AS "exists""#, []).first?["exists"]?.integer == 1
    }

    /// The registry's version, or nil when there is no registry yet.
    static func storedVersion(_ connection: any RegistryConnection) throws -> Int? {
        let exists: Bool
        switch connection.dialect {
        case .sqlite:
            exists = !(try connection.query(#"SELECT "name" FROM "sqlite_master" WHERE "type" = 'table' AND "name" = '_schema_meta'"#, [])).isEmpty
        case .postgresql:
            exists = try connection.query("SELECT to_regclass(?) IS NOT NULL AS \"exists\"", [.text(connection.names.meta)]).first?["exists"]?.integer == 1
        }
        guard exists else { return nil }
        let rows = try connection.query(#"SELECT "value" FROM \#(connection.names.meta) WHERE "key" = 'version'"#, [])
        return rows.first?["value"]?.text.flatMap { Int($0) } ?? 0
    }

    /// Registries of versions 1–4 lived in `public`: their tables and the audit function move into
    /// the registry's schema (indexes, triggers and sequences move with their tables).
    ///
    /// - Returns: the moved registry's version, or nil when there was none.
    static func moveFromPublic(_ connection: any RegistryConnection) throws -> Int? {
        let legacy = try connection.query(#"SELECT to_regclass('public."_schema_meta"') IS NOT NULL AS "exists""#, [])
        guard legacy.first?["exists"]?.integer == 1, let schema = connection.names.schema else { return nil }
        let target = connection.dialect.quote(schema)
        for table in RegistryNames.tables + ["lock"] {
            let name = "\"_schema_\(table)\""
            let present = try connection.query("SELECT to_regclass(?) IS NOT NULL AS \"exists\"", [.text("public.\(name)")])
            if present.first?["exists"]?.integer == 1 {
                try connection.execute("ALTER TABLE public.\(name) SET SCHEMA \(target)")
            }
        }
        let function = try connection.query(#"SELECT to_regprocedure('public."_schema_audit_append_only"()') IS NOT NULL AS "exists""#, [])
        if function.first?["exists"]?.integer == 1 {
            try connection.execute(#"ALTER FUNCTION public."_schema_audit_append_only"() SET SCHEMA \#(target)"#)
        }
        return try storedVersion(connection)
    }
}
