/// The desired-state stage: a loaded workspace, its validation report, and the entities the
/// packages want, each with the checksum and rename hints validation computed (nothing is hashed
/// or read from the raw files again).
///
/// `scan`, `plan`, `apply` and the tests all get what packages want from here.
public struct DesiredState: Sendable {
    /// What was loaded.
    public var workspace: Workspace
    /// Every diagnostic, shared and host-overlap finding.
    public var report: ValidationReport
    /// One entry per entity the tool manages (host models excluded), in package then file order;
    /// empty when the report has errors, so nothing can be planned from broken files.
    public var entities: [DesiredEntity]

    /// The host's base schema.
    public var host: PrismaSchema? { workspace.baseSchema }
    /// Where row-level security policies read the acting user from (`schema.config.json`).
    public var identity: IdentitySource { workspace.configuration.identity }

    /// What rendering SQL needs besides the structures.
    public var renderContext: RenderContext { RenderContext(host: host, identity: identity, deploys: workspace.configuration.deploys) }

    /// Whether the packages are valid, so their entities may be planned.
    public var isValid: Bool { !report.hasErrors }

    /// The errors that keep the packages from being planned.
    public var errors: [Diagnostic] { report.diagnostics.filter { $0.severity == .error } }

    /// Validates `workspace` and collects what it asks for. Pure: the workspace is in memory.
    public static func resolve(_ workspace: Workspace) -> DesiredState {
        let report = Validator.validate(workspace)
        return DesiredState(workspace: workspace, report: report,
                            entities: report.hasErrors ? [] : entities(of: report, host: workspace.baseSchema))
    }

    /// The entities a report's definitions ask for. Entities that are host models belong to the host and are left out.
    static func entities(of report: ValidationReport, host: PrismaSchema?) -> [DesiredEntity] {
        var byName: [String: DesiredEntity] = [:]
        var order: [String] = []
        for definition in report.definitions where host?.model(named: definition.entity.name) == nil {
            let name = definition.entity.name
            if var existing = byName[name] {
                existing.packages.append(definition.packageId)
                existing.renames.merge(definition.renames) { first, _ in first }
                existing.renamedFrom = existing.renamedFrom ?? definition.renamedFrom
                existing.joinRenames.merge(definition.joinRenames) { first, _ in first }
                byName[name] = existing
            } else {
                order.append(name)
                var entity = DesiredEntity(structure: definition.canonical, checksum: definition.checksum,
                                           packages: [definition.packageId], renames: definition.renames,
                                           renamedFrom: definition.renamedFrom)
                entity.joinRenames = definition.joinRenames
                byName[name] = entity
            }
        }
        let entities = order.compactMap { byName[$0] }
        return entities + JoinTables.of(entities, host: host)
    }
}
