/// A relation from one entity to another.
public struct Relation: Hashable, Sendable {
    /// Which side of the relation this entity is.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// This entity holds the foreign key (`field`).
        case belongsTo
        /// The target holds a foreign key (`field`) pointing back at this entity.
        case hasMany
        /// Prisma's implicit many-to-many (`tags Tag[]` on both sides): a join table `_PostToTag`
        /// (or `_` + `relationName`) with columns `A` and `B`, made as Prisma Migrate makes it.
        case manyToMany
    }

    /// The relation's name, which becomes the Prisma relation field.
    public var name: String
    /// `belongsTo` or `hasMany`.
    public var kind: Kind
    /// The other entity (`entity:` or its alias `target:`).
    public var target: String
    /// The foreign-key column (`field:` or its alias `foreignKey:`): local for belongsTo, on the target for hasMany.
    /// For a key of several columns (`fields:`), the first of them.
    public var field: String?
    /// `fields:` a foreign key of several columns, in the order of ``references`` (Prisma's
    /// `@relation(fields: [a, b], …)`); nil for one column, which is ``field``.
    public var fields: [String]?
    /// `references:` the target's fields the key points at, in order (Prisma's `references:`):
    /// its primary key when nil, else those of a unique index or its key.
    public var references: [String]?
    /// Every column of the foreign key, in order: ``fields``, or ``field`` alone.
    public var foreignKeyFields: [String] { fields ?? field.map { [$0] } ?? [] }
    /// `onDelete:` as written.
    public var onDelete: ReferentialAction?
    /// `onUpdate:` as written.
    public var onUpdate: ReferentialAction?
    /// `optional:` as written.
    public var optional: Bool?
    /// `relationName:` the Prisma relation name (`@relation("…")`), needed when two relations join
    /// the same two entities; both sides of a relation carry the same one.
    public var relationName: String?
    /// `renamedFrom:` on a many-to-many, a planning hint: the relation's previous name, whose join
    /// table (`_` + that name) keeps its pairs under the new one instead of being dropped.
    public var renamedFrom: String?
    /// `map:` on a belongsTo: the foreign key constraint's name when it is not Prisma's
    /// `<table>_<columns>_fkey` (Prisma's `@relation(…, map: "…")`; PostgreSQL).
    public var map: String?
    /// `description:` documentation only.
    public var documentation: String?
    /// Where the relation is declared.
    public var location: SourceLocation
    /// Where each key of the relation is written.
    public var keyLocations = KeyLocations()

    /// Creates a relation.
    public init(name: String, kind: Kind, target: String, field: String?, location: SourceLocation) {
        self.name = name
        self.kind = kind
        self.target = target
        self.field = field
        self.location = location
    }

    /// The join table of a many-to-many declared on `entity`: `_` and the relation's name, which is
    /// `relationName:` or the two entities' names in alphabetical order (`_PostToTag`).
    public func joinTableName(from entity: String) -> String {
        Self.joinTableName(between: entity, and: target, relationName: relationName)
    }

    /// The join table Prisma makes for an implicit many-to-many between two models: `_` and the
    /// relation's name, or the models' names in alphabetical order (`_PostToTag`).
    public static func joinTableName(between one: String, and other: String, relationName: String?) -> String {
        let sides = [one, other].sorted()
        return "_" + (relationName ?? "\(sides[0])To\(sides[1])")
    }

    /// The location of `key`'s value, or of the relation when the key is absent.
    public func location(of key: String) -> SourceLocation {
        keyLocations[key] ?? location
    }
}

/// Prisma's referential actions.
public enum ReferentialAction: String, Hashable, Sendable, Codable, CaseIterable {
    case Cascade, Restrict, NoAction, SetNull, SetDefault

    /// The SQL spelling (`ON DELETE SET NULL`).
    public var sql: String {
        switch self {
        case .Cascade: "CASCADE"
        case .Restrict: "RESTRICT"
        case .NoAction: "NO ACTION"
        case .SetNull: "SET NULL"
        case .SetDefault: "SET DEFAULT"
        }
    }
}
