/// The outcome of validating a workspace.
public struct ValidationReport: Sendable {
    /// One entity definition of one package, with its canonical structure and checksum.
    public struct EntityDefinition: Hashable, Sendable {
        public var packageId: String
        public var entity: Entity
        public var checksum: Checksum
        /// new column → old column, from `renamedFrom:`: a hint for planning, not part of the structure.
        public var renames: [String: String]
        /// The entity's previous name, from its `renamedFrom:`: a hint for planning as well.
        public var renamedFrom: String? { entity.renamedFrom }
        /// Join table → its previous name, from the `renamedFrom:` of the entity's many-to-many
        /// relations (`_PostTags` → `_PostToTag`): a hint for planning as well.
        public var joinRenames: [String: String] {
            Dictionary(entity.relations.compactMap { relation in
                guard relation.kind == .manyToMany, let previous = relation.renamedFrom else { return nil }
                return (relation.joinTableName(from: entity.name), "_" + previous)
            }, uniquingKeysWith: { first, _ in first })
        }

        /// The structure `checksum` is computed from. Derived again when asked rather than kept:
        /// `validate` needs it only for the few entities that conflict or overlap a host model,
        /// and keeping it for 10,000 entities cost a tenth of the run's memory.
        public var canonical: CanonicalEntity { CanonicalEntity(entity) }
    }

    /// An entity defined identically by several packages.
    public struct SharedEntity: Hashable, Sendable {
        public var name: String
        public var packages: [String]
        public var checksum: Checksum
    }

    /// A package entity with the name of a host model.
    public struct HostOverlap: Hashable, Sendable {
        public var name: String
        public var packages: [String]
        /// Empty when the entity equals the host model.
        public var differences: [String]
        public var isCompatible: Bool { differences.isEmpty }
    }

    /// Packages with a schema, sorted.
    public var packages: [String]
    /// Every entity definition, by package then file order.
    public var definitions: [EntityDefinition]
    /// Entities several packages define identically.
    public var shared: [SharedEntity]
    /// Entities that are also host models.
    public var hostOverlaps: [HostOverlap]
    /// Loading and validation diagnostics, sorted for display.
    public var diagnostics: [Diagnostic]

    /// Whether there is any error.
    public var hasErrors: Bool { diagnostics.containsErrors }
}
