public import SchemaCore

/// A change whose expand ran at a start and whose contract (`schema complete`) or way back
/// (`schema rollback`) has not: the table has the expanded shape (``Rollout/expanded(from:to:)``).
public struct OpenRollout: Hashable, Sendable, Codable {
    /// The entity being rolled out.
    public var entity: String
    /// The queue item whose expand ran.
    public var itemId: String
    /// The applied structure before the change: what the old version's table was, and what
    /// `rollback` restores. A registry row like any other: checked against the item's approved
    /// from-checksum before it is used.
    public var from: CanonicalEntity
    /// The `application_name` of the version whose start applied the expand, when it gave one:
    /// sessions with another are the old version's (``Registry/otherVersionSessions(than:_:)``).
    public var expandedBy: String?
    /// When the expand was applied.
    public var expandedAt: String?
}

/// The open rollouts, kept in `_schema_meta` under `rollout:<entity>`: written in the transaction
/// that records the expand as applied, removed in the one that records the contract or the
/// rollback. That each happens once rests on those two transactions.
extension Registry {
    static let rolloutKeyPrefix = "rollout:"

    /// Records that `item`'s expand ran, `from` being the snapshot it replaced.
    static func openRollout(_ item: QueueItem, from: CanonicalEntity, expandedBy: String? = nil, at time: String? = nil,
                            _ connection: any RegistryConnection) throws {
        let rollout = OpenRollout(entity: item.entity, itemId: item.id, from: from, expandedBy: expandedBy, expandedAt: time)
        try connection.execute(#"INSERT INTO \#(connection.names.meta) ("key", "value") VALUES (?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value""#,
                               [.text(rolloutKeyPrefix + item.entity), .text(JSONCoding.encode(rollout))])
    }

    /// Every open rollout, by entity.
    static func openRollouts(_ connection: any RegistryConnection) throws -> [String: OpenRollout] {
        let rows = try connection.query(#"SELECT "key", "value" FROM \#(connection.names.meta) WHERE "key" LIKE 'rollout:%'"#, [])
        var found: [String: OpenRollout] = [:]
        for row in rows {
            guard let value = row["value"]?.text else { continue }
            let rollout = try JSONCoding.decode(OpenRollout.self, value)
            // The key names the entity; a value naming another is a forged or damaged row.
            guard row["key"]?.text == rolloutKeyPrefix + rollout.entity else {
                throw SchemaError(.registryUnreadable, "the registry's rollout record \(row["key"]?.text ?? "?") names entity \(rollout.entity)")
            }
            found[rollout.entity] = rollout
        }
        return found
    }

    /// Closes the rollout of `entity`.
    static func closeRollout(entity: String, _ connection: any RegistryConnection) throws {
        try connection.execute(#"DELETE FROM \#(connection.names.meta) WHERE "key" IN (?, ?)"#, [.text(rolloutKeyPrefix + entity), .text(quietKeyPrefix + entity)])
    }

    /// The applied snapshot of `entity` as stored (its checksum is the caller's to verify).
    static func storedSnapshot(entity: String, _ connection: any RegistryConnection) throws -> (checksum: String, structure: CanonicalEntity)? {
        guard let row = try connection.query(#"SELECT "checksum", "structure" FROM \#(connection.names.entities) WHERE "name" = ?"#, [.text(entity)]).first,
              let checksum = row["checksum"]?.text, let structure = row["structure"]?.text
        else { return nil }
        return (checksum, try JSONCoding.decode(CanonicalEntity.self, structure))
    }

    /// Makes `structure` the applied snapshot of its entity again (`schema rollback`), in place of
    /// the snapshot the expand recorded, if any; the applied digest follows.
    static func restoreSnapshot(_ structure: CanonicalEntity, packages: [String], itemId: String, at time: String, _ connection: any RegistryConnection) throws {
        let old = try connection.query(#"SELECT "checksum" FROM \#(connection.names.entities) WHERE "name" = ?"#, [.text(structure.name)]).first?["checksum"]?.text
        let checksum = Checksum(of: structure).hex
        try connection.execute(#"DELETE FROM \#(connection.names.entities) WHERE "name" = ?"#, [.text(structure.name)])
        try connection.execute(
            #"INSERT INTO \#(connection.names.entities) ("name", "checksum", "structure", "packages", "applied_at", "item_id") VALUES (?, ?, ?, ?, ?, ?)"#,
            [.text(structure.name), .text(checksum), .text(JSONCoding.encode(structure)), .text(JSONCoding.encode(packages)), .text(time), .text(itemId)])
        try adjustAppliedDigest([SnapshotChange(entity: structure.name, old: old, new: checksum)], connection)
    }

    /// Item id → the end of its rollout whose first transaction committed and wrote its
    /// `complete-started` or `rollback-started` line: only that end may finish it.
    static func begunEnds(itemIds: [String], _ connection: any RegistryConnection) throws -> [String: RolloutEnd] {
        var begun: [String: RolloutEnd] = [:]
        for end in RolloutEnd.allCases {
            for itemId in try audited(end.started, itemIds: itemIds, nonces: [], connection) { begun[itemId] = end }
        }
        return begun
    }

    /// The open rollouts, for `status`, `list` and the review page.
    public func openRollouts() throws -> [OpenRollout] {
        try transaction { connection in try Self.openRollouts(connection).values.sorted { $0.entity < $1.entity } }
    }
}
