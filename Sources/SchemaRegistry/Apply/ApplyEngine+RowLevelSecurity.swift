import Foundation
import SchemaCore

/// Row-level security for tables already applied: installed by the start where the live table
/// lacks what its snapshot's ACL makes (applied before policies were installed by default, or
/// with `--no-rls`, or changed by hand).
extension ApplyEngine {
    /// The applied tables whose row-level security differs from what the mode wants, each with the
    /// statements that install it.
    struct RowLevelSecurityRepairs {
        /// The registry's record that this check found nothing to do for these snapshots and mode.
        var mark: String
        var tables: [(entity: String, statements: [SQLStatement])]
    }

    /// What the start installs; nil when the registry's mark says the applied snapshots were
    /// checked in this mode since they last changed (the restart path then reads no snapshot).
    /// Entities a start has begun, and `excluded` ones (a plan's items, whose own statements run
    /// first), are left to their change; `ignoringMark` checks whatever the mark says (a plan
    /// with items: the snapshots change before the start checks).
    /// `context` (the host schema and identity setting, read from disk) is asked for only when
    /// there is something to check.
    func rowLevelSecurityRepairs(_ mode: RowLevelSecurityMode, trustedKeys: [TrustedKey]?, context: () -> RenderContext, excluding excluded: Set<String> = [],
                                 ignoringMark: Bool = false, _ connection: any RegistryConnection) throws -> RowLevelSecurityRepairs? {
        guard connection.dialect == .postgresql, mode != .off else { return nil }
        let digest = try Registry.currentAppliedDigest(connection)
        let mark = "\(mode.rawValue) \(digest.hex)"
        if !ignoringMark, try Registry.rowLevelSecurityMark(connection) == mark { return nil }
        let applied = try Registry.appliedEntities(trustedKeys: trustedKeys, connection).map(\.structure)
        let begun = Set(try Registry.itemsMarkedStarted(connection).map(\.entity)).union(excluded)
        let targets = applied.filter { (mode == .all || $0.acl != nil) && !begun.contains($0.name) }
        let states = try LivePolicies.read(tables: targets.map(\.tableName), connection)
        // A missing table is drift, reported and repaired as such.
        let differing = targets.filter { states[$0.tableName]?.differences(from: $0).isEmpty == false }
        var repairs = RowLevelSecurityRepairs(mark: mark, tables: [])
        guard !differing.isEmpty else { return repairs }
        let context = context()
        let keys = PrimaryKeys.of(host: context.host, entities: applied)
        for entity in differing {
            let lock = LockImpact("ACCESS EXCLUSIVE", on: entity.tableName, work: .catalog)
            repairs.tables.append((entity.name, RowLevelSecurity.statements(for: entity, primaryKeys: keys, identity: context.identity)
                .map { SQLStatement(.rowLevelSecurity, $0, lock: lock) }))
        }
        return repairs
    }

    /// Installs what ``rowLevelSecurityRepairs(_:trustedKeys:context:_:)`` finds, in one
    /// transaction under the registry lock, each table audited; returns the tables.
    func installRowLevelSecurity(_ request: ApplyRequest, into outcome: inout ApplyOutcome) throws {
        // SQLite has none, and the restart path must not open a transaction or read a file for it.
        guard registry.database.dialect == .postgresql, request.rowLevelSecurity != .off else { return }
        let context = renderContext
        guard let due = try registry.transaction({ try rowLevelSecurityRepairs(request.rowLevelSecurity, trustedKeys: request.trustedKeys, context: context, $0) })
        else { return }
        let done = try withLockRetries(request) {
            try registry.transaction { connection -> [(entity: String, statements: [SQLStatement])] in
                // Again under this transaction's lock: another start may have installed them.
                guard let due = due.tables.isEmpty ? due : try rowLevelSecurityRepairs(request.rowLevelSecurity, trustedKeys: request.trustedKeys, context: context, connection)
                else { return [] }
                if !due.tables.isEmpty {
                    try connection.execute("SET LOCAL lock_timeout = '\(LockPolicy.milliseconds(request.lockPolicy.statementTimeout))ms'")
                    try Self.holdOffAutovacuum(for: due.tables.flatMap(\.statements), request, connection)
                }
                for table in due.tables {
                    for statement in table.statements { try connection.execute(statement.sql) }
                    try registry.insertAudit(connection, principal: request.principal, action: .rowLevelSecurityInstalled, entity: table.entity,
                                             detail: "\(table.statements.count) statement(s): the live table lacked what its ACL makes")
                }
                try Registry.setRowLevelSecurityMark(due.mark, connection)
                return due.tables
            }
        }
        outcome.rowLevelSecurityInstalled = done.map(\.entity)
        outcome.statements += done.flatMap(\.statements)
    }
}
