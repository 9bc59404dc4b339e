import Foundation
import SchemaCore

extension ApplyEngine {
    /// Approved items an earlier start began (their first transaction committed, recorded by an
    /// `apply-started` line in the append-only audit log), verified again. The package files may
    /// have moved on since: a started change is finished as approved, and the next scan plans from it.
    func resumable(_ desired: DesiredState, trustedKeys: [TrustedKey]?, _ connection: any RegistryConnection) throws -> [Started] {
        // Filtered in SQL: a start with many approved items decodes them once, in `prepare`.
        let rows = try connection.query(#"SELECT \#(QueueItem.columns) FROM \#(connection.names.queue) WHERE "state" = 'approved' AND "progress" > 0 ORDER BY "created_at", "id""#, [])
        let items = try rows.map(QueueItem.init(row:))
        guard !items.isEmpty else { return [] }
        let started = try items.filter { item in
            let rows = try connection.query(
                #"SELECT COUNT(*) AS "count" FROM \#(connection.names.audit) WHERE "action" = 'apply-started' AND "item_id" = ?"#, [.text(item.id)])
            return (rows.first?["count"]?.integer ?? 0) > 0
        }
        let keys = PrimaryKeys.of(host: desired.host, entities: try Registry.appliedEntities(connection).map(\.structure))
        return try verify(started, current: desired.entitiesByName, trustedKeys: trustedKeys, resuming: true, primaryKeys: keys, connection).map { verified, refusal in
            Started(item: verified.item, nonce: verified.nonce, refusal: refusal)
        }
    }

    /// Runs a started item's remaining online steps, each recorded when done, then its last
    /// transaction, which marks it applied.
    ///
    /// A step that fails for another reason than a lock wait leaves the item approved with the
    /// error recorded (`apply-blocked` in the audit log): what it did so far is consistent, and the
    /// next start resumes at that step once the cause (rows the database refused) is fixed.
    func complete(_ item: QueueItem, nonce: String?, _ request: ApplyRequest, history: PrismaMigrationHistory?,
                  _ session: any LockedSession, into outcome: inout ApplyOutcome) throws {
        let steps = item.onlineSteps
        var progress = max(item.progress, 1)
        do {
            while progress - 1 < steps.count {
                let step = steps[progress - 1]
                request.log?("\(item.entity): step \(progress) of \(steps.count): \(step.sql.prefix(120))")
                try runOnlineStep(step, request, session)
                outcome.statements.append(step)
                FaultInjection.pause(.afterEachStep)
                progress += 1
                try session.transaction(lockTimeout: nil) { try Self.setProgress(item, progress, $0) }
            }
            let applied = try withLockRetries(request) {
                try session.transaction(lockTimeout: policy.statementTimeout) { connection in
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
                try connection.execute(#"UPDATE \#(connection.names.queue) SET "error" = ? WHERE "id" = ?"#, [.text(failure.message), .text(item.id)])
                try registry.insertAudit(connection, principal: request.principal, action: "apply-blocked", item: item,
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
            if let index = step.index, try session.transaction(lockTimeout: nil, { try Self.isInvalidIndex(index, $0) }) {
                request.log?("dropping the INVALID index \(index) left by an interrupted build")
                try withLockRetries(request) {
                    try session.executeAlone("DROP INDEX CONCURRENTLY IF EXISTS \(SQLDialect.postgresql.quote(index))", lockTimeout: policy.onlineTimeout)
                }
            }
            // A step that takes a lock blocking writes (adding a NOT VALID check) waits as briefly
            // as the first transaction's statements; the others block nobody while they wait.
            let timeout = step.lock?.blocksWrites == true ? policy.statementTimeout : policy.onlineTimeout
            try withLockRetries(request) { try session.executeAlone(step.sql, lockTimeout: timeout) }
        case .batches:
            // Each batch commits on its own and holds row locks only; the loop ends when a batch
            // finds no row left. (The second pass, after the NOT VALID check, ends for good: the
            // check refuses new NULLs.)
            while try withLockRetries(request, {
                try session.transaction(lockTimeout: policy.statementTimeout) { try $0.query(step.sql, []).first?["count"]?.integer ?? 0 }
            }) > 0 {
                FaultInjection.pause(.afterEachStep)
            }
        }
    }

    static func isInvalidIndex(_ name: String, _ connection: any RegistryConnection) throws -> Bool {
        let rows = try connection.query(
            #"SELECT COUNT(*) AS "count" FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid WHERE c.relname = ? AND c.relnamespace = current_schema()::regnamespace AND NOT i.indisvalid"#,
            [.text(name)])
        return (rows.first?["count"]?.integer ?? 0) > 0
    }

    /// The tables of the schema the changes run in.
    static func existingTables(_ connection: any RegistryConnection) throws -> Set<String> {
        let sql = connection.dialect == .postgresql
            ? #"SELECT tablename AS "name" FROM pg_tables WHERE schemaname = current_schema()"#
            : #"SELECT name AS "name" FROM sqlite_master WHERE type = 'table'"#
        return Set(try connection.query(sql, []).compactMap { $0["name"]?.text })
    }

    /// The refusal of an item whose change existing rows would make fail: how many, and a few keys.
    /// Checks that read a table another change of this apply creates are left to the database.
    func dataViolation(of item: QueueItem, tables: Set<String>, _ connection: any RegistryConnection) throws -> Refusal? {
        for check in item.checks where check.kind == .violations && tables.contains(check.table) && check.reads.allSatisfy(tables.contains) {
            let count = try connection.query(check.countSQL, []).first?["count"]?.integer ?? 0
            guard count > 0 else { continue }
            let keys = try check.examplesSQL.map { try connection.query($0, []).compactMap { $0["key"]?.text } } ?? []
            let examples = keys.isEmpty ? "" : " (for example \(keys.map { TerminalText.escape($0, limit: 60) }.joined(separator: "; ")))"
            return Refusal(itemId: item.id, entity: item.entity, code: .dataViolation,
                           message: "\(check.counted(Int(count)))\(examples); nothing was changed. Fix those rows, then scan and approve again")
        }
        return nil
    }
}
