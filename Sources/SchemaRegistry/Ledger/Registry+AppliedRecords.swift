import SchemaCore

extension Registry {
    /// Records `items` applied, in the transaction that applied them: each item's structure
    /// replaces its entity's applied snapshot (a drop removes it; a renamed entity's item also
    /// removes the snapshot of its old name, which it replaces), its queue row becomes applied,
    /// and the audit log gets its `apply` line with the nonce of its approval (`nonces`, by item id).
    ///
    /// A handful of statements for all of them, not five per item: a start with 1,000 approved
    /// items spent 50 ms of SQLite's time on them, and on PostgreSQL each statement is a round trip.
    ///
    /// - Returns: the snapshot changes; the caller adjusts the stored digest with them, once.
    func recordApplied(_ items: [QueueItem], nonces: [String: String], principal: String, _ connection: any RegistryConnection) throws -> [SnapshotChange] {
        guard !items.isEmpty else { return [] }
        var changes: [SnapshotChange] = []
        for previous in items.compactMap(\.renamedFrom) {
            changes.append(try Self.removeSnapshot(entity: previous, connection))
        }
        let names = items.map(\.entity)
        let stored = try Self.rows(#"SELECT "name", "checksum" FROM \#(connection.names.entities) WHERE "name" IN"#, names, connection)
        let old = Dictionary(stored.compactMap { row in row["name"]?.text.map { ($0, row["checksum"]?.text) } }, uniquingKeysWith: { first, _ in first })
        try Self.execute(#"DELETE FROM \#(connection.names.entities) WHERE "name" IN"#, names, connection)
        let at = now
        var snapshots: [[SQLValue]] = []
        for item in items {
            var new: String?
            if item.action != .drop, let structure = item.structure, let checksum = item.toChecksum {
                // The row's own text, which verification hashed: encoding it again would only cost time.
                snapshots.append([.text(item.entity), .text(checksum), .text(item.storedStructure.text ?? JSONCoding.encode(structure)),
                                  .text(JSONCoding.encode(item.packages)), .text(at), .text(item.id)])
                new = checksum
            }
            changes.append(SnapshotChange(entity: item.entity, old: old[item.entity] ?? nil, new: new))
        }
        try Self.insert(into: connection.names.entities, ["name", "checksum", "structure", "packages", "applied_at", "item_id"], snapshots, connection)
        try Self.execute(#"UPDATE \#(connection.names.queue) SET "state" = ?, "updated_at" = ?, "error" = NULL WHERE "id" IN"#, items.map(\.id),
                         leading: [.text(QueueItem.State.applied.rawValue), .text(at)], connection)
        let lines: [[SQLValue]] = items.map { item in
            [.text(at), .text(principal), .text(AuditAction.apply.rawValue), .text(item.id), .text(item.entity), QueueItem.optional(item.fromChecksum),
             QueueItem.optional(item.toChecksum), .text(item.action.rawValue), QueueItem.optional(nonces[item.id])]
        }
        try Self.insert(into: connection.names.audit, ["at", "principal", "action", "item_id", "entity", "from_checksum", "to_checksum", "detail", "nonce"], lines, connection)
        return changes
    }

    /// `sql` (ending in `IN`) for every value of `values`, in chunks of at most 500 (one
    /// parameter each, after `leading`).
    static func execute(_ sql: String, _ values: [String], leading: [SQLValue] = [], _ connection: any RegistryConnection) throws {
        try inChunks(values) { chunk in try connection.execute(sql + " " + placeholders(chunk.count), leading + chunk.map(SQLValue.text)) }
    }

    /// Inserts `rows` into `table`, many per statement: each statement binds at most 900
    /// parameters (SQLite's limit was 999 before 3.32).
    static func insert(into table: String, _ columns: [String], _ rows: [[SQLValue]], _ connection: any RegistryConnection) throws {
        let perStatement = max(1, 900 / max(1, columns.count))
        let head = "INSERT INTO \(table) (" + columns.map { "\"\($0)\"" }.joined(separator: ", ") + ") VALUES "
        try inChunks(rows, of: perStatement) { chunk in
            try connection.execute(head + Array(repeating: placeholders(columns.count), count: chunk.count).joined(separator: ", "), chunk.flatMap { $0 })
        }
    }
}
