import Foundation
import SchemaCore

extension ApplyEngine {
    /// Approved items an earlier start began (their first transaction committed, recorded by an
    /// `apply-started` line in the append-only audit log), verified again. The package files may
    /// have moved on since: a started change is finished as approved, and the next scan plans from it.
    func resumable(_ desiredState: () throws -> DesiredState, trustedKeys: [TrustedKey]?, _ connection: any RegistryConnection) throws -> [Started] {
        // Filtered in SQL: a start with many approved items decodes them once, in `prepare`.
        let items = try Registry.itemsMarkedStarted(connection)
        guard !items.isEmpty else { return [] }
        // Only a start with begun items needs the package files here (they may still be being read).
        let desired = try desiredState()
        let started = try items.filter { try Registry.hasAuditLine(.applyStarted, itemId: $0.id, connection) }
        let inputs = try DerivationInputs.read(context: desired.renderContext, others: desired.entities.map(\.structure), connection)
        let keys = PrimaryKeys.of(host: desired.host, entities: inputs.applied.values.map(\.structure))
        let tables = try Self.existingTables(connection)
        let partitions = try Self.partitionLayout(connection)
        return try verify(Self.keysAddedOnlineLast(started), current: desired.entitiesByName, trustedKeys: trustedKeys, resuming: true, inputs: inputs, connection).map { verified, refusal in
            var refusal = refusal
            if refusal == nil, try leftNoTrace(verified.item, applied: inputs.applied[verified.item.appliedName], primaryKeys: keys, tables: tables, connection) {
                refusal = Refusal(itemId: verified.item.id, entity: verified.item.entity, code: .baseChanged,
                                  message: "the registry says a start began this change, but its table shows none of the change's first transaction "
                                    + "(a forged or lost record); nothing ran. Run `schema drift`, then scan and approve again")
            }
            // Partitions an operator made since the first transaction get their steps too.
            return Started(item: Self.adapted(verified.item, to: partitions), nonce: verified.nonce, refusal: refusal)
        }
    }

    /// Whether an item recorded as started left no trace of its first transaction in its table:
    /// the table a create makes is missing, or the table an alter changes is still exactly its
    /// applied snapshot. The started mark is a registry row anyone with access to the registry can
    /// write; finishing from it would skip that transaction and record a snapshot the table does
    /// not have. Items whose first transaction changes nothing visible (only online steps, or only
    /// row-level security, which a start may skip) are not judged by it.
    func leftNoTrace(_ item: QueueItem, applied: AppliedEntity?, primaryKeys: [String: String], tables: Set<String>,
                     _ connection: any RegistryConnection) throws -> Bool {
        guard item.startStatements.contains(where: { $0.stage == .transaction && $0.phase != .rowLevelSecurity }) else { return false }
        switch item.action {
        case .create:
            return !tables.contains(item.tableName)
        case .alter where item.renamedFrom != nil && tables.contains(item.tableName):
            // A join table moved online: the first transaction made the new table beside the old.
            return false
        case .alter, .repair, .drop:
            guard let applied else { return false }
            return try Registry.drift(of: applied.structure, primaryKeys: primaryKeys, connection).isEmpty
        }
    }

    /// Runs a started item's online steps, then its last transaction, which marks it applied.
    ///
    /// Where a step stands is read from the live catalog, never from a stored counter (a row
    /// anyone with registry access can set): every step runs again on a resumed item, and each is
    /// idempotent. An index build finds its valid index there and is skipped (an INVALID one is
    /// dropped and built again), a validation of a constraint already validated does nothing, a
    /// backfill's first batch finds no row left. The stored progress is written for people only.
    ///
    /// A step that fails for another reason than a lock wait leaves the item approved with the
    /// error recorded (`apply-blocked` in the audit log): what it did so far is consistent, and the
    /// next start resumes at that step once the cause (rows the database refused) is fixed.
    func complete(_ item: QueueItem, nonce: String?, _ request: ApplyRequest, history: PrismaMigrationHistory?,
                  _ session: any LockedSession, into outcome: inout ApplyOutcome) throws {
        let steps = item.onlineSteps
        var progress = 1
        do {
            while progress - 1 < steps.count {
                let step = steps[progress - 1]
                request.log?("\(item.entity): step \(progress) of \(steps.count): \(step.sql.prefix(120))")
                try runOnlineStep(step, request, session)
                outcome.statements.append(step)
                FaultInjection.pause(.afterEachStep)
                progress += 1
                try session.transaction(lockTimeout: nil) { try Registry.setProgress(itemId: item.id, progress, $0) }
            }
            let applied = try withLockRetries(request) {
                try session.transaction(lockTimeout: request.lockPolicy.statementTimeout) { connection in
                    try Self.holdOffAutovacuum(for: item.finishingStatements, request, connection)
                    for statement in item.finishingStatements {
                        try connection.execute(statement.sql)
                    }
                    let applied = try markApplied(item, nonce: nonce, request, connection)
                    try PrismaMigrationHistory.finishIfComplete(connection)
                    return applied
                }
            }
            outcome.statements += item.finishingStatements
            outcome.applied.append(applied)
        } catch let error as SchemaError where error.code != .lockTimeout {
            let failure = SchemaError(.statementFailed,
                                      "\(item.entity): step \(progress) of \(steps.count + 1) failed: \(error.message). The change stays approved with its earlier steps in place; "
                                        + "the next start resumes at this step once the cause is fixed",
                                      itemId: item.id, statement: error.statement, cause: error.cause)
            try? session.transaction(lockTimeout: nil) { connection in
                try Registry.setError(itemId: item.id, failure.message, connection)
                try registry.insertAudit(connection, principal: request.principal, action: .applyBlocked, item: item,
                                         detail: failure.message + (failure.statement.map { " | statement: \($0.prefix(500))" } ?? ""))
            }
            throw failure
        }
    }

    /// One online step, outside any transaction block. An index build killed half-way leaves an
    /// INVALID index that `IF NOT EXISTS` would take for done: it is dropped and built again.
    func runOnlineStep(_ step: SQLStatement, _ request: ApplyRequest, _ session: any LockedSession) throws {
        switch step.execution {
        case .statement:
            if let index = step.index, try session.transaction(lockTimeout: nil, { try Self.isValidIndex(index, in: step.indexSchema, $0) }) {
                request.log?("the index \(index) is built and valid: step done")
                return
            }
            if let index = step.index, try session.transaction(lockTimeout: nil, { try Self.isInvalidIndex(index, in: step.indexSchema, $0) }) {
                request.log?("dropping the INVALID index \(index) left by an interrupted build")
                let qualified = (step.indexSchema.map { SQLDialect.postgresql.quote($0) + "." } ?? "") + SQLDialect.postgresql.quote(index)
                try withLockRetries(request) {
                    try session.executeAlone("DROP INDEX CONCURRENTLY IF EXISTS \(qualified)", lockTimeout: request.lockPolicy.onlineTimeout)
                }
            }
            // A step that takes a lock blocking writes (adding a NOT VALID check) waits as briefly
            // as the first transaction's statements, in a transaction that holds autovacuum off
            // first; the others (concurrent index builds, which no transaction may hold) block
            // nobody while they wait.
            if step.lock?.blocksWrites == true {
                try withLockRetries(request) {
                    try session.transaction(lockTimeout: request.lockPolicy.statementTimeout) { connection in
                        try Self.holdOffAutovacuum(for: [step], request, connection)
                        try connection.execute(step.sql)
                    }
                }
            } else {
                try withLockRetries(request) { try session.executeAlone(step.sql, lockTimeout: request.lockPolicy.onlineTimeout) }
            }
        case .batches:
            // Each batch commits on its own and holds row locks only; the loop ends when a batch
            // finds no row left. (The second pass, after the NOT VALID check, ends for good: the
            // check refuses new NULLs.)
            var filled: Int64 = 0, batches = 0
            while case let found = try withLockRetries(request, {
                try session.transaction(lockTimeout: request.lockPolicy.statementTimeout) { try $0.query(step.sql, []).first?["count"]?.integer ?? 0 }
            }), found > 0 {
                filled += found
                batches += 1
                FaultInjection.pause(.afterEachStep)
            }
            request.log?("backfill of \(step.lock?.table ?? "the table"): \(filled) NULL row(s) left, filled in \(batches) batch(es)")
        case .pageBatches:
            // The walk ends at the table's size when it began: rows written later carry the
            // default, and those an update moved behind the walk are found by the second pass.
            // After a crash it starts again at page 0; pages already filled are only read.
            var first: Int64 = 0, size = request.batchSizing.first, end: Int64 = 1
            var filled: Int64 = 0, batches = 0
            repeat {
                let started = ContinuousClock.now
                let batch = try withLockRetries(request) {
                    try session.transaction(lockTimeout: request.lockPolicy.statementTimeout) { try $0.query(step.sql, [.integer(first), .integer(size)]).first }
                }
                if batches == 0 { end = batch?["pages"]?.integer ?? 0 }
                filled += batch?["filled"]?.integer ?? 0
                batches += 1
                first += size
                size = request.batchSizing.next(after: size, took: ContinuousClock.now - started)
                FaultInjection.pause(.afterEachStep)
            } while first < end
            request.log?("backfill of \(step.lock?.table ?? "the table"): \(filled) row(s) filled over \(end) page(s) in \(batches) batch(es)")
        }
    }

    static func isInvalidIndex(_ name: String, in schema: String?, _ connection: any RegistryConnection) throws -> Bool {
        try indexCount(name, in: schema, valid: false, connection) > 0
    }

    static func isValidIndex(_ name: String, in schema: String?, _ connection: any RegistryConnection) throws -> Bool {
        try indexCount(name, in: schema, valid: true, connection) > 0
    }

    /// How many indexes called `name` in `schema` (the current one when nil) are (in)valid and ready.
    static func indexCount(_ name: String, in schema: String?, valid: Bool, _ connection: any RegistryConnection) throws -> Int64 {
        let namespace = schema == nil ? CatalogSQL.currentNamespace : "(SELECT n.oid FROM pg_namespace AS n WHERE n.nspname = ?)"
        let rows = try connection.query(
            #"SELECT COUNT(*) AS "count" FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid WHERE c.relname = ? AND c.relnamespace = \#(namespace) AND \#(valid ? "i.indisvalid AND i.indisready" : "NOT i.indisvalid")"#,
            [.text(name)] + (schema.map { [.text($0)] } ?? []))
        return rows.first?["count"]?.integer ?? 0
    }

    /// The tables of the schema the changes run in.
    /// The types (``NativeType/extensionTypes``) and functions (``DatabaseDefault/requiredExtension``)
    /// of extensions a package may use that the connection sees, by name, and every operator class
    /// it sees as `opclass:<access method>:<name>` (an index's `ops:` may name one an extension
    /// brings, such as pg_trgm's `gin_trgm_ops`). PostgreSQL; empty on SQLite, which has none.
    static func extensionObjects(_ connection: any RegistryConnection) throws -> Set<String> {
        guard connection.dialect == .postgresql else { return [] }
        func list(_ names: [String]) -> String { names.map { "'" + $0 + "'" }.joined(separator: ", ") }
        let functions = DatabaseDefault.allCases.compactMap { $0.requiredExtension?.function }
        return Set(try connection.query(#"""
            SELECT typname AS "name" FROM pg_type WHERE typname IN (\#(list(NativeType.extensionTypes))) AND pg_type_is_visible(oid)
            UNION SELECT proname FROM pg_proc WHERE proname IN (\#(list(functions))) AND pg_function_is_visible(oid)
            UNION SELECT 'opclass:' || a.amname || ':' || c.opcname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod WHERE pg_opclass_is_visible(c.oid)
            """#, []).compactMap { $0["name"]?.text })
    }

    static func existingTables(_ connection: any RegistryConnection) throws -> Set<String> {
        let sql = connection.dialect == .postgresql
            // Tables of other schemas by their qualified names (`auth.users`), as a relation to a
            // host model with `@@schema` names its target.
            ? #"SELECT CASE WHEN schemaname = current_schema() THEN tablename ELSE schemaname || '.' || tablename END AS "name" FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"#
            : #"SELECT name AS "name" FROM sqlite_master WHERE type = 'table'"#
        return Set(try connection.query(sql, []).compactMap { $0["name"]?.text })
    }
}
