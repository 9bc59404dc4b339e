public import Foundation
public import SchemaCore

/// Which row-level security statements a start runs (PostgreSQL; SQLite has none).
public enum RowLevelSecurityMode: String, Sendable, CaseIterable {
    /// None (`apply --no-rls`): the application enforces the ACLs itself.
    case off
    /// The default: the policies of every entity that declares an ACL (or had one before the
    /// change), for the changes applied and for applied tables that lack them.
    case declared
    /// `apply --rls`: every table, so a table without an ACL is closed to every role but its
    /// owner's superusers, as the ACL evaluator treats it.
    case all

    /// Whether a row-level security statement of an entity runs; `hasACL`: the entity has an ACL
    /// now or had one before the change.
    func runs(hasACL: Bool) -> Bool {
        switch self {
        case .off: false
        case .declared: hasACL
        case .all: true
        }
    }
}

/// How a container start (``ApplyEngine/run(_:)``) should apply: who it records, which approvals
/// it trusts, and what it writes besides the database.
public struct ApplyRequest: Sendable {
    /// The principal recorded in the audit log.
    public var principal: String
    /// When set, only approvals signed by one of these keys count.
    public var trustedKeys: [TrustedKey]?
    /// Which row-level security statements run (PostgreSQL only).
    public var rowLevelSecurity: RowLevelSecurityMode
    /// Also write a Prisma Migrate folder here, and its `_prisma_migrations` row.
    public var prismaMigrations: URL?
    /// The Prisma fragment to keep in step with the database; nil writes none.
    public var fragment: FragmentFile?
    /// A command to run when something was applied or the fragment changed.
    public var afterCommand: AfterCommand?
    /// How long the start waits for the registry lock and for table locks, and how often it tries.
    public var lockPolicy: LockPolicy
    /// How many rows a backfill batch changes at a time (PostgreSQL online steps).
    public var batchSizing: BatchSizing = .standard
    /// Where to report progress while it runs (online steps, lock retries); nil reports nothing.
    public var log: (@Sendable (String) -> Void)?
    /// The `application_name` the version this start belongs to connects with (`--application-name`,
    /// `SCHEMA_APPLICATION_NAME`): recorded with each rollout it expands, for `complete --when-quiet`.
    public var applicationName: String?
    /// Whether a start on SQLite reads the package files on another thread while its first
    /// transaction runs, confirming before it commits that they agree (``DesiredSource``); when
    /// false it reads them first. What commits is the same either way.
    public var overlapsReading = true

    /// A request; by default it applies as `apply`, trusts every approval, and writes nothing besides the database.
    public init(principal: String = "apply", trustedKeys: [TrustedKey]? = nil, rowLevelSecurity: RowLevelSecurityMode = .declared,
                prismaMigrations: URL? = nil, fragment: FragmentFile? = nil, afterCommand: AfterCommand? = nil,
                lockPolicy: LockPolicy = .standard, log: (@Sendable (String) -> Void)? = nil) {
        self.principal = principal
        self.trustedKeys = trustedKeys
        self.rowLevelSecurity = rowLevelSecurity
        self.prismaMigrations = prismaMigrations
        self.fragment = fragment
        self.afterCommand = afterCommand
        self.lockPolicy = lockPolicy
        self.log = log
    }
}

/// What ``ApplyEngine/run(_:)`` did.
public struct ApplyOutcome: Sendable {
    /// Items applied, in order.
    public var applied: [QueueItem] = []
    /// Approved items refused before anything ran (now `failed`).
    public var refused: [Refusal] = []
    /// The statements that ran, in order.
    public var statements: [SQLStatement] = []
    /// Row-level security statements that did not run because the request did not ask for them.
    public var skippedRowLevelSecurity: [SQLStatement] = []
    /// Applied tables whose missing or stale row-level security this start installed.
    public var rowLevelSecurityInstalled: [String] = []
    /// The fragment, when it was (re)written.
    public var fragment: FragmentFile.Written?
    /// The Prisma Migrate folder written, if any.
    public var migrationFolder: URL?
    /// The `--after` command's failure, if it ran and failed.
    public var afterCommandFailure: SchemaError?
    /// Whether the after command ran only because an earlier start's run of it failed.
    public var afterCommandRetried = false

    /// Whether nothing was approved.
    public var nothingToDo: Bool { applied.isEmpty && refused.isEmpty }
    /// Whether everything approved was applied and the after command (if any) succeeded.
    public var succeeded: Bool { refused.isEmpty && afterCommandFailure == nil }

    /// An empty outcome.
    public init() {}
}

/// What ``ApplyEngine/plan(_:)`` finds: the same verification and ordering as a start, without running anything.
public struct ApplyPlan: Sendable {
    /// Approved items that would be applied, in order (the ones an earlier start began first).
    public var items: [QueueItem] = []
    /// Items an earlier start began, which this one would finish from their recorded progress.
    public var resuming: [QueueItem] = []
    /// Approved items that would be refused.
    public var refused: [Refusal] = []
    /// Every statement a start would run, in order.
    public var statements: [SQLStatement] = []
    /// Row-level security statements a start in this mode skips.
    public var skippedRowLevelSecurity: [SQLStatement] = []
    /// Applied tables whose missing row-level security the start installs.
    public var rowLevelSecurityInstalls: [String] = []
    /// Their statements, which also end ``statements``: the start runs them after the changes.
    public var rowLevelSecurityInstallStatements: [SQLStatement] = []

    /// An empty plan, or one that begins with `resuming` and `refused`.
    public init(items: [QueueItem] = [], resuming: [QueueItem] = [], refused: [Refusal] = [], statements: [SQLStatement] = []) {
        self.items = items
        self.resuming = resuming
        self.refused = refused
        self.statements = statements
    }
}
