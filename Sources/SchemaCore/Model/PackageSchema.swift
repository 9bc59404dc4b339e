/// The schema one package declares: its entities and where they came from.
public struct PackageSchema: Hashable, Sendable {
    /// The package id (its folder name under `packages/`).
    public var packageId: String
    /// The schema file as shown to the user, e.g. `packages/forum_forge/seed/schema/entities.yaml`.
    public var schemaFile: String
    /// The entities, in file order.
    public var entities: [Entity]

    /// Creates a package schema.
    public init(packageId: String, schemaFile: String, entities: [Entity]) {
        self.packageId = packageId
        self.schemaFile = schemaFile
        self.entities = entities
    }
}
