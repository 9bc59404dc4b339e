/// Everything loaded from a workspace root: package schemas, the host's base schema, configuration.
public struct Workspace: Sendable {
    /// Packages that declare a schema, sorted by id.
    public var packages: [PackageSchema]
    /// The host's base Prisma schema, when there is one.
    public var baseSchema: PrismaSchema?
    /// Settings from `schema.config.json`.
    public var configuration: WorkspaceConfiguration
    /// Problems found while loading (files, YAML, metadata). Validation adds its own.
    public var diagnostics: [Diagnostic]

    /// Creates a workspace value (tests build them directly, without disk).
    public init(packages: [PackageSchema], baseSchema: PrismaSchema? = nil,
                configuration: WorkspaceConfiguration = .init(), diagnostics: [Diagnostic] = []) {
        self.packages = packages
        self.baseSchema = baseSchema
        self.configuration = configuration
        self.diagnostics = diagnostics
    }

    /// The package with id `packageId`.
    public func package(_ packageId: String) -> PackageSchema? {
        packages.first { $0.packageId == packageId }
    }
}

/// `schema.config.json` at the workspace root.
public struct WorkspaceConfiguration: Hashable, Sendable {
    /// Roles accepted in ACLs besides the built-in ones.
    public var extraRoles: [String]
    /// `"identity"`: where row-level security reads the acting user from (default `settings`).
    public var identity: IdentitySource
    /// `"deploys"`: whether an old version of the application serves while a new one starts
    /// (default `rolling`), which decides whether incompatible changes are rolled out (``Rollout``).
    public var deploys: Rollout.DeployStrategy
    /// `"packageSchema"`: under a multi-schema host, the database schema package tables are made
    /// in (one of the datasource's `schemas`; default `public`). The host's base schema carries it
    /// (``PrismaSchema/packageSchema``), and the commands' PostgreSQL sessions search it.
    public var packageSchema: String?

    /// Creates a configuration.
    public init(extraRoles: [String] = [], identity: IdentitySource = .settings, deploys: Rollout.DeployStrategy = .rolling, packageSchema: String? = nil) {
        self.extraRoles = extraRoles
        self.identity = identity
        self.deploys = deploys
        self.packageSchema = packageSchema
    }

    /// Built-in and extra roles.
    public var knownRoles: [String] { AccessControl.knownRoles + extraRoles }
}

extension Workspace {
    /// A workspace of schema texts held in memory (package id → `entities.yaml` text), parsed as
    /// the loader parses files, each at `packages/<id>/seed/schema/entities.yaml`. For embedding
    /// hosts and tests that have no files on disk.
    public static func inMemory(_ schemas: [String: String], baseSchema: PrismaSchema? = nil) -> Workspace {
        var packages: [PackageSchema] = []
        var diagnostics: [Diagnostic] = []
        for (id, text) in schemas.sorted(by: { $0.key < $1.key }) {
            let file = "packages/\(id)/seed/schema/entities.yaml"
            let parsed = EntitiesFileParser.parse(SourceText.normalizingLineEndings(text), file: file)
            diagnostics += parsed.diagnostics
            packages.append(PackageSchema(packageId: id, schemaFile: file, entities: parsed.entities))
        }
        return Workspace(packages: packages, baseSchema: baseSchema, diagnostics: diagnostics)
    }
}
