/// What packages want now: one entry per entity name the tool manages (host-owned names excluded).
public struct DesiredEntity: Hashable, Sendable {
    public var structure: CanonicalEntity
    public var checksum: Checksum
    public var packages: [String]
    /// new column → old column, from `renamedFrom:`.
    public var renames: [String: String]

    /// Creates a desired entity, hashing `structure`.
    public init(structure: CanonicalEntity, packages: [String], renames: [String: String] = [:]) {
        self.init(structure: structure, checksum: Checksum(of: structure), packages: packages, renames: renames)
    }

    /// Creates a desired entity whose checksum was computed already (by validation).
    init(structure: CanonicalEntity, checksum: Checksum, packages: [String], renames: [String: String]) {
        self.structure = structure
        self.checksum = checksum
        self.packages = packages
        self.renames = renames
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
