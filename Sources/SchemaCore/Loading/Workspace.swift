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

    /// Creates a configuration.
    public init(extraRoles: [String] = []) {
        self.extraRoles = extraRoles
    }

    /// Built-in and extra roles.
    public var knownRoles: [String] { AccessControl.knownRoles + extraRoles }
}
