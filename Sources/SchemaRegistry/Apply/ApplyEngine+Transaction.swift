import Foundation
import SchemaCore

extension ApplyEngine {
    /// An item whose first transaction committed: its online steps and last transaction remain.
    struct Started {
        var item: QueueItem
        var nonce: String?
        /// Why it may not go on (verification failed since it started).
        var refusal: Refusal?
    }

    /// The first transaction of the items that have not started: verification, the data checks,
    /// every item's transactional statements, and the records. Items without online steps are
    /// applied by it; the others are returned, marked started.
    ///
    /// When the package files are still being read (`source`), it runs its statements meanwhile
    /// and confirms before it records anything applied that the files agree (``confirm(_:with:)``);
    /// any failure then rolls it back as ``SpeculationMissed``, and the start runs it again with
    /// the files read, which records the failure as it should.
    func runTransaction(_ source: DesiredSource, _ request: ApplyRequest, history: PrismaMigrationHistory?, excluding started: Set<String>,
                        _ session: any LockedSession, into outcome: inout ApplyOutcome) throws -> [Started] {
        var failingItem: String?
        var speculative = false
        do {
            let (done, staged) = try withLockRetries(request) {
                try session.transaction(lockTimeout: request.lockPolicy.statementTimeout) { connection -> (ApplyOutcome, [Started]) in
                    var done = ApplyOutcome()
                    let (desired, context) = try source.forPreparing()
                    speculative = desired == nil
                    // Before the files are read, the new tables are made while later items are verified.
                    let early = speculative ? EarlyStatements(connection, derivedAll: { source.startReading() }) { itemId, statement in
                        failingItem = itemId
                        try connection.execute(statement.sql)
                        FaultInjection.pause(.afterEachStatement)
                    } : nil
                    let prepared = try prepare(desired, context: context, trustedKeys: request.trustedKeys, excluding: started, early: early, connection)
                    let accepted = prepared.accepted
                    done.refused = prepared.refused
                    try recordRefusals(prepared.refused, principal: request.principal, connection)
                    var transactional = Self.tagged(accepted).filter { $0.statement.stage == .transaction }
                    if let ran = try early?.settle(transactional) {
                        done.statements += ran
                        transactional.removeFirst(ran.count)
                    }
                    func skipped(_ itemId: String, _ statement: SQLStatement) -> Bool {
                        statement.phase == .rowLevelSecurity && !request.rowLevelSecurity.runs(hasACL: prepared.secured.contains(itemId))
                    }
                    source.startReading()
                    // Only the tables of statements that run are locked: a skipped one waits for nothing.
                    try Self.holdOffAutovacuum(for: transactional.filter { !skipped($0.itemId, $0.statement) }.map(\.statement), request, connection)
                    for (itemId, statement) in transactional {
                        if skipped(itemId, statement) {
                            done.skippedRowLevelSecurity.append(statement)
                            continue
                        }
                        failingItem = itemId
                        try connection.execute(statement.sql)
                        done.statements.append(statement)
                        FaultInjection.pause(.afterEachStatement)
                    }
                    failingItem = nil
                    if connection.dialect == .sqlite {
                        try checkForeignKeys(accepted, connection)
                    }
                    if let assumed = prepared.assumed { try confirm(assumed, with: source) }
                    var staged: [Started] = []
                    for item in accepted where item.hasOnlineSteps {
                        try Registry.setProgress(itemId: item.id, 1, connection)
                        try registry.insertAudit(connection, principal: request.principal, action: .applyStarted, item: item,
                                                 detail: "\(item.onlineSteps.count) online step(s) follow", nonce: prepared.nonces[item.id])
                        staged.append(Started(item: item, nonce: prepared.nonces[item.id]))
                    }
                    done.applied = try markApplied(accepted.filter { !$0.hasOnlineSteps }, nonces: prepared.nonces, request, connection)
                    if !accepted.isEmpty {
                        try history?.record(accepted.flatMap(\.startStatements).ordered(), finished: staged.isEmpty, connection: connection)
                    }
                    return (done, staged)
                }
            }
            history?.markCommitted()
            outcome.refused += done.refused
            outcome.statements += done.statements
            outcome.skippedRowLevelSecurity += done.skippedRowLevelSecurity
            outcome.applied += done.applied
            return staged
        } catch let error as SchemaError where error.code != .lockTimeout {
            if speculative && error.code != .invalidPackages { throw SpeculationMissed() }
            let failure = error.code == .database
                ? SchemaError(.statementFailed, error.message, itemId: failingItem, statement: error.statement, cause: error.cause)
                : error
            try recordFailure(failure, desired: try source.desired(), request: request, excluding: started, session)
            throw failure
        }
    }

    /// Each statement a start runs with its item, in execution order across items: stage, phase, then as given.
    static func tagged(_ items: [QueueItem]) -> [(itemId: String, statement: SQLStatement)] {
        SQLStatement.inExecutionOrder(items.flatMap { item in item.startStatements.map { (itemId: item.id, statement: $0) } }) { $0.statement }
    }

    /// The item's structure becomes the applied snapshot; the item is applied, with its nonce in the audit log.
    func markApplied(_ item: QueueItem, nonce: String?, _ request: ApplyRequest, _ connection: any RegistryConnection) throws -> QueueItem {
        try markApplied([item], nonces: nonce.map { [item.id: $0] } ?? [:], request, connection)[0]
    }

    /// ``markApplied(_:nonce:_:_:)`` for the items of one transaction, recorded together
    /// (``Registry/recordApplied(_:nonces:principal:_:)``) and the stored digest adjusted once.
    func markApplied(_ items: [QueueItem], nonces: [String: String], _ request: ApplyRequest, _ connection: any RegistryConnection) throws -> [QueueItem] {
        // A rolled-out change keeps the structure it replaces: the contract and the way back are
        // derived from it (and checked against the item's approved from-checksum first).
        for item in items where item.isRolledOut {
            if let before = try Registry.storedSnapshot(entity: item.appliedName, connection) {
                try Registry.openRollout(item, from: before.structure, expandedBy: request.applicationName, at: registry.now, connection)
            }
        }
        try Registry.adjustAppliedDigest(try registry.recordApplied(items, nonces: nonces, principal: request.principal, connection), connection)
        return items.map { item in
            var applied = item
            applied.state = .applied
            applied.error = nil
            return applied
        }
    }

    /// After a rollback: records refusals and the failing item in a transaction of their own.
    func recordFailure(_ failure: SchemaError, desired: DesiredState, request: ApplyRequest, excluding started: Set<String>,
                       _ session: any LockedSession) throws {
        try session.transaction(lockTimeout: nil) { connection in
            let prepared = try prepare(desired, trustedKeys: request.trustedKeys, excluding: started, connection)
            try recordRefusals(prepared.refused, principal: request.principal, connection)
            if let item = prepared.accepted.first(where: { $0.id == failure.itemId }) {
                try registry.setState(connection, item, .failed, error: failure.message)
                try registry.insertAudit(connection, principal: request.principal, action: .applyFailed, item: item,
                                         detail: failure.message + (failure.statement.map { " | statement: \($0.prefix(500))" } ?? ""))
            } else {
                try registry.insertAudit(connection, principal: request.principal, action: .applyFailed, detail: failure.message)
            }
        }
    }

    /// Runs `body`, and again after a pause each time a lock wait timed out, up to the policy's
    /// retries. Each try is a whole transaction or statement, so a timed-out try left nothing behind.
    func withLockRetries<T>(_ request: ApplyRequest, _ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let error as SchemaError where error.code == .lockTimeout && error.cause != LockPolicy.registryLockLost {
                guard attempt < request.lockPolicy.retries else {
                    throw SchemaError(.lockTimeout,
                                      "a table lock could not be had in \(attempt + 1) tries of at most \(LockPolicy.milliseconds(request.lockPolicy.statementTimeout)) ms each (\(error.message)); "
                                        + "what that step did was rolled back, the approved items stay approved, and the next start tries again",
                                      statement: error.statement)
                }
                attempt += 1
                let pause = request.lockPolicy.pause(before: attempt)
                request.log?("a lock wait timed out (\(error.message)); trying again in \(LockPolicy.milliseconds(pause)) ms (\(attempt) of \(request.lockPolicy.retries))")
                Thread.sleep(forTimeInterval: pause.seconds)
            }
        }
    }
}
