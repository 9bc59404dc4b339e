/// Validates a loaded workspace: every rule on every entity, then across packages and against the host.
public enum Validator {
    /// Runs all rules. Pure: the workspace is already in memory. The per-package rules run on every
    /// core; the cross-package and host checks follow on one, and the report is the same whatever
    /// the number of cores. "Did you mean" suggestions have one ``Suggestion/Budget`` share per
    /// package and one for the checks across packages, so hostile files cannot make it slow.
    ///
    /// - Parameter threads: how many threads run the per-package rules (default: one per
    ///   processor this process may use).
    public static func validate(_ workspace: Workspace, threads: Int? = nil) -> ValidationReport {
        let budget = Suggestion.budget ?? Suggestion.Budget()
        return Suggestion.$budget.withValue(budget) { validateWithinBudget(workspace, budget: budget, threads: threads ?? Parallel.width) }
    }

    static func validateWithinBudget(_ workspace: Workspace, budget: Suggestion.Budget, threads: Int) -> ValidationReport {
        let workspace = workspace.namingHostEnumSchemas()
        var diagnostics = workspace.diagnostics
        let catalog = EntityCatalog(workspace: workspace)
        let roles = workspace.configuration.knownRoles
        let checked = Parallel.map(workspace.packages, width: threads) { package in
            budget.share { check(package, catalog: catalog, knownRoles: roles) }
        }
        var definitions: [ValidationReport.EntityDefinition] = []
        definitions.reserveCapacity(checked.reduce(0) { $0 + $1.definitions.count })
        for package in checked {
            diagnostics += package.diagnostics
            definitions += package.definitions
        }
        let byName = Dictionary(grouping: definitions, by: \.entity.name)
        let crossPackage = CrossPackageRules.check(byName)
        diagnostics += crossPackage.diagnostics
        let host = HostSchemaRules.check(byName, host: workspace.baseSchema)
        diagnostics += host.diagnostics
        diagnostics += PostgresNameRules.check(byName, host: workspace.baseSchema)
        diagnostics += EnumTypeRules.check(byName, host: workspace.baseSchema)
        return ValidationReport(packages: workspace.packages.map(\.packageId), definitions: definitions, shared: crossPackage.shared,
                                hostOverlaps: host.overlaps, diagnostics: Array(Set(diagnostics)).sortedForDisplay())
    }

    /// What the rules of one package find on their own, and its entity definitions with checksums.
    struct CheckedPackage: Sendable {
        var diagnostics: [Diagnostic] = []
        var definitions: [ValidationReport.EntityDefinition] = []
    }

    /// Every rule that needs only this package (and the catalog of entity names).
    static func check(_ package: PackageSchema, catalog: EntityCatalog, knownRoles: [String]) -> CheckedPackage {
        var result = CheckedPackage()
        result.diagnostics += MetadataRules.check(package)
        var seen: [String: Entity] = [:]
        for entity in package.entities {
            if let first = seen[entity.name] {
                result.diagnostics.append(.error(.duplicateName, "entity \(entity.name) is declared twice in \(package.packageId) (first at line \(first.location.line))",
                                                 hint: "remove or rename one", at: entity.location))
                continue
            }
            seen[entity.name] = entity
            result.diagnostics += FieldRules.check(entity)
            result.diagnostics += RelationRules.check(entity, catalog: catalog)
            result.diagnostics += ACLRules.check(entity, knownRoles: knownRoles, catalog: catalog)
            result.diagnostics += renameRule(entity, catalog: catalog)
            let entity = withoutKeyReferences(entity, catalog: catalog)
            let canonical = CanonicalEntity(entity)
            let checksum = Checksum(of: canonical)
            if let declared = entity.declaredChecksum, !declared.isEmpty, !checksum.hex.hasPrefix(declared.lowercased()) {
                result.diagnostics.append(.warning(.staleChecksum, "the checksum written for \(entity.name) (\(YAMLNodeReader.printable(declared))) is not its structural checksum \(checksum.short)",
                                                   hint: "update it to \(checksum.hex) or set 'checksum: null'", at: entity.location))
            }
            result.definitions.append(.init(packageId: package.packageId, entity: entity, checksum: checksum,
                                            renames: renameHints(of: entity)))
        }
        return result
    }

    /// `entity` with each `references:` that names its target's primary key, in order, left out:
    /// what a relation references without it (Prisma's habit of writing `references: [id]`), so
    /// both spellings are one structure with one checksum.
    static func withoutKeyReferences(_ entity: Entity, catalog: EntityCatalog) -> Entity {
        guard entity.relations.contains(where: { $0.references != nil }) else { return entity }
        var entity = entity
        entity.relations = entity.relations.map { relation in
            var relation = relation
            if let references = relation.references, references == catalog.primaryKeyFields(of: relation.target) { relation.references = nil }
            return relation
        }
        return entity
    }

    /// An entity's `renamedFrom:` must name a name nothing else holds: the rename frees it, so a
    /// package entity or host model still called that would be a second table of the same name.
    static func renameRule(_ entity: Entity, catalog: EntityCatalog) -> [Diagnostic] {
        guard let old = entity.renamedFrom, Identifier.isValid(old) else { return [] }
        let at = entity.renamedFromLocation ?? entity.location
        if old == entity.name {
            return [.error(.nameCollision, "entity \(entity.name) is renamed from its own name", hint: "remove 'renamedFrom', or name the entity's previous name", at: at)]
        }
        guard catalog.exists(old) else { return [] }
        let holder = catalog.packageEntities[old] == nil ? "a model of the host's schema" : "an entity a package still declares"
        return [.error(.nameCollision, "entity \(entity.name) is renamed from \(old), but \(old) is \(holder)",
                       hint: "a rename frees the old name: remove or rename \(old) there, or remove 'renamedFrom'", at: at)]
    }

    /// The rename hints of an entity as written: new column name → old column name (`renamedFrom:`).
    static func renameHints(of entity: Entity) -> [String: String] {
        Dictionary(entity.fields.compactMap { field in field.renamedFrom.map { (field.name, $0) } }, uniquingKeysWith: { first, _ in first })
    }
}

extension Workspace {
    /// The packages with every field that uses a host enum naming its database schema as the host
    /// places it (``PrismaSchema/databaseSchema(ofEnum:)``), where the field leaves it out: under
    /// a multi-schema host whose package tables are made outside `public`, a host enum of `public`
    /// is `public`'s, not a type of the package schema (the SQL names it `"public"."Role"`).
    /// Unchanged (and every checksum with it) when package tables are made in `public`.
    func namingHostEnumSchemas() -> Workspace {
        guard let host = baseSchema, host.packageSchema != PrimaryKeys.connectionSchema else { return self }
        var workspace = self
        for p in workspace.packages.indices {
            for e in workspace.packages[p].entities.indices {
                for f in workspace.packages[p].entities[e].fields.indices {
                    let field = workspace.packages[p].entities[e].fields[f]
                    guard field.enumSchema == nil, let type = field.enumType, host.enumValues[type] != nil, host.enumSchemas[type] == nil else { continue }
                    workspace.packages[p].entities[e].fields[f].enumSchema = host.databaseSchema(ofEnum: type)
                }
            }
        }
        return workspace
    }
}
