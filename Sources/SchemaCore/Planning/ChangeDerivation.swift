/// What one change runs and risks, derived from its structures: the only source of executable SQL.
///
/// Scan plans with it, approval derives again with it, and apply runs what it derives at that
/// moment from verified inputs (re-hashed snapshots and structures); the SQL stored with a queue
/// item is only shown, and a stored text that differs from the derivation is refused.
public struct DerivedChange: Hashable, Sendable {
    public var operations: [SchemaOperation]
    public var risks: [OperationRisk]
    public var statements: [SQLStatement]
    public var checks: [DataCheck]

    /// The hash an approval pins for this derivation (``PinnedSQL``, current format).
    public var sqlHash: String { PinnedSQL.hash(statements, checks: checks, format: PinnedSQL.currentFormat) }

    /// Whether approving needs `--allow-data-loss`.
    public var isDestructive: Bool { risks.contains { $0.kind == .destructive } }

    /// The change from `from` (nil: the table does not exist) to `to` (nil: it is dropped), with
    /// the rename hints it was planned with, rendered by `renderer`. Pure.
    public init(from: CanonicalEntity?, to: CanonicalEntity?, renames: [String: String] = [:], renderer: MigrationSQLRenderer) {
        operations = TableDiff.operations(from: from, to: to, renames: renames)
        let rendered = renderer.render(MigrationStep(from: from, to: to, operations: operations))
        statements = rendered.statements
        checks = rendered.checks
        // A new table has no rows: nothing about it can fail on existing data or lose any.
        risks = MigrationPlanner.risks(of: operations, creating: from == nil) + MigrationPlanner.rewriteRisks(of: rendered.statements)
    }
}

/// What rendering needs besides the structures: the host's primary keys and where row-level
/// security reads the acting user from. Both come from the workspace (base schema, configuration),
/// never from a registry row.
public struct RenderContext: Sendable {
    /// The host's base schema, for the primary keys of host models that relations reference.
    public var host: PrismaSchema?
    /// Where row-level security policies read the acting user from.
    public var identity: IdentitySource

    /// A context; without a host schema, host tables are taken to have the key `id`.
    public init(host: PrismaSchema? = nil, identity: IdentitySource = .settings) {
        self.host = host
        self.identity = identity
    }
}
