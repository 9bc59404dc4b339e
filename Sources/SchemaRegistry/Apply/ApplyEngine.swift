public import Foundation
public import SchemaCore

/// The container-start path, as one entry point: the CLI's `apply` and `plan`, the tests and any
/// other host call it.
///
/// A start checks whether anything is approved (one small query); when nothing is, it only brings
/// a stale Prisma fragment up to date. Otherwise it reads and validates the package files, takes
/// the registry lock and:
///
/// 1. finishes the items an earlier start began (their online steps, then their last transaction),
///    then applies approved repairs of drifted tables (`schema drift --queue`) the same way;
/// 2. verifies every other approved item (``verify(_:current:trustedKeys:resuming:_:)``), counts
///    the rows that would make each fail (refusing those items with the count), and runs the
///    catalog part of the accepted ones in one transaction with the registry's records;
/// 3. runs the online steps of the items that have any, each recorded when done, and ends each
///    item with a short transaction that marks it applied.
///
/// Every transaction waits at most ``LockPolicy/statementTimeout`` for a table lock and is tried
/// again after a pause when it times out; when the tries run out, apply ends with `lock-timeout`
/// and the items stay approved for the next start. Then it refreshes the fragment and runs the
/// after command.
public struct ApplyEngine: Sendable {
    /// The registry of the target database.
    public let registry: Registry
    /// What the package files want; read only when something is approved.
    let desiredState: @Sendable () -> DesiredState
    /// The host schema and identity setting (no package file), for the policies of applied tables.
    let renderContext: @Sendable () -> RenderContext

    /// An engine over `registry` that reads the package files through `desiredState` when it needs
    /// them, and the workspace's host schema and identity setting through `renderContext` (by
    /// default from `desiredState`).
    public init(registry: Registry, desiredState: @escaping @Sendable () -> DesiredState, renderContext: (@Sendable () -> RenderContext)? = nil) {
        self.registry = registry
        self.desiredState = desiredState
        self.renderContext = renderContext ?? { desiredState().renderContext }
    }

    /// An engine over `registry` for the workspace at `root` (base schema at `base`, or the default).
    public init(registry: Registry, root: URL, base: URL? = nil) {
        self.init(registry: registry, desiredState: { DesiredState.resolve(WorkspaceLoader(root: root, baseSchemaFile: base).load()) },
                  renderContext: { WorkspaceLoader(root: root, baseSchemaFile: base).renderContext() })
    }

    // MARK: - Public API

    /// Applies every approved change exactly once: what a container runs at start.
    ///
    /// - Throws: ``SchemaError`` `invalid-packages` when something is approved but the package files
    ///   have errors (nothing runs); `statement-failed` after rolling back (the failing item is then
    ///   `failed`, the others stay approved) or when an online step fails (the item stays approved
    ///   and resumes there); `lock-timeout` when a table lock could not be had in the tries the
    ///   policy allows (items stay approved); `usage` for row-level security on SQLite.
    public func run(_ request: ApplyRequest) throws -> ApplyOutcome {
        var outcome = ApplyOutcome()
        // Every wait of this start is the request's, the first look at the queue included.
        let registry = registry.waiting(request.lockPolicy.registryWait)
        // The restart path: with nothing approved, the package files are not even read. (The
        // transaction below checks the queue again under the lock, so a race only defers work.)
        if try registry.count(in: [.approved]) > 0 {
            // On SQLite the files are read while the first transaction runs its statements.
            let source = registry.database.dialect == .sqlite && request.overlapsReading
                ? DesiredSource(reading: desiredState, context: renderContext())
                : DesiredSource(ready: try validDesiredState())
            let history = request.prismaMigrations.map(PrismaMigrationHistory.init(directory:))
            do {
                do {
                    try execute(source, request, history: history, into: &outcome)
                } catch is SpeculationMissed {
                    // Rolled back: run again with the files read first.
                    request.log?("the package files were not what the first transaction assumed while they were read; it was rolled back and runs again")
                    try execute(DesiredSource(ready: try source.desired()), request, history: history, into: &outcome)
                }
            } catch {
                history?.removeUncommitted()
                throw error
            }
            outcome.migrationFolder = history?.writtenFolder
            FaultInjection.pause(.afterCommit)
        }
        outcome.fragment = try request.fragment?.refresh(from: registry, trustedKeys: request.trustedKeys)
        try installRowLevelSecurity(request, into: &outcome)
        if let command = request.afterCommand, !outcome.applied.isEmpty || outcome.fragment != nil || command.isPending {
            outcome.afterCommandRetried = outcome.applied.isEmpty && outcome.fragment == nil
            let status = command.run()
            if status != 0 {
                outcome.afterCommandFailure = SchemaError(.afterCommandFailed, "the --after command exited with \(status)"
                    + (outcome.applied.isEmpty ? "" : "; the changes are applied and recorded")
                    + "; what it generates (the Prisma client) may be stale. The next start runs it again, until it succeeds")
            }
        }
        return outcome
    }

    /// What ``run(_:)`` would do now, without changing anything: the same verification, derivation,
    /// data checks and order, in the order a start runs them (resumed items, then repairs, then the
    /// other items, each group's first transaction before its items' online steps and last
    /// transactions), then the row-level security the start installs on applied tables. The checks
    /// run in savepoints that are rolled back. Row-level security statements `rowLevelSecurity` does not run are
    /// the policy statements are listed apart, as a start without `--rls` skips them.
    public func plan(trustedKeys: [TrustedKey]? = nil, rowLevelSecurity: RowLevelSecurityMode = .declared) throws -> ApplyPlan {
        let desired = try validDesiredState()
        return try registry.transaction { connection in
            let resuming = try resumable({ desired }, trustedKeys: trustedKeys, connection)
            let begun = resuming.filter { $0.refusal == nil }.map(\.item)
            var plan = ApplyPlan(resuming: begun, refused: resuming.compactMap(\.refusal))
            // A begun item has its online steps (each skipped when the catalog shows it done) and its last transaction left.
            for item in begun {
                plan.items.append(item)
                plan.statements += item.onlineSteps + item.finishingStatements
            }
            let excluded = Set(resuming.map(\.item.id))
            let approved = try Registry.items(in: [.approved], connection).filter { !excluded.contains($0.id) }
            let repairIds = Set(approved.filter { $0.action == .repair }.map(\.id))
            let repairs = try prepare(desired, trustedKeys: trustedKeys, excluding: excluded.union(approved.map(\.id).filter { !repairIds.contains($0) }), connection)
            let others = try prepare(desired, trustedKeys: trustedKeys, excluding: excluded.union(repairIds), repaired: Set(repairs.accepted.map(\.entity)), connection)
            for group in [repairs, others] {
                plan.items += group.accepted
                plan.refused += group.refused
                for (itemId, statement) in Self.tagged(group.accepted) where statement.stage == .transaction {
                    if statement.phase == .rowLevelSecurity && !rowLevelSecurity.runs(hasACL: group.secured.contains(itemId)) {
                        plan.skippedRowLevelSecurity.append(statement)
                    } else {
                        plan.statements.append(statement)
                    }
                }
                for item in group.accepted { plan.statements += item.onlineSteps + item.finishingStatements }
            }
            if let due = try rowLevelSecurityRepairs(rowLevelSecurity, trustedKeys: trustedKeys, context: { desired.renderContext },
                                                     excluding: Set(plan.items.map(\.entity)), ignoringMark: !plan.items.isEmpty, connection) {
                plan.rowLevelSecurityInstalls = due.tables.map(\.entity)
                plan.rowLevelSecurityInstallStatements = due.tables.flatMap(\.statements)
                plan.statements += plan.rowLevelSecurityInstallStatements
            }
            return plan
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

    /// The approved items split into accepted and refused.
    struct Prepared {
        var accepted: [QueueItem] = []
        var refused: [Refusal] = []
        /// Item id → the nonce of its approval, recorded with its apply.
        var nonces: [String: String] = [:]
        /// The accepted items whose entity has an ACL, or had one before the change: the default
        /// row-level security mode runs their policy statements.
        var secured: Set<String> = []
        /// What a preparation before the package files were read assumed of them; nil when they were read.
        var assumed: Speculation?
    }

    /// The approved items that have not started, verified (``verify(_:current:trustedKeys:resuming:inputs:_:)``),
    /// checked for drift and asked every data check: accepted, or refused with every reason found.
    ///
    /// - Parameter repaired: entities whose approved repair runs before these items; their drift is
    ///   what the repair removes, so it does not hold the items back.
    func prepare(_ desired: DesiredState, trustedKeys: [TrustedKey]?, excluding started: Set<String>, repaired: Set<String> = [],
                 _ connection: any RegistryConnection) throws -> Prepared {
        try prepare(desired, context: desired.renderContext, trustedKeys: trustedKeys, excluding: started, repaired: repaired, connection)
    }

    /// ``prepare(_:trustedKeys:excluding:repaired:_:)`` before the package files are read
    /// (`desired` nil): derived with the queued structures as the other entities, and without
    /// comparing the files with the approved checksums. Its transaction must not commit before
    /// ``confirm(_:with:)`` passed. With `early`, the items are derived on another thread and the
    /// tables of the first accepted creates are made as they are accepted (``EarlyStatements``).
    func prepare(_ desired: DesiredState?, context: RenderContext, trustedKeys: [TrustedKey]?, excluding started: Set<String>, repaired: Set<String> = [],
                 early: EarlyStatements? = nil, _ connection: any RegistryConnection) throws -> Prepared {
        var prepared = Prepared()
        // Each item reads its row and writes a few pages (its table, its indexes, the catalog, its registry rows).
        connection.expectWrites(bytes: try Registry.count(in: [.approved], connection) * 32 * 1024)
        let items = try Registry.items(in: [.approved], connection).filter { !started.contains($0.id) }
        guard !items.isEmpty else { return prepared }
        let inputs = try DerivationInputs.read(context: context, others: desired?.entities.map(\.structure) ?? items.compactMap(\.structure), connection)
        if desired == nil {
            prepared.assumed = Speculation(context: context, items: items, applied: inputs.applied.values.map(\.structure), primaryKeys: inputs.primaryKeys)
        }
        let keys = PrimaryKeys.of(host: context.host, entities: inputs.applied.values.map(\.structure))
        let tables = try Self.existingTables(connection)
        // Tables this start creates or renames into being.
        let createdHere = Set(items.filter { $0.action == .create || $0.renamedFrom != nil }.map(\.entity))
        let rollouts = try Registry.openRollouts(connection)
        let partitions = try Self.partitionLayout(connection)
        let renamed = Self.columnsRenamed(by: items, applied: inputs.applied)
        var knownObjects: Set<String>?
        func extensionObjects() throws -> Set<String> {
            if let knownObjects { return knownObjects }
            knownObjects = try Self.extensionObjects(connection)
            return knownObjects ?? []
        }
        for (verified, refusal) in try verifying(items, current: desired?.entitiesByName, trustedKeys: trustedKeys, resuming: false, inputs: inputs,
                                                 derivedAll: early?.derivedAll, connection) {
            let item = verified.item
            if let refusal {
                prepared.refused.append(refusal)
            } else if let rollout = rollouts[item.entity] ?? item.renamedFrom.flatMap({ rollouts[$0] }) {
                prepared.refused.append(Self.rolloutOpenRefusal(item, rollout))
            } else if !repaired.contains(item.entity),
                      let drift = try driftRefusal(item, applied: inputs.applied[item.appliedName], primaryKeys: keys, keysAfter: inputs.primaryKeys, tables: tables, connection) {
                prepared.refused.append(drift)
            } else if connection.dialect == .postgresql,
                      let missing = Self.missingTargetRefusal(item, primaryKeys: keys, tables: tables, createdHere: createdHere,
                                                                    extensionObjects: try extensionObjects()) {
                prepared.refused.append(missing)
            } else if let partitioned = Self.partitionRefusal(item, layout: partitions) {
                prepared.refused.append(partitioned)
            } else if let data = Registry.dataRefusal(itemId: item.id, entity: item.entity, try Registry.violations(item.startChecks, tables: tables, renamed: renamed, connection)) {
                prepared.refused.append(data)
            } else {
                var adopts = false
                if item.action == .create && tables.contains(item.tableName) {
                    adopts = try Self.existingTable(for: item, primaryKeys: inputs.primaryKeys, tables: tables, connection) == .adoptable
                }
                let accepted = adopts ? Self.adopting(item) : Self.adapted(item, to: partitions)
                prepared.accepted.append(accepted)
                prepared.nonces[item.id] = verified.nonce
                try early?.accepted(accepted, newTable: !tables.contains(item.tableName))
                if item.structure?.acl != nil || inputs.applied[item.appliedName]?.structure.acl != nil { prepared.secured.insert(item.id) }
            }
        }
        var held = Self.holdingRenamesTogether(prepared, approved: items, applied: inputs.applied)
        held.accepted = Self.keysAddedOnlineLast(held.accepted)
        return held
    }

    /// The columns `items` rename, by table as the database names it: new column → old column.
    /// A key's data check that reads a renamed column is asked by the old name before the start
    /// (``Registry/ask(_:tables:renamed:_:)``).
    static func columnsRenamed(by items: [QueueItem], applied: [String: AppliedEntity]) -> [String: [String: String]] {
        var renamed: [String: [String: String]] = [:]
        for item in items where !item.renames.isEmpty {
            guard let structure = item.structure else { continue }
            let before = applied[item.appliedName]?.structure
            for (new, old) in item.renames {
                let newColumn = structure.field(named: new).map { $0.column ?? $0.name } ?? new
                let oldColumn = before?.field(named: old).map { $0.column ?? $0.name } ?? old
                renamed[item.tableName, default: [:]][newColumn] = oldColumn
            }
        }
        return renamed
    }

    /// `items` with those that add foreign keys in online steps after the others, otherwise in
    /// their order: such a key may need a unique index another item of the start builds online
    /// (``QueueItem/onlineSteps`` run item by item). Among those, an item whose key points at
    /// another one's entity, which builds an index online, waits for it (the same order every
    /// start, so a resumed start never runs the key before the index).
    static func keysAddedOnlineLast(_ items: [QueueItem]) -> [QueueItem] {
        func addsKeysOnline(_ item: QueueItem) -> Bool { item.hasStartStatement { $0.stage == .online && $0.phase == .addForeignKeys } }
        func waits(_ item: QueueItem, for other: QueueItem) -> Bool {
            other.id != item.id && other.hasStartStatement { $0.stage == .online && $0.index != nil }
                && item.structure?.relations.contains { $0.references != nil && $0.target == other.entity } == true
        }
        var ordered = items.filter { !addsKeysOnline($0) }
        var waiting = items.filter(addsKeysOnline)
        while !waiting.isEmpty {
            // A cycle (each waits for the other) keeps the queue's order.
            let next = waiting.firstIndex { item in !waiting.contains { waits(item, for: $0) } } ?? 0
            ordered.append(waiting.remove(at: next))
        }
        return ordered
    }

    /// Refuses a change of an entity whose previous change is still being rolled out: the table has
    /// the expanded shape, which this change was not planned for, and the old version may still run.
    static func rolloutOpenRefusal(_ item: QueueItem, _ rollout: OpenRollout) -> Refusal {
        Refusal(itemId: item.id, entity: item.entity, code: .rolloutOpen,
                message: "\(item.entity) is being rolled out: the expand of \(rollout.itemId) ran and the version before it may still run. "
                    + "Run `schema complete \(item.entity)` once it no longer does (or `schema rollback \(item.entity)`); nothing ran and the change stays approved")
    }

    /// Refuses an item with a relation to a table the database does not have and this start does
    /// not create, or with a type or default of an extension it does not have: the host's
    /// migrations have not run (on PostgreSQL the statement would fail half-way through the start;
    /// SQLite creates a foreign key to a missing table and checks it only when rows are written).
    /// The item stays approved for the start after the host's migrations.
    static func missingTargetRefusal(_ item: QueueItem, primaryKeys: [String: String], tables: Set<String>, createdHere: Set<String>,
                                     extensionObjects: Set<String>) -> Refusal? {
        guard let problem = missingTargetProblem(item, primaryKeys: primaryKeys, tables: tables, createdHere: createdHere,
                                                 extensionObjects: extensionObjects) else { return nil }
        return Refusal(itemId: item.id, entity: item.entity, code: .hostTableMissing, message: problem + "; nothing ran and the change stays approved")
    }

    /// What ``missingTargetRefusal(_:primaryKeys:tables:createdHere:extensionObjects:)`` refuses,
    /// said before anything runs (`plan`, `list --verbose`, the review page), or nil.
    static func missingTargetProblem(_ item: QueueItem, primaryKeys: [String: String], tables: Set<String>, createdHere: Set<String>,
                                     extensionObjects: Set<String>) -> String? {
        guard item.action != .drop, let structure = item.structure else { return nil }
        if let problem = missingExtension(structure, entity: item.entity, present: extensionObjects) { return problem }
        let missing = structure.relations.filter { $0.kind == .belongsTo }.map(\.target)
            .filter { !createdHere.contains($0) && !tables.contains(PrimaryKeys.qualifiedTable($0, in: primaryKeys)) }
        guard !missing.isEmpty else { return nil }
        let names = Set(missing).sorted().map { PrimaryKeys.qualifiedTable($0, in: primaryKeys) }.joined(separator: ", ")
        return "\(item.entity) references \(names), which the database does not have: the host's own migrations have not run. "
            + "Run them before `schema apply` (the start script's SCHEMA_BEFORE, e.g. `npx prisma migrate deploy`)"
    }

    /// What of `structure` needs an extension the database does not have (`present`: the
    /// extension objects it has, ``extensionObjects(_:)``): a `db: Citext` column, a
    /// `uuid_generate_v4()` default, an index with `ops: { email: gin_trgm_ops }`.
    static func missingExtension(_ structure: CanonicalEntity, entity: String, present: Set<String>) -> String? {
        for field in structure.fields {
            var needed: (what: String, extensionName: String)?
            if let native = field.nativeType, let name = native.requiredExtension, let type = native.postgresType, !present.contains(type.lowercased()) {
                needed = ("is \(type), a type", name)
            } else if let computed = field.databaseDefault, let required = computed.requiredExtension, !present.contains(required.function) {
                needed = ("defaults to \(computed.rawValue), a function", required.name)
            }
            guard let (what, name) = needed else { continue }
            return Self.extensionAdvice("\(entity).\(field.name) \(what)", extensionName: name)
        }
        for index in structure.indexes {
            let method = index.method?.sql ?? "btree"
            for (field, opclass) in (index.operatorClasses ?? [:]).sorted(by: { $0.key < $1.key }) where !present.contains("opclass:\(method):\(opclass)") {
                let what = "\(entity)'s index on (\(index.fields.joined(separator: ", "))) uses \(opclass) for \(field), an operator class for \(method)"
                guard let name = Self.operatorClassExtensions[opclass] else {
                    return what + ", which the database does not have: install what provides it (an extension, in the host's own migrations) before `schema apply`"
                }
                return Self.extensionAdvice(what, extensionName: name)
            }
        }
        return nil
    }

    /// The extensions that bring the operator classes apps use most in `ops:` (Prisma's `raw("…")`).
    static let operatorClassExtensions: [String: String] = [
        "gin_trgm_ops": "pg_trgm", "gist_trgm_ops": "pg_trgm",
        "gin_bigm_ops": "pg_bigm", "gist_ltree_ops": "ltree", "gist_hstore_ops": "hstore", "gin_hstore_ops": "hstore",
    ]

    /// `what` is of the `extensionName` extension, which the database does not have, and how to install it.
    static func extensionAdvice(_ what: String, extensionName name: String) -> String {
        // SQL quotes a name with a hyphen; Prisma names it with `_` and maps it.
        let sql = name.contains("-") ? "\"\(name)\"" : name
        let prisma = name.contains("-") ? "\(name.replacingOccurrences(of: "-", with: "_"))(map: \"\(name)\")" : name
        return "\(what) of the \(name) extension, which the database does not have: "
            + "the host's own migrations install it (`CREATE EXTENSION IF NOT EXISTS \(sql);`, or Prisma's `extensions = [\(prisma)]`). "
            + "Run them before `schema apply`"
    }

    /// Refuses an item whose table is not what the registry says was applied: the change was
    /// planned for the snapshot's shape and could fail half-way, or succeed on the wrong one.
    /// The item stays approved; `schema drift` shows the differences and leads to a repair
    /// (reviewed like any change) or to accepting the live shape.
    ///
    /// - Parameters:
    ///   - primaryKeys: the keys of the applied structures, which an applied table is compared with.
    ///   - keysAfter: the keys as they are once the start has run (``DerivationInputs/primaryKeys``),
    ///     which a table a create takes over is compared with: its foreign keys may point at a
    ///     compound key of a table taken over in the same start.
    func driftRefusal(_ item: QueueItem, applied: AppliedEntity?, primaryKeys: [String: String], keysAfter: [String: String], tables: Set<String>,
                      _ connection: any RegistryConnection) throws -> Refusal? {
        let differences: [DriftDifference]
        switch item.action {
        case .repair:
            return nil // planned from the drift itself; verify checks the table is still as it was
        case .create:
            guard tables.contains(item.tableName) else { return nil }
            guard item.renamedFrom == nil else {
                differences = [DriftDifference(.tableExists, table: item.tableName, object: item.tableName)]
                break
            }
            // A model moved from the host's schema into a package: taken over when it is exactly this table.
            switch try Self.existingTable(for: item, primaryKeys: keysAfter, tables: tables, connection) {
            case .absent, .adoptable: return nil
            case .differs(let why): return Self.existingTableRefusal(item, why)
            }
        case .alter, .drop:
            guard let applied else { return nil }
            differences = try Registry.drift(of: applied.structure, primaryKeys: primaryKeys, connection)
                // A renamed table's new name must be free.
                + (applied.structure.tableName != item.tableName && tables.contains(item.tableName)
                    ? [DriftDifference(.tableExists, table: item.tableName, object: item.tableName)] : [])
        }
        guard !differences.isEmpty else { return nil }
        return Refusal(itemId: item.id, entity: item.entity, code: .drift,
                       message: "the table \(item.entity) is not what the registry says was applied: " + differences.map(\.description).joined(separator: "; ")
                        + ". Nothing ran; the change stays approved. Run `schema drift`, then `schema drift --queue` (a repair to review) or `schema drift --accept \(item.entity) --as ADMIN`")
    }

    /// Runs everything approved under the registry lock, in the order the type's documentation gives.
    func execute(_ source: DesiredSource, _ request: ApplyRequest, history: PrismaMigrationHistory?, into outcome: inout ApplyOutcome) throws {
        try registry.database.withRegistryLock(waiting: request.lockPolicy.registryWait) { session in
            do {
                let resuming = try session.transaction(lockTimeout: nil) { connection -> [Started] in
                    try RegistryTables.prepare(connection)
                    return try resumable(source.desired, trustedKeys: request.trustedKeys, connection)
                }
                for started in resuming {
                    if let refusal = started.refusal {
                        try session.transaction(lockTimeout: nil) { try recordRefusals([refusal], principal: request.principal, $0) }
                        outcome.refused.append(refusal)
                        continue
                    }
                    try complete(started.item, nonce: started.nonce, request, history: history, session, into: &outcome)
                }
                // Repairs of drifted tables go first, each with its online steps, so that the
                // changes held back by the drift apply in the same start.
                let begun = Set(resuming.map(\.item.id))
                let (approved, repairs) = try session.transaction(lockTimeout: nil) { connection in
                    let rows = try Registry.approvedActions(connection).filter { !begun.contains($0.id) }
                    return (Set(rows.map(\.id)), Set(rows.filter { $0.action == PlannedChange.Action.repair.rawValue }.map(\.id)))
                }
                if !repairs.isEmpty {
                    let others = approved.subtracting(repairs)
                    for started in try runTransaction(DesiredSource(ready: try source.desired()), request, history: nil, excluding: begun.union(others), session, into: &outcome) {
                        try complete(started.item, nonce: started.nonce, request, history: nil, session, into: &outcome)
                    }
                }
                for started in try runTransaction(source, request, history: history, excluding: begun.union(repairs), session, into: &outcome) {
                    try complete(started.item, nonce: started.nonce, request, history: history, session, into: &outcome)
                }
            } catch let error as SchemaError where error.code == .lockTimeout {
                // Nothing of the step that timed out remains; the items stay approved for the next start.
                try? session.transaction(lockTimeout: nil) { connection in
                    try registry.insertAudit(connection, principal: request.principal, action: .applyPostponed, detail: error.message)
                }
                throw error
            }
        }
    }

    /// SQLite checks foreign keys itself only when they are on; the rebuilds ran with them off.
    /// A table the transaction created has no rows to check (a thousand new tables spent 10 ms
    /// asking); one taken over or renamed has, and is checked.
    func checkForeignKeys(_ items: [QueueItem], _ connection: any RegistryConnection) throws {
        for item in items where item.action != .drop && !Self.createsItsTable(item) {
            let violations = try connection.query("PRAGMA foreign_key_check(\(connection.dialect.quote(item.tableName)))", [])
            if let first = violations.first {
                throw SchemaError(.statementFailed, "\(violations.count) row(s) of \(item.entity) violate a foreign key (first: rowid \(first["rowid"]?.integer ?? 0) → \(first["parent"]?.text ?? "?"))",
                                  itemId: item.id)
            }
        }
    }

    /// Whether `item` makes its table in the start (a create that neither takes a table over nor renames one).
    static func createsItsTable(_ item: QueueItem) -> Bool {
        item.action == .create && item.renamedFrom == nil && item.hasStartStatement { $0.phase == .tables }
    }

    /// Marks refused items `failed`, each with an audit line.
    func recordRefusals(_ refusals: [Refusal], principal: String, _ connection: any RegistryConnection) throws {
        guard !refusals.isEmpty else { return }
        let items = Dictionary(try Registry.items(in: [.approved], connection).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for refusal in refusals {
            guard let item = items[refusal.itemId] else { continue }
            // Drift, a missing host table, a partitioned table, an open rollout and a data check that cannot be asked are fixed
            // outside the item; the approval stays good for when they are.
            if ![.drift, .hostTableMissing, .partitionKeyMissing, .rolloutOpen, .dataCheckFailed, .waitsForRename].contains(refusal.code) { try registry.setState(connection, item, .failed, error: refusal.message) }
            try registry.insertAudit(connection, principal: principal, action: .applyRefused, item: item, detail: "\(refusal.code.rawValue): \(refusal.message)")
        }
    }
}

extension DesiredState {
    /// The desired entities by name.
    var entitiesByName: [String: DesiredEntity] {
        Dictionary(entities.map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
