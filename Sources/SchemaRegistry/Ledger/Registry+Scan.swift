public import SchemaCore

/// What `scan` did.
public struct ScanResult: Sendable {
    public var queued: [QueueItem] = []
    public var requeued: [QueueItem] = []
    public var unchanged: [QueueItem] = []
    public var superseded: [QueueItem] = []
    /// Changes an admin rejected before; the same change is not queued again.
    public var previouslyRejected: [QueueItem] = []
}

extension Registry {
    /// Queues one item per entity whose desired structure differs from the applied one.
    ///
    /// Idempotent: item ids derive from (entity, from, to) and how often that transition was applied
    /// before, so a second scan queues nothing, and a change that was undone can be made again.
    /// A newer change supersedes a pending, approved or failed item for the same entity.
    public func scan(_ desired: DesiredState, principal: String) throws -> ScanResult {
        guard desired.isValid else {
            throw SchemaError(.invalidPackages, "nothing was queued: the package files have errors", diagnostics: desired.errors)
        }
        return try transaction { connection in
            let existingItems = try Self.items(in: nil, connection)
            // A change an apply has begun (its online steps remain) counts as applied: new changes
            // are planned from it, and it is never superseded; the next start finishes it.
            let started = existingItems.filter { $0.state == .approved && $0.progress > 0 }
            var applied = try Self.appliedEntities(connection).filter { entity in
                !started.contains { $0.entity == entity.structure.name || $0.renamedFrom == entity.structure.name }
            }
            for item in started {
                if let structure = item.structure, let checksum = item.toChecksum {
                    applied.append(AppliedEntity(structure: structure, checksum: Checksum(hex: checksum), packages: item.packages))
                }
            }
            let renamed = MigrationPlanner.unplannableChanges(desired: desired.entities, applied: applied, dialect: connection.dialect)
            guard renamed.isEmpty else {
                throw SchemaError(.invalidPackages, "nothing was queued: " + renamed.joined(separator: "; "))
            }
            let planned = MigrationPlanner.plan(desired: desired.entities, applied: applied, dialect: connection.dialect, host: desired.host, identity: desired.identity,
                                                 deploys: desired.workspace.configuration.deploys)
            let existing = Dictionary(existingItems.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            var result = ScanResult()
            var wanted: [String: String] = [:] // entity → item id it should have
            for plannedChange in planned {
                // An applied item with this id is history: the same transition was applied, then
                // undone (a package removed and installed again). The change needs a new item.
                var change = plannedChange
                var recurrence = 0
                while existing[change.id].map({ $0.state == .applied || $0.state == .rolledBack }) == true {
                    recurrence += 1
                    change = plannedChange.recurring(recurrence)
                }
                wanted[change.entity] = change.id
                if let item = existing[change.id] {
                    switch item.state {
                    case .superseded, .failed:
                        var revived = QueueItem(change, dialect: connection.dialect, at: now)
                        revived.createdAt = item.createdAt
                        try connection.execute(#"DELETE FROM \#(connection.names.approvals) WHERE "item_id" = ?"#, [.text(item.id)])
                        try connection.execute(#"DELETE FROM \#(connection.names.queue) WHERE "id" = ?"#, [.text(item.id)])
                        try insert(revived, connection)
                        try insertAudit(connection, principal: principal, action: .requeue, item: revived, detail: "was \(item.state.rawValue)")
                        result.requeued.append(revived)
                    case .rejected:
                        result.previouslyRejected.append(item)
                    default:
                        result.unchanged.append(item)
                    }
                } else {
                    let item = QueueItem(change, dialect: connection.dialect, at: now)
                    try insert(item, connection)
                    try insertAudit(connection, principal: principal, action: .queue, item: item, detail: change.action.rawValue)
                    result.queued.append(item)
                }
            }
            // Live items that no longer match what the files want are superseded (repairs restore
            // the snapshot whatever the files want, so they stay). So is a failed item once the
            // files want something else: listing it as failed beside its replacement misleads.
            for item in existing.values.sorted(by: { $0.id < $1.id })
            where (item.state == .pending || item.state == .failed || (item.state == .approved && item.progress == 0)) && item.action != .repair {
                if wanted[item.entity] != item.id {
                    try setState(connection, item, .superseded)
                    try insertAudit(connection, principal: principal, action: .supersede, item: item,
                                    detail: wanted[item.entity].map { "by \($0)" } ?? "the files match the applied structure again")
                    result.superseded.append(item)
                }
            }
            return result
        }
    }

    func insert(_ item: QueueItem, _ connection: any RegistryConnection) throws {
        let placeholders = Array(repeating: "?", count: item.binds.count).joined(separator: ", ")
        try connection.execute(#"INSERT INTO \#(connection.names.queue) (\#(QueueItem.columns)) VALUES (\#(placeholders))"#, item.binds)
    }
}
