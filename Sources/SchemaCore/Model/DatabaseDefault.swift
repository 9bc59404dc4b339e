/// A default the database computes, Prisma's `@default(dbgenerated("…"))`: `default: { dbgenerated:
/// "gen_random_uuid()" }` in entities.yaml. Only these expressions are accepted: a package is
/// code from someone else, and a default runs on every insert with the inserting role's rights, so
/// an arbitrary expression (a slow or side-effecting function) is not something to take unread.
public enum DatabaseDefault: String, CaseIterable, Hashable, Sendable, Codable {
    /// A random UUID (PostgreSQL 13+ built in), the common key default of Supabase-style schemas.
    case randomUUID = "gen_random_uuid()"
    /// A random UUID from the `uuid-ossp` extension, which older schemas use; the host installs it.
    case uuidV4 = "uuid_generate_v4()"
    /// The transaction's start time (what Prisma's own `now()` is in the database too, written
    /// as Prisma users write it in `dbgenerated`).
    case now = "now()"
    /// The same, in SQL's spelling.
    case currentTimestamp = "CURRENT_TIMESTAMP"
    /// The transaction's date.
    case currentDate = "CURRENT_DATE"

    /// Reads an expression as written (case and surrounding spaces aside), or nil when it is not one of the accepted ones.
    public init?(written: String) {
        let text = written.trimmingCharacters(in: .whitespaces)
        guard let found = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(text) == .orderedSame }) else { return nil }
        self = found
    }

    /// The scalar types whose columns it fills.
    public var types: Set<FieldType> {
        switch self {
        case .randomUUID, .uuidV4: [.string, .uuid]
        case .now, .currentTimestamp, .currentDate: [.datetime]
        }
    }

    /// The expression on `dialect`: SQLite has no `gen_random_uuid()`, so there it is a version-4
    /// UUID built from `randomblob` (what Prisma's SQLite users write in `dbgenerated` for it),
    /// and its times are `CURRENT_TIMESTAMP`/`CURRENT_DATE`.
    public func expression(_ dialect: SQLDialect) -> String {
        switch (self, dialect) {
        case (_, .postgresql): rawValue
        case (.randomUUID, .sqlite), (.uuidV4, .sqlite):
            "(lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || "
                + "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))))"
        case (.now, .sqlite), (.currentTimestamp, .sqlite): "CURRENT_TIMESTAMP"
        case (.currentDate, .sqlite): "CURRENT_DATE"
        }
    }

    /// Whether PostgreSQL computes it per row (`gen_random_uuid()` is volatile): adding a column
    /// with it to a table with rows rewrites the table, where a stable one (`now()`) is recorded
    /// in the catalog only.
    public var isVolatile: Bool { self == .randomUUID || self == .uuidV4 }

    /// The extension that defines its function, which the host installs, and the function's name:
    /// a start refuses the change until the database has it.
    public var requiredExtension: (name: String, function: String)? {
        self == .uuidV4 ? ("uuid-ossp", "uuid_generate_v4") : nil
    }
}
