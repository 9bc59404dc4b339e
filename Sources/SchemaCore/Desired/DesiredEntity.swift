/// What packages want now: one entry per entity name the tool manages (host-owned names excluded).
public struct DesiredEntity: Hashable, Sendable {
    public var structure: CanonicalEntity
    public var checksum: Checksum
    public var packages: [String]
    /// new column → old column, from `renamedFrom:`.
    public var renames: [String: String]
    /// The entity's previous name, from `renamedFrom:`: while that name is applied and this one
    /// is not, the change renames the applied table instead of creating one.
    public var renamedFrom: String?
    /// Join table → its previous name, from the `renamedFrom:` of this entity's many-to-many
    /// relations: the join table that takes the new name keeps the old one's pairs.
    public var joinRenames: [String: String] = [:]

    /// Creates a desired entity, hashing `structure`.
    public init(structure: CanonicalEntity, packages: [String], renames: [String: String] = [:], renamedFrom: String? = nil) {
        self.init(structure: structure, checksum: Checksum(of: structure), packages: packages, renames: renames, renamedFrom: renamedFrom)
    }

    /// Creates a desired entity whose checksum was computed already (by validation).
    init(structure: CanonicalEntity, checksum: Checksum, packages: [String], renames: [String: String], renamedFrom: String?) {
        self.structure = structure
        self.checksum = checksum
        self.packages = packages
        self.renames = renames
        self.renamedFrom = renamedFrom
    }
}

/// What the registry says is in the database.
public struct AppliedEntity: Hashable, Sendable, Codable {
    public var structure: CanonicalEntity
    public var checksum: Checksum
    public var packages: [String]

    /// Creates an applied entity.
    public init(structure: CanonicalEntity, checksum: Checksum, packages: [String]) {
        self.structure = structure
        self.checksum = checksum
        self.packages = packages
    }
}
