/// A (possibly unique, possibly composite) index of an entity.
public struct Index: Hashable, Sendable {
    /// The indexed columns, in index order.
    public var fields: [String]
    /// Whether the index is unique.
    public var isUnique: Bool
    /// An explicit index name (`name:`), used in SQL and as Prisma's `map:`.
    public var name: String?
    /// `type:` the PostgreSQL access method (Prisma's `type: Gin`); nil is a B-tree.
    public var method: IndexMethod?
    /// `sort:` the columns kept in descending order (Prisma's `sort: Desc`).
    public var descending: Set<String> = []
    /// `clientName:` the compound unique key's name in Prisma Client (`@@unique([a, b], name: "…")`),
    /// which the application's code uses (`where: { tenantSlug: { … } }`); nothing in the database.
    public var clientName: String?
    /// `ops:` a column's operator class (Prisma's `ops: raw("gin_trgm_ops")`).
    public var operatorClasses: [String: String] = [:]
    /// Where the index is declared.
    public var location: SourceLocation
    /// Where each key of the index is written.
    public var keyLocations = KeyLocations()

    /// Creates an index.
    public init(fields: [String], isUnique: Bool, name: String? = nil, location: SourceLocation) {
        self.fields = fields
        self.isUnique = isUnique
        self.name = name
        self.location = location
    }
}

/// PostgreSQL's index access methods, spelled as Prisma's `type:` argument spells them.
public enum IndexMethod: String, Hashable, Sendable, Codable, CaseIterable {
    case BTree, Hash, Gist, Gin, SpGist, Brin

    /// The name in `CREATE INDEX … USING <method>` and in `pg_am`.
    public var sql: String { rawValue.lowercased() }
}
