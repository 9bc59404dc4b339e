/// Validates a loaded workspace: every rule on every entity, then across packages and against the host.
public enum Validator {
    /// Runs all rules. Pure: the workspace is already in memory. "Did you mean" suggestions share
    /// one ``Suggestion/Budget`` per validation, so hostile files cannot make it slow.
    public static func validate(_ workspace: Workspace) -> ValidationReport {
        Suggestion.$budget.withValue(Suggestion.budget ?? Suggestion.Budget()) { validateWithinBudget(workspace) }
    }

    static func validateWithinBudget(_ workspace: Workspace) -> ValidationReport {
        var diagnostics = workspace.diagnostics
        let catalog = EntityCatalog(workspace: workspace)
        var definitions: [ValidationReport.EntityDefinition] = []
        for package in workspace.packages {
            diagnostics += MetadataRules.check(package)
            var seen: [String: Entity] = [:]
            for entity in package.entities {
                if let first = seen[entity.name] {
                    diagnostics.append(.error(.duplicateName, "entity \(entity.name) is declared twice in \(package.packageId) (first at line \(first.location.line))",
                                              hint: "remove or rename one", at: entity.location))
                    continue
                }
                seen[entity.name] = entity
                diagnostics += FieldRules.check(entity)
                diagnostics += RelationRules.check(entity, catalog: catalog)
                diagnostics += ACLRules.check(entity, knownRoles: workspace.configuration.knownRoles, catalog: catalog)
                let canonical = CanonicalEntity(entity)
                let checksum = Checksum(of: canonical)
                if let declared = entity.declaredChecksum, !declared.isEmpty, !checksum.hex.hasPrefix(declared.lowercased()) {
                    diagnostics.append(.warning(.staleChecksum, "the checksum written for \(entity.name) (\(YAMLNodeReader.printable(declared))) is not its structural checksum \(checksum.short)",
                                                hint: "update it to \(checksum.hex) or set 'checksum: null'", at: entity.location))
                }
                definitions.append(.init(packageId: package.packageId, entity: entity, canonical: canonical, checksum: checksum,
                                         renames: Self.renameHints(of: entity)))
            }
        }
        let crossPackage = CrossPackageRules.check(definitions)
        diagnostics += crossPackage.diagnostics
        let host = HostSchemaRules.check(definitions, host: workspace.baseSchema)
        diagnostics += host.diagnostics
        return ValidationReport(packages: workspace.packages.map(\.packageId), definitions: definitions, shared: crossPackage.shared,
                                hostOverlaps: host.overlaps, diagnostics: Array(Set(diagnostics)).sortedForDisplay())
    }

    /// The rename hints of an entity as written: new column name → old column name (`renamedFrom:`).
    static func renameHints(of entity: Entity) -> [String: String] {
        Dictionary(entity.fields.compactMap { field in field.renamedFrom.map { (field.name, $0) } }, uniquingKeysWith: { first, _ in first })
    }
}
