/// A (possibly unique, possibly composite) index of an entity.
public struct Index: Hashable, Sendable {
    /// The indexed columns, in index order.
    public var fields: [String]
    /// Whether the index is unique.
    public var isUnique: Bool
    /// An explicit index name (`name:`), used in SQL and as Prisma's `map:`.
    public var name: String?
    /// Where the index is declared.
    public var location: SourceLocation

    /// Creates an index.
    public init(fields: [String], isUnique: Bool, name: String? = nil, location: SourceLocation) {
        self.fields = fields
        self.isUnique = isUnique
        self.name = name
        self.location = location
    }
}
