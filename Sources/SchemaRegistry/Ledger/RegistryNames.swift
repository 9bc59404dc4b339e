import SchemaCore

/// The registry's table and function names, quoted and qualified, for one database.
///
/// On PostgreSQL the registry lives in a schema of its own (`schema_registry` by default), so
/// Prisma, which looks at the application's schema, never sees it: `prisma migrate diff` does not
/// offer to drop it and `db push` cannot delete it. SQLite has no schemas; there the tables keep
/// their `_schema_` prefix in the main database.
public struct RegistryNames: Hashable, Sendable {
    /// The PostgreSQL schema holding the registry; nil on SQLite.
    public let schema: String?
    let dialect: SQLDialect

    /// The default PostgreSQL schema of the registry.
    public static let defaultSchema = "schema_registry"

    /// Names for SQLite.
    public static let sqlite = RegistryNames(schema: nil, dialect: .sqlite)

    /// Names for a PostgreSQL registry in `schema`.
    public static func postgres(schema: String = defaultSchema) -> RegistryNames {
        RegistryNames(schema: schema, dialect: .postgresql)
    }

    /// `"schema"."_schema_<base>"`, or `"_schema_<base>"` without a schema.
    func qualified(_ base: String) -> String {
        let name = dialect.quote("_schema_" + base)
        return schema.map { dialect.quote($0) + "." + name } ?? name
    }

    /// Applied snapshots.
    public var entities: String { qualified("entities") }
    /// Queue items.
    public var queue: String { qualified("queue") }
    /// Approval records.
    public var approvals: String { qualified("approvals") }
    /// The append-only audit log.
    public var audit: String { qualified("audit") }
    /// Admins.
    public var admins: String { qualified("admins") }
    /// Token and login-code hashes.
    public var tokens: String { qualified("tokens") }
    /// The registry's version.
    public var meta: String { qualified("meta") }
    /// The table whose lock is the registry lock (PostgreSQL): only roles with rights on the
    /// registry's schema can take it, so the application's role can neither take nor hold it.
    public var lock: String { qualified("lock") }
    /// The trigger function that keeps the audit log append-only (PostgreSQL).
    public var auditFunction: String { qualified("audit_append_only") }
    /// The sequence behind `_schema_audit.seq` (PostgreSQL).
    public var auditSequence: String { qualified("audit_seq_seq") }

    /// Every table of the registry, unqualified, in creation order.
    static let tables = ["meta", "entities", "queue", "approvals", "audit", "admins", "tokens"]

    /// The registry's table names as Prisma's `tables.external` lists them: on SQLite, which has no
    /// schemas, Prisma Migrate sees them beside the application's tables unless told to leave them
    /// alone; on PostgreSQL they are in their own schema, which Prisma does not look at.
    public static var externalTableNames: [String] { tables.map { "_schema_" + $0 } }
}
