/// One entity (table) declared by a package.
public struct Entity: Hashable, Sendable {
    /// The entity (model, table) name.
    public var name: String
    /// Fields in the order written.
    public var fields: [Field] { didSet { positions = Self.positions(of: fields) } }
    /// Field name → its first position in ``fields``: rules look fields up by name for every
    /// index, relation and rule that names one, which must not cost fields × references.
    private var positions: [String: Int]
    /// Explicit `indexes:` entries.
    public var indexes: [Index]
    /// `relations:` entries.
    public var relations: [Relation]
    /// `acl:`, when present.
    public var acl: AccessControl?
    /// `map:` the table's name in the database when it differs from the entity's (Prisma's
    /// `@@map("…")`): SQL and drift use it, Prisma Client and relations the entity's name.
    public var table: String?
    /// Where `map:` is written.
    public var tableLocation: SourceLocation?
    /// `primaryKey: [a, b]`: a key of several columns, in this order (Prisma's `@@id([a, b])`).
    public var compoundKey: [String]?
    /// Where `primaryKey:` is written.
    public var compoundKeyLocation: SourceLocation?
    /// `primaryKey: { name: … }`: a compound key's name in Prisma Client (Prisma's `@@id([a, b], name: "…")`).
    public var keyClientName: String?
    /// `primaryKey: { map: … }`: the key constraint's name in the database when it is not
    /// Prisma's `<table>_pkey` (Prisma's `@id(map: "…")` and `@@id(…, map: "…")`; PostgreSQL).
    public var keyConstraintName: String?
    /// Where `name:` and `map:` of `primaryKey:` are written, by key.
    public var keyNameLocations: [String: SourceLocation] = [:]
    /// `renamedFrom:` a planning hint: the entity's previous name. Its applied table is renamed
    /// (keeping every row) instead of dropped while a new one is created.
    public var renamedFrom: String?
    /// Where `renamedFrom:` is written.
    public var renamedFromLocation: SourceLocation?
    /// `description:`, documentation only.
    public var documentation: String?
    /// `checksum:` as written, if it is a string (a stale value is reported).
    public var declaredChecksum: String?
    /// Where the entity is declared (its `name:` value).
    public var location: SourceLocation
    /// Fields that are declared but could not be read (an unknown type, say). Their error is
    /// already reported; rules that look fields up skip these names instead of reporting them
    /// again as missing.
    public var unreadableFields: Set<String> = []

    /// In ``unreadableFields``: the whole `fields:` block could not be read.
    static let everyField = "*"

    /// Whether `name` was declared but could not be read (so its absence is no new problem).
    public func isUnreadable(field name: String) -> Bool {
        unreadableFields.contains(name) || unreadableFields.contains(Self.everyField)
    }

    /// Creates an entity.
    public init(name: String, fields: [Field] = [], indexes: [Index] = [], relations: [Relation] = [],
                acl: AccessControl? = nil, location: SourceLocation) {
        self.name = name
        self.fields = fields
        positions = Self.positions(of: fields)
        self.indexes = indexes
        self.relations = relations
        self.acl = acl
        self.location = location
    }

    /// The field called `name` (the first, when it is declared twice).
    public func field(named name: String) -> Field? {
        positions[name].map { fields[$0] }
    }

    static func positions(of fields: [Field]) -> [String: Int] {
        var positions: [String: Int] = [:]
        positions.reserveCapacity(fields.count)
        for (offset, field) in fields.enumerated() where positions[field.name] == nil { positions[field.name] = offset }
        return positions
    }

    /// The primary-key fields: those of `primaryKey:` (in its order), else those marked `primary: true`.
    public var primaryKey: [Field] {
        if let names = compoundKey { return names.compactMap(field(named:)) }
        return fields.filter(\.isPrimary)
    }

    /// Whether a required scalar field is `unique: true`, or a unique index names only required
    /// scalar fields: what identifies a row for Prisma when the entity has no primary key.
    public var hasUniqueCriterion: Bool {
        func required(_ name: String) -> Bool { field(named: name).map { !$0.isOptional && !$0.isList } ?? false }
        return fields.contains { $0.isUnique && required($0.name) }
            || indexes.contains { $0.isUnique && !$0.fields.isEmpty && $0.fields.allSatisfy(required) }
    }
}
