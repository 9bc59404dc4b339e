public import Foundation
public import SchemaCore

/// The container-start path, as one entry point: the CLI's `apply` and `plan`, the tests and any
/// other host call it.
///
/// A start checks whether anything is approved (one small query); when nothing is, it only brings
/// a stale Prisma fragment up to date. Otherwise it reads and validates the package files, takes
/// the registry lock, verifies every approved item (``verify(_:current:trustedKeys:_:)``), runs
/// the SQL of the accepted ones in one transaction with the registry's records (and the Prisma
/// Migrate history), refreshes the fragment and runs the after command.
public struct ApplyEngine: Sendable {
    /// The registry of the target database.
    public let registry: Registry
    /// What the package files want; read only when something is approved.
    let desiredState: @Sendable () -> DesiredState

    /// An engine over `registry` that reads the package files through `desiredState` when it needs them.
    public init(registry: Registry, desiredState: @escaping @Sendable () -> DesiredState) {
        self.registry = registry
        self.desiredState = desiredState
    }

    /// An engine over `registry` for the workspace at `root` (base schema at `base`, or the default).
    public init(registry: Registry, root: URL, base: URL? = nil) {
        self.init(registry: registry) { DesiredState.resolve(WorkspaceLoader(root: root, baseSchemaFile: base).load()) }
    }

    // MARK: - Public API

    /// Applies every approved change exactly once: what a container runs at start.
    ///
    /// - Throws: ``SchemaError`` `invalid-packages` when something is approved but the package files
    ///   have errors (nothing runs); `statement-failed` after rolling back (the failing item is then
    ///   `failed`, the others stay approved); `usage` for row-level security on SQLite.
    public func run(_ request: ApplyRequest) throws -> ApplyOutcome {
        if request.rowLevelSecurity && registry.database.dialect != .postgresql {
            throw SchemaError(.usage, "--rls needs PostgreSQL; on SQLite the ACL is enforced in the application (see `schema rls`)")
        }
        var outcome = ApplyOutcome()
        // The restart path: with nothing approved, the package files are not even read. (The
        // transaction below checks the queue again under the lock, so a race only defers work.)
        if try registry.count(in: [.approved]) > 0 {
            let desired = try validDesiredState()
            let history = request.prismaMigrations.map(PrismaMigrationHistory.init(directory:))
            do {
                outcome = try execute(desired, request, history: history)
            } catch {
                history?.removeUncommitted()
                throw error
            }
            outcome.migrationFolder = history?.writtenFolder
            FaultInjection.pause(.afterCommit)
        }
        outcome.fragment = try request.fragment?.refresh(from: registry, trustedKeys: request.trustedKeys)
        if let command = request.afterCommand, !outcome.applied.isEmpty || outcome.fragment != nil {
            let status = command.run()
            if status != 0 {
                outcome.afterCommandFailure = SchemaError(.afterCommandFailed, "the --after command exited with \(status)"
                    + (outcome.applied.isEmpty ? "" : " (the changes are applied and recorded)"))
            }
        }
        return outcome
    }

    /// What ``run(_:)`` would do now, without changing anything: the same verification and order.
    public func plan(trustedKeys: [TrustedKey]? = nil) throws -> ApplyPlan {
        let desired = try validDesiredState()
        return try registry.transaction { connection in
            let prepared = try prepare(desired, trustedKeys: trustedKeys, connection)
            return ApplyPlan(items: prepared.accepted, refused: prepared.refused, statements: prepared.statements.map(\.statement))
        }
    }

    // MARK: - Steps

    func validDesiredState() throws -> DesiredState {
        let desired = desiredState()
        guard desired.isValid else {
            throw SchemaError(.invalidPackages, "nothing was applied: the package files have errors", diagnostics: desired.errors)
        }
        return desired
    }

    /// The approved items split into accepted and refused, and the accepted items' statements in
    /// execution order, each with its item.
    struct Prepared {
        var accepted: [QueueItem] = []
        var refused: [Refusal] = []
        var statements: [(itemId: String, statement: SQLStatement)] = []
        /// Item id → the nonce of its approval, recorded with its apply.
        var nonces: [String: String] = [:]
    }

    func prepare(_ desired: DesiredState, trustedKeys: [TrustedKey]?, _ connection: any RegistryConnection) throws -> Prepared {
        var prepared = Prepared()
        let current = Dictionary(desired.entities.map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (verified, refusal) in try verify(try Registry.items(in: [.approved], connection), current: current, trustedKeys: trustedKeys, connection) {
            if let refusal {
                prepared.refused.append(refusal)
            } else {
                prepared.accepted.append(verified.item)
                prepared.nonces[verified.item.id] = verified.nonce
            }
        }
        // Statements of all items, ordered by phase across items, each remembering its item.
        let tagged = prepared.accepted.flatMap { item in item.statements.map { (itemId: item.id, statement: $0) } }
        prepared.statements = tagged.enumerated()
            .sorted { ($0.element.statement.phase, $0.offset) < ($1.element.statement.phase, $1.offset) }
            .map(\.element)
        return prepared
    }

    /// Runs the accepted items in one transaction with their records; refusals become `failed`.
    func execute(_ desired: DesiredState, _ request: ApplyRequest, history: PrismaMigrationHistory?) throws -> ApplyOutcome {
        var failingItem: String?
        do {
            return try registry.transaction { connection in
                let prepared = try prepare(desired, trustedKeys: request.trustedKeys, connection)
                var outcome = ApplyOutcome()
                outcome.refused = prepared.refused
                try recordRefusals(prepared.refused, principal: request.principal, connection)
                for (itemId, statement) in prepared.statements {
                    if statement.phase == .rowLevelSecurity && !request.rowLevelSecurity {
                        outcome.skippedRowLevelSecurity.append(statement)
                        continue
                    }
                    failingItem = itemId
                    try connection.execute(statement.sql)
                    outcome.statements.append(statement)
                    FaultInjection.pause(.afterEachStatement)
                }
                failingItem = nil
                if connection.dialect == .sqlite {
                    try checkForeignKeys(prepared.accepted, connection)
                }
                for item in prepared.accepted {
                    try registry.record(item, connection)
                    try registry.setState(connection, item, .applied)
                    try registry.insertAudit(connection, principal: request.principal, action: "apply", item: item, detail: item.action.rawValue,
                                             nonce: prepared.nonces[item.id])
                    var applied = item
                    applied.state = .applied
                    outcome.applied.append(applied)
                }
                if !prepared.accepted.isEmpty {
                    try history?.record(outcome.statements, connection: connection)
                }
                return outcome
            }
        } catch let error as SchemaError {
            let failure = error.code == .database
                ? SchemaError(.statementFailed, error.message, itemId: failingItem, statement: error.statement, cause: error.cause)
                : error
            try recordFailure(failure, desired: desired, request: request)
            throw failure
        }
    }

    /// SQLite checks foreign keys itself only when they are on; the rebuilds ran with them off.
    func checkForeignKeys(_ items: [QueueItem], _ connection: any RegistryConnection) throws {
        for item in items where item.action != .drop {
            let violations = try connection.query("PRAGMA foreign_key_check(\(connection.dialect.quote(item.entity)))", [])
            if let first = violations.first {
                throw SchemaError(.statementFailed, "\(violations.count) row(s) of \(item.entity) violate a foreign key (first: rowid \(first["rowid"]?.integer ?? 0) → \(first["parent"]?.text ?? "?"))",
                                  itemId: item.id)
            }
        }
    }

    func recordRefusals(_ refusals: [Refusal], principal: String, _ connection: any RegistryConnection) throws {
        let items = Dictionary(try Registry.items(in: [.approved], connection).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for refusal in refusals {
            guard let item = items[refusal.itemId] else { continue }
            try registry.setState(connection, item, .failed, error: refusal.message)
            try registry.insertAudit(connection, principal: principal, action: "apply-refused", item: item, detail: "\(refusal.code.rawValue): \(refusal.message)")
        }
    }

    /// After a rollback: records refusals and the failing item in a transaction of their own.
    func recordFailure(_ failure: SchemaError, desired: DesiredState, request: ApplyRequest) throws {
        try registry.transaction { connection in
            let prepared = try prepare(desired, trustedKeys: request.trustedKeys, connection)
            try recordRefusals(prepared.refused, principal: request.principal, connection)
            if let item = prepared.accepted.first(where: { $0.id == failure.itemId }) {
                try registry.setState(connection, item, .failed, error: failure.message)
                try registry.insertAudit(connection, principal: request.principal, action: "apply-failed", item: item,
                                         detail: failure.message + (failure.statement.map { " | statement: \($0.prefix(500))" } ?? ""))
            } else {
                try registry.insertAudit(connection, principal: request.principal, action: "apply-failed", detail: failure.message)
            }
        }
    }
}
