import SchemaCore

extension Registry {
    /// Records the address a review server listens on, so that `admin login-link` prints links
    /// to the server that is running, not to a default port.
    public func recordReviewServer(_ address: String) throws {
        try transaction { connection in
            try connection.execute(#"INSERT INTO \#(connection.names.meta) ("key", "value") VALUES ('review-server', ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value""#,
                                   [.text(address)])
        }
    }

    /// The address the last review server started on this registry recorded, if any.
    public func reviewServerAddress() throws -> String? {
        try transaction { connection in
            try connection.query(#"SELECT "value" FROM \#(connection.names.meta) WHERE "key" = 'review-server'"#, []).first?["value"]?.text
        }
    }
}

/// The registry's own statements that the apply engine, drift and the database layer need: every
/// statement on a `_schema_*` table lives in this folder, behind a name, so that what exactly-once
/// rests on (the started marks, the applied marks, the approvals) is read and written in one place.
/// `LedgerBoundaryTests` fails when a statement on a registry table appears anywhere else.
extension Registry {
    /// The approved items an earlier start began (`progress` > 0), oldest first. The counter is a
    /// hint: ``hasAuditLine(_:itemId:_:)`` decides whether an item really began.
    static func itemsMarkedStarted(_ connection: any RegistryConnection) throws -> [QueueItem] {
        try connection.query(#"SELECT \#(QueueItem.columns) FROM \#(connection.names.queue) WHERE "state" = 'approved' AND "progress" > 0 ORDER BY "created_at", "id""#, [])
            .map(QueueItem.init(row:))
    }

    /// How many approved items are marked started.
    static func startedItemCount(_ connection: any RegistryConnection) throws -> Int64 {
        try connection.query(#"SELECT COUNT(*) AS "count" FROM \#(connection.names.queue) WHERE "state" = 'approved' AND "progress" > 0"#, [])
            .first?["count"]?.integer ?? 0
    }

    /// The ids and actions of the approved items.
    static func approvedActions(_ connection: any RegistryConnection) throws -> [(id: String, action: String?)] {
        try connection.query(#"SELECT "id", "action" FROM \#(connection.names.queue) WHERE "state" = 'approved'"#, [])
            .compactMap { row in row["id"]?.text.map { ($0, row["action"]?.text) } }
    }

    /// Whether the append-only audit log has an `action` line for `itemId`.
    static func hasAuditLine(_ action: AuditAction, itemId: String, _ connection: any RegistryConnection) throws -> Bool {
        let rows = try connection.query(#"SELECT COUNT(*) AS "count" FROM \#(connection.names.audit) WHERE "action" = ? AND "item_id" = ?"#,
                                        [.text(action.rawValue), .text(itemId)])
        return (rows.first?["count"]?.integer ?? 0) > 0
    }

    /// The item ids among `itemIds`, and the approval nonces among `nonces`, that have an `action`
    /// line in the audit log.
    static func audited(_ action: AuditAction, itemIds: [String], nonces: [String], _ connection: any RegistryConnection) throws -> Set<String> {
        let leading = [SQLValue.text(action.rawValue)]
        let byItem = try rows(#"SELECT "item_id" FROM \#(connection.names.audit) WHERE "action" = ? AND "item_id" IN"#, itemIds, leading: leading, connection)
        let byNonce = try rows(#"SELECT "nonce" FROM \#(connection.names.audit) WHERE "action" = ? AND "nonce" IN"#, nonces, leading: leading, connection)
        return Set(byItem.compactMap { $0["item_id"]?.text } + byNonce.compactMap { $0["nonce"]?.text })
    }

    /// The approval records of `itemIds`, by item id.
    static func approvalRecords(itemIds: [String], _ connection: any RegistryConnection) throws -> [String: SQLRow] {
        let rows = try rows(#"SELECT "item_id", "checksum", "sql_hash", "signature", "public_key", "nonce" FROM \#(connection.names.approvals) WHERE "item_id" IN"#,
                            itemIds, connection)
        return Dictionary(rows.compactMap { row in row["item_id"]?.text.map { ($0, row) } }, uniquingKeysWith: { first, _ in first })
    }

    /// Records the online step an item reached, for people reading `list`: a start never trusts it.
    static func setProgress(itemId: String, _ progress: Int, _ connection: any RegistryConnection) throws {
        try connection.execute(#"UPDATE \#(connection.names.queue) SET "progress" = ? WHERE "id" = ?"#, [.integer(Int64(progress)), .text(itemId)])
    }

    /// Records why an item's last step failed; the item keeps its state.
    static func setError(itemId: String, _ message: String, _ connection: any RegistryConnection) throws {
        try connection.execute(#"UPDATE \#(connection.names.queue) SET "error" = ? WHERE "id" = ?"#, [.text(message), .text(itemId)])
    }

    /// The record of the last row-level security check that found the applied tables as their ACLs
    /// make them: the mode and the applied digest it checked (see `ApplyEngine.rowLevelSecurityRepairs`).
    static func rowLevelSecurityMark(_ connection: any RegistryConnection) throws -> String? {
        try connection.query(#"SELECT "value" FROM \#(connection.names.meta) WHERE "key" = 'rls-checked'"#, []).first?["value"]?.text
    }

    /// Stores ``rowLevelSecurityMark(_:)``.
    static func setRowLevelSecurityMark(_ mark: String, _ connection: any RegistryConnection) throws {
        try connection.execute(#"INSERT INTO \#(connection.names.meta) ("key", "value") VALUES ('rls-checked', ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value""#,
                               [.text(mark)])
    }

    /// Deletes a closed item and its approval, so that an item with the same id can be queued again.
    static func deleteItem(id: String, _ connection: any RegistryConnection) throws {
        try connection.execute(#"DELETE FROM \#(connection.names.approvals) WHERE "item_id" = ?"#, [.text(id)])
        try connection.execute(#"DELETE FROM \#(connection.names.queue) WHERE "id" = ?"#, [.text(id)])
    }

    /// Replaces an entity's applied snapshot; its attestation no longer holds and is removed.
    static func replaceSnapshot(entity: String, structure: CanonicalEntity, checksum: Checksum, at time: String, itemId: String,
                                _ connection: any RegistryConnection) throws {
        try connection.execute(
            #"UPDATE \#(connection.names.entities) SET "checksum" = ?, "structure" = ?, "applied_at" = ?, "item_id" = ?, "attestation" = NULL, "attestation_key" = NULL WHERE "name" = ?"#,
            [.text(checksum.hex), .text(JSONCoding.encode(structure)), .text(time), .text(itemId), .text(entity)])
    }

    /// The rows of `sql` (ending in `IN`, after the placeholders of `leading`) for `values`, bound
    /// in chunks of 500 (both databases limit the number of parameters of one statement).
    static func rows(_ sql: String, _ values: [String], leading: [SQLValue] = [], _ connection: any RegistryConnection) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try inChunks(values) { chunk in rows += try connection.query(sql + " " + placeholders(chunk.count), leading + chunk.map(SQLValue.text)) }
        return rows
    }

    /// `body` for consecutive slices of at most `size` of `elements`, in order.
    static func inChunks<T>(_ elements: [T], of size: Int = 500, _ body: (ArraySlice<T>) throws -> Void) rethrows {
        var start = 0
        while start < elements.count {
            let end = min(start + size, elements.count)
            try body(elements[start..<end])
            start = end
        }
    }
}

extension RegistryTables {
    /// Takes the registry lock on PostgreSQL in the transaction `connection` has begun, without
    /// waiting: `LOCK TABLE` on the registry's lock table, or, for a role that may not lock it
    /// (the table does not exist yet, or the role has no rights on the registry's schema),
    /// the advisory lock `advisoryKey`.
    static func tryLock(advisoryKey: Int64, _ connection: any RegistryConnection) throws -> Bool {
        // From the catalog, which every role may read: a role without rights on the registry's
        // schema (the application's) must not fail here, only fall back to the advisory lock.
        let lockable = try connection.query(#"""
            SELECT COALESCE((SELECT has_table_privilege(c.oid, 'UPDATE') FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
                             WHERE n.nspname = ? AND c.relname = '_schema_lock' AND has_schema_privilege(n.oid, 'USAGE')), false) AS "lockable"
            """#, [.text(connection.names.schema ?? "public")]).first?["lockable"]?.integer == 1
        guard lockable else {
            return try connection.query("SELECT pg_try_advisory_xact_lock(\(advisoryKey)) AS \"locked\"", []).first?["locked"]?.integer == 1
        }
        do {
            try connection.execute("LOCK TABLE \(connection.names.lock) IN EXCLUSIVE MODE NOWAIT")
            return true
        } catch let error as SchemaError where error.code == .lockTimeout {
            return false
        }
    }
}
