public import SchemaCore

/// How an open rollout ends.
public enum RolloutEnd: String, Sendable, CaseIterable {
    /// `schema complete`: the contract, once no old version of the application runs.
    case complete
    /// `schema rollback`: back to the old version's table, every row kept.
    case rollback

    /// The statements it runs.
    var part: SQLStatement.Part { self == .complete ? .contract : .rollback }
    var audit: AuditAction { self == .complete ? .complete : .rollback }
    var denied: AuditAction { self == .complete ? .completeDenied : .rollbackDenied }
    var started: AuditAction { self == .complete ? .completeStarted : .rollbackStarted }
}

/// What `schema complete` or `schema rollback` did.
public struct RolloutOutcome: Sendable {
    /// The rollouts ended, in the order they ran.
    public var finished: [OpenRollout] = []
    /// The statements that ran.
    public var statements: [SQLStatement] = []
    /// The rollouts a ``QuietRule`` held back, each with why.
    public var waiting: [String] = []

    /// An outcome with nothing done yet.
    public init() {}
}

extension ApplyEngine {
    /// Ends the open rollouts of `entities` (every open one when empty) with `end`, under the
    /// registry lock, each exactly once: its contract or its way back, derived from the recorded old
    /// structure and the item (both verified, ``Registry/verify(_:inputs:trustedKeys:_:)``).
    ///
    /// Everything is checked first and nothing runs when anything is refused: an entity without
    /// an open rollout (`no-rollout`), an item that does not verify, rows that would make a
    /// statement fail (`data-violation`, with counts and keys). Then per rollout: its first
    /// transaction (only while the table is still exactly as the expand left it, so a rerun after
    /// a crash does not run it twice), its online steps (each idempotent), and a last transaction
    /// that checks the table is now what the end promises and closes the rollout with its audit
    /// line. A crash at any point leaves the rollout open; running the command again finishes it.
    ///
    /// - Throws: ``SchemaError`` `not-admin`, `no-rollout`, a verification code, `data-violation`,
    ///   `drift` when the table is not what the end should leave, `lock-timeout` (75).
    ///
    /// - Parameter whenQuiet: complete only the rollouts this rule lets complete now (the others
    ///   are in the outcome's `waiting`); throws `old-version-running` when it lets none.
    public func finishRollouts(_ end: RolloutEnd, entities: [String], _ request: ApplyRequest, whenQuiet: QuietRule? = nil) throws -> RolloutOutcome {
        let registry = registry.waiting(request.lockPolicy.registryWait)
        let context = renderContext()
        var outcome = RolloutOutcome()
        try registry.database.withRegistryLock(waiting: request.lockPolicy.registryWait) { session in
            // The denial is recorded in a transaction that commits, then refused.
            let denied = try session.transaction(lockTimeout: nil) { connection -> Bool in
                try RegistryTables.prepare(connection)
                guard try !Registry.isAdmin(request.principal, connection) else { return false }
                try registry.insertAudit(connection, principal: request.principal, action: end.denied, detail: entities.joined(separator: ", "))
                return true
            }
            if denied {
                throw SchemaError(.notAdmin, "'\(request.principal)' is not an admin; only admins \(end.rawValue) rollouts (see `schema admin list`)")
            }
            var chosen: [VerifiedRollout]
            if let rule = whenQuiet, end == .complete {
                // Looked at under the lock, and recorded whatever follows. Refusals come first (a
                // refused rollout records no quiet mark), and the data checks are asked once: each
                // may count the rows of a large table.
                let (verified, ready, waiting) = try session.transaction(lockTimeout: nil) { connection in
                    let verified = try chooseRollouts(end, entities: entities, context: context, request, connection)
                    let (ready, waiting) = try quietRollouts(entities, rule: rule, connection)
                    return (verified, Set(ready), waiting)
                }
                outcome.waiting = waiting
                guard !ready.isEmpty else {
                    throw SchemaError(.oldVersionRunning, (waiting + ["Nothing ran; run it again later."]).joined(separator: "\n"))
                }
                chosen = verified.filter { ready.contains($0.rollout.entity) }
            } else {
                chosen = try session.transaction(lockTimeout: nil) { connection in
                    try chooseRollouts(end, entities: entities, context: context, request, connection)
                }
            }
            for target in chosen {
                try finish(target, end, request, session, into: &outcome)
            }
        }
        return outcome
    }

    /// The verified rollouts to end, with their data checks asked; throws when any is refused.
    func chooseRollouts(_ end: RolloutEnd, entities: [String], context: RenderContext, _ request: ApplyRequest,
                        _ connection: any RegistryConnection) throws -> [VerifiedRollout] {
        let open = try Registry.openRollouts(connection)
        let unknown = entities.filter { open[$0] == nil }
        guard unknown.isEmpty, !open.isEmpty else {
            let what = unknown.isEmpty ? "no change is being rolled out" : "no rollout of \(unknown.joined(separator: ", ")) is open"
                + (open.isEmpty ? "" : " (open: \(open.keys.sorted().joined(separator: ", ")))")
            throw SchemaError(.noRollout, "nothing to \(end.rawValue): \(what); nothing ran")
        }
        let names = entities.isEmpty ? open.keys.sorted() : entities
        let inputs = try DerivationInputs.read(context: context, others: [], connection)
        let tables = try Self.existingTables(connection)
        // Rollouts whose other end began (its first transaction committed) and was stopped: only it can finish them.
        let begun = try Registry.begunEnds(itemIds: names.compactMap { open[$0]?.itemId }, connection)
        var chosen: [VerifiedRollout] = []
        var refusals: [Refusal] = []
        for name in names {
            guard let rollout = open[name] else { continue }
            if let other = begun[rollout.itemId], other != end {
                refusals.append(Refusal(itemId: rollout.itemId, entity: name, code: .drift,
                                        message: "`schema \(other.rawValue)` began (its first transaction ran) and did not finish; run `schema \(other.rawValue) \(name)` again to finish it"))
                continue
            }
            switch try Registry.verify(rollout, inputs: inputs, trustedKeys: request.trustedKeys, connection) {
            case .refused(let refusal):
                refusals.append(refusal)
            case .verified(let verified):
                if end == .rollback, let refusal = Self.renameRollbackRefusal(verified.item, applied: inputs.applied) {
                    refusals.append(refusal)
                    continue
                }
                let checks = verified.item.checks.filter { $0.part == end.part }
                if let data = Registry.dataRefusal(itemId: verified.item.id, entity: name, try Registry.violations(checks, tables: tables, connection),
                                                   then: "Give those rows a value (the version before the change wrote none), then run `schema \(end.rawValue)` again") {
                    refusals.append(data)
                } else {
                    chosen.append(verified)
                }
            }
        }
        if let first = refusals.first {
            throw SchemaError(first.code, refusals.map { "\($0.entity ?? $0.itemId): \($0.message)" }.joined(separator: "\n") + "\nNothing ran.")
        }
        return Self.referencingFirst(chosen)
    }

    /// Refuses to roll back the rename of an entity that other applied entities now reference
    /// by its new name (their own changes applied whole at the start): the table would take its
    /// old name back under them, and their snapshots would name a table that no longer exists.
    static func renameRollbackRefusal(_ item: QueueItem, applied: [String: AppliedEntity]) -> Refusal? {
        guard let previous = item.renamedFrom else { return nil }
        // A join table moved with its sides' names would be made again referencing their old
        // names, which are views until their own renames are rolled back, and those are refused
        // while the join table references them.
        if item.structure?.isJoinTable == true, !item.statements.contains(where: { $0.part == .rollback }) {
            return Refusal(itemId: item.id, entity: item.entity, code: .baseChanged,
                           message: "the join table moved from \(previous) with its sides' renames and cannot be rolled back alone; "
                            + "run `schema complete \(item.entity)` and change the packages forward instead")
        }
        let referrers = referrers(of: item.entity, applied: applied)
        guard !referrers.isEmpty else { return nil }
        return Refusal(itemId: item.id, entity: item.entity, code: .baseChanged,
                       message: "\(referrers.joined(separator: ", ")) now reference\(referrers.count == 1 ? "s" : "") \(item.entity) by its new name, so the rename back to \(previous) "
                        + "cannot be rolled back alone; run `schema complete \(item.entity)` and change the packages forward instead")
    }

    /// `rollouts` with each table before the tables it references, so that the contract of
    /// tables dropped together drops a referenced table after its referrers (cycles keep name order).
    static func referencingFirst(_ rollouts: [VerifiedRollout]) -> [VerifiedRollout] {
        var remaining = rollouts
        var ordered: [VerifiedRollout] = []
        while !remaining.isEmpty {
            let referenced = Set(remaining.flatMap { $0.rollout.from.relations.filter { $0.kind == .belongsTo }.map(\.target) })
            let index = remaining.firstIndex { !referenced.contains($0.item.entity) } ?? 0
            ordered.append(remaining.remove(at: index))
        }
        return ordered
    }

    /// Runs one rollout's end: first transaction, online steps, last transaction.
    func finish(_ target: VerifiedRollout, _ end: RolloutEnd, _ request: ApplyRequest, _ session: any LockedSession,
                into outcome: inout RolloutOutcome) throws {
        let item = target.item
        let partitions = try session.transaction(lockTimeout: nil) { try Self.partitionLayout($0) }
        if let problem = Self.partitionProblem(item.structure, statements: item.statements(of: end.part), layout: partitions) {
            throw SchemaError(.partitionKeyMissing, "\(item.entity): \(problem). Nothing ran; the rollout stays open", itemId: item.id)
        }
        let statements = partitions.adapting(item.statements(of: end.part)).filter { statement in
            statement.phase != .rowLevelSecurity || request.rowLevelSecurity.runs(hasACL: target.rollout.from.acl != nil || item.structure?.acl != nil)
        }
        let keys = target.primaryKeys
        let first = statements.filter { $0.stage == .transaction }
        if !first.isEmpty {
            // The first transaction records itself in the audit log as it commits, so a run after a
            // crash goes on after it. Without that line it runs only on the table exactly as the
            // expand left it: anything else was changed by hand, and running or skipping it would
            // both be a guess. (A forged line skips it; the end-shape check below then refuses.)
            let (ran, changed) = try session.transaction(lockTimeout: nil) { connection in
                (try Registry.begunEnds(itemIds: [item.id], connection)[item.id] == end, try Registry.drift(of: target.current, primaryKeys: keys, connection))
            }
            if ran {
                request.log?("\(item.entity): \(end.rawValue), first transaction already ran")
            } else {
                guard changed.isEmpty else {
                    throw SchemaError(.drift, "\(item.entity): the table is not as the expand left it: " + changed.map(\.description).joined(separator: "; ")
                        + ". Nothing ran; the rollout stays open. Put the table back as it was (`schema drift` shows it), then run `schema \(end.rawValue)` again")
                }
                request.log?("\(item.entity): \(end.rawValue), first transaction (\(first.count) statement(s))")
                try withLockRetries(request) {
                    try session.transaction(lockTimeout: request.lockPolicy.statementTimeout) { connection in
                        try Self.holdOffAutovacuum(for: first, request, connection)
                        for statement in first {
                            try connection.execute(statement.sql)
                            FaultInjection.pause(.afterEachStatement)
                        }
                        try registry.insertAudit(connection, principal: request.principal, action: end.started, item: item, detail: "\(first.count) statement(s)")
                    }
                }
                outcome.statements += first
                FaultInjection.pause(.afterCommit)
            }
        }
        let steps = statements.filter { $0.stage == .online }
        for (offset, step) in steps.enumerated() {
            request.log?("\(item.entity): \(end.rawValue), step \(offset + 1) of \(steps.count): \(step.sql.prefix(120))")
            try runOnlineStep(step, request, session)
            outcome.statements.append(step)
            FaultInjection.pause(.afterEachStep)
        }
        let last = statements.filter { $0.stage == .finish }
        try withLockRetries(request) {
            try session.transaction(lockTimeout: request.lockPolicy.statementTimeout) { connection in
                try Self.holdOffAutovacuum(for: last, request, connection)
                for statement in last { try connection.execute(statement.sql) }
                try requireEndShape(target, end, primaryKeys: keys, connection)
                if end == .rollback {
                    // A renamed entity goes back to its old name: the new one's snapshot goes.
                    if item.renamedFrom != nil {
                        try Registry.adjustAppliedDigest([try Registry.removeSnapshot(entity: item.entity, connection)], connection)
                    }
                    try Registry.restoreSnapshot(target.rollout.from, packages: item.packages, itemId: item.id, at: registry.now, connection)
                    try registry.setState(connection, item, .rolledBack)
                }
                try Registry.closeRollout(entity: item.entity, connection)
                try registry.insertAudit(connection, principal: request.principal, action: end.audit, item: item,
                                         detail: "\(statements.count) statement(s)")
            }
        }
        outcome.statements += last
        outcome.finished.append(target.rollout)
    }

    /// Refuses to close a rollout whose table is not what its end promises: the new structure
    /// after `complete` (no table after the contract of a drop), the old one after `rollback`;
    /// and, for a renamed table, nothing left under the name the end gives up (the old name's
    /// view after `complete`, the new name after `rollback`).
    func requireEndShape(_ target: VerifiedRollout, _ end: RolloutEnd, primaryKeys: [String: String], _ connection: any RegistryConnection) throws {
        let shape: CanonicalEntity? = end == .complete ? target.item.structure : target.rollout.from
        let entity = target.item.entity
        // A renamed table (`renamedFrom:`, a changed `map:`) leaves one of its two names behind.
        if let after = target.item.structure?.tableName, case let before = target.rollout.from.tableName, before != after {
            let givenUp = end == .complete ? before : after
            if try Self.relationExists(givenUp, connection) {
                throw SchemaError(.drift, "\(entity): after the \(end.rawValue) \(givenUp) still exists; nothing of the last step was kept and the rollout stays open. Run `schema drift`")
            }
        }
        guard let shape else {
            if try Self.existingTables(connection).contains(entity) {
                throw SchemaError(.drift, "\(entity): the table is still there after its contract dropped it; the rollout stays open")
            }
            return
        }
        let differences = try Registry.drift(of: shape, primaryKeys: primaryKeys, connection)
        guard differences.isEmpty else {
            throw SchemaError(.drift, "\(entity): after the \(end.rawValue) the table is not what it should be: "
                + differences.map(\.description).joined(separator: "; ") + ". Nothing of the last step was kept; the rollout stays open. Run `schema drift`")
        }
    }

    /// Whether a table, view or other relation named `name` exists (PostgreSQL: in the
    /// connection's schema).
    static func relationExists(_ name: String, _ connection: any RegistryConnection) throws -> Bool {
        let sql = connection.dialect == .postgresql
            ? #"SELECT COUNT(*) AS "count" FROM pg_class WHERE relname = ? AND relnamespace = current_schema()::regnamespace"#
            : #"SELECT COUNT(*) AS "count" FROM sqlite_master WHERE name = ?"#
        return try connection.query(sql, [.text(name)]).first?["count"]?.integer ?? 0 > 0
    }
}
