/// One entity's change as it will be queued: what, why, the operations, their risks and the SQL.
public struct PlannedChange: Hashable, Sendable {
    /// What happens to the entity's table.
    public enum Action: String, Hashable, Sendable, Codable {
        case create, alter, drop
    }

    /// Deterministic id from (entity, from-checksum, to-checksum): scanning twice yields the same id.
    public var id: String
    public var entity: String
    public var action: Action
    /// Packages that define the entity now (for a drop: those that defined it).
    public var packages: [String]
    public var fromChecksum: Checksum?
    public var toChecksum: Checksum?
    /// The new structure (nil for a drop).
    public var structure: CanonicalEntity?
    public var operations: [SchemaOperation]
    public var risks: [OperationRisk]
    public var statements: [SQLStatement]

    /// Whether approving needs `--allow-data-loss`.
    public var isDestructive: Bool { risks.contains { $0.kind == .destructive } }

    /// SHA-256 of the SQL script: approval pins it, apply verifies it.
    public var sqlHash: String { Checksum.sha256Hex(statements.script) }

    /// The id for a change of `entity` from one checksum to another: 10 hex digits of SHA-256.
    ///
    /// - Parameter recurrence: how many times this very transition was applied before (0 the first
    ///   time). A transition recurs when a change is undone and made again, e.g. a package removed
    ///   and installed again; each recurrence needs an id of its own, still derived only from
    ///   registry state, so that scanning twice keeps finding the same item.
    public static func id(entity: String, from: Checksum?, to: Checksum?, recurrence: Int = 0) -> String {
        let key = "\(entity)\u{0}\(from?.hex ?? "")\u{0}\(to?.hex ?? "")" + (recurrence > 0 ? "\u{0}\(recurrence)" : "")
        return String(Checksum.sha256Hex(key).prefix(10))
    }

    /// The change under the id of its `recurrence`-th repetition (see ``id(entity:from:to:recurrence:)``).
    public func recurring(_ recurrence: Int) -> PlannedChange {
        var change = self
        change.id = Self.id(entity: entity, from: fromChecksum, to: toChecksum, recurrence: recurrence)
        return change
    }
}

/// What packages want now: one entry per entity name the tool manages (host-owned names excluded).
public struct DesiredEntity: Hashable, Sendable {
    public var structure: CanonicalEntity
    public var checksum: Checksum
    public var packages: [String]
    /// new column → old column, from `renamedFrom:`.
    public var renames: [String: String]

    /// Creates a desired entity.
    public init(structure: CanonicalEntity, packages: [String], renames: [String: String] = [:]) {
        self.structure = structure
        self.checksum = Checksum(of: structure)
        self.packages = packages
        self.renames = renames
    }

    /// The entities a valid report asks for. Entities that are host models belong to the host and are left out.
    public static func from(_ report: ValidationReport, host: PrismaSchema?) -> [DesiredEntity] {
        var byName: [String: DesiredEntity] = [:]
        var order: [String] = []
        for definition in report.definitions where host?.model(named: definition.entity.name) == nil {
            if var existing = byName[definition.entity.name] {
                existing.packages.append(definition.packageId)
                existing.renames.merge(MigrationPlanner.renameHints(of: definition.entity)) { first, _ in first }
                byName[definition.entity.name] = existing
            } else {
                order.append(definition.entity.name)
                byName[definition.entity.name] = DesiredEntity(structure: definition.canonical, packages: [definition.packageId],
                                                               renames: MigrationPlanner.renameHints(of: definition.entity))
            }
        }
        return order.compactMap { byName[$0] }
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

/// Compares what packages want with what is applied, and plans one change per differing entity.
public enum ChangePlanner {
    /// The changes, creates and alters in dependency order (referenced tables first), drops last.
    public static func plan(desired: [DesiredEntity], applied: [AppliedEntity], dialect: SQLDialect, host: PrismaSchema?) -> [PlannedChange] {
        var primaryKeys: [String: String] = [:]
        for model in host?.models ?? [] { if let key = model.primaryKey.first { primaryKeys[model.name] = key } }
        for entity in applied { if let key = entity.structure.primaryKey { primaryKeys[entity.structure.name] = key.name } }
        for entity in desired { if let key = entity.structure.primaryKey { primaryKeys[entity.structure.name] = key.name } }
        let renderer = MigrationSQLRenderer(dialect: dialect, primaryKeys: primaryKeys)
        let appliedByName = Dictionary(applied.map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
        let desiredNames = Set(desired.map(\.structure.name))

        var changes: [PlannedChange] = []
        for entity in dependencyOrder(desired) {
            let before = appliedByName[entity.structure.name]
            if before?.checksum == entity.checksum { continue }
            let operations = MigrationPlanner.plan(from: before?.structure, to: entity.structure, renames: entity.renames)
            let step = MigrationStep(from: before?.structure, to: entity.structure, operations: operations)
            changes.append(PlannedChange(
                id: PlannedChange.id(entity: entity.structure.name, from: before?.checksum, to: entity.checksum),
                entity: entity.structure.name, action: before == nil ? .create : .alter, packages: entity.packages,
                fromChecksum: before?.checksum, toChecksum: entity.checksum, structure: entity.structure,
                // A new table has no rows, so nothing about it can fail on existing data.
                operations: operations, risks: before == nil ? [] : operations.flatMap(OperationRisk.of), statements: renderer.render(step)))
        }
        for entity in applied.sorted(by: { $0.structure.name < $1.structure.name }) where !desiredNames.contains(entity.structure.name) {
            let operations = MigrationPlanner.plan(from: entity.structure, to: nil)
            changes.append(PlannedChange(
                id: PlannedChange.id(entity: entity.structure.name, from: entity.checksum, to: nil),
                entity: entity.structure.name, action: .drop, packages: entity.packages, fromChecksum: entity.checksum, toChecksum: nil,
                structure: nil, operations: operations, risks: operations.flatMap(OperationRisk.of),
                statements: renderer.render(MigrationStep(from: entity.structure, to: nil, operations: operations))))
        }
        return changes
    }

    /// Entities sorted so that every belongsTo target among them comes first (cycles keep file order).
    static func dependencyOrder(_ entities: [DesiredEntity]) -> [DesiredEntity] {
        let byName = Dictionary(entities.map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
        var visited: Set<String> = []
        var visiting: Set<String> = []
        var result: [DesiredEntity] = []
        func visit(_ name: String) {
            guard !visited.contains(name), !visiting.contains(name), let entity = byName[name] else { return }
            visiting.insert(name)
            for relation in entity.structure.relations where relation.kind == .belongsTo { visit(relation.target) }
            visiting.remove(name)
            visited.insert(name)
            result.append(entity)
        }
        for entity in entities { visit(entity.structure.name) }
        return result
    }
}
