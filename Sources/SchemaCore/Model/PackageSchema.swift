/// The schema one package declares: its entities and where they came from.
public struct PackageSchema: Hashable, Sendable {
    /// The package id (its folder name under `packages/`).
    public var packageId: String
    /// The schema file as shown to the user, e.g. `packages/forum_forge/seed/schema/entities.yaml`.
    public var schemaFile: String
    /// The entities, in file order.
    public var entities: [Entity]
    /// What `seed/metadata.json` says about the schema; nil when the package has no metadata.json.
    public var manifest: PackageManifest?
    /// Whether reading the schema file reported errors, so entities may be missing from
    /// ``entities`` for reasons already reported (rules about missing entities stay quiet).
    public var hadReadErrors = false

    /// Creates a package schema.
    public init(packageId: String, schemaFile: String, entities: [Entity], manifest: PackageManifest? = nil) {
        self.packageId = packageId
        self.schemaFile = schemaFile
        self.entities = entities
        self.manifest = manifest
    }
}

/// The part of `seed/metadata.json` the validator checks against the schema file.
public struct PackageManifest: Hashable, Sendable {
    /// metadata.json as shown to the user; nil when the package has none.
    public var file: String?
    /// `schema.entities`; nil when metadata.json has no `schema` block.
    public var exportedEntities: [String]?
    /// Where `entities` is written, for diagnostics.
    public var entitiesLocation: SourceLocation

    /// Creates a manifest.
    public init(file: String?, exportedEntities: [String]?, entitiesLocation: SourceLocation) {
        self.file = file
        self.exportedEntities = exportedEntities
        self.entitiesLocation = entitiesLocation
    }
}
