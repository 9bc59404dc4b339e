import SchemaCore

extension ApplyEngine {
    /// An approved item that may run, with the nonce of its approval (recorded with the apply).
    struct Verified {
        var item: QueueItem
        var nonce: String?
    }

    /// For each approved item: how it may run, or the refusal.
    ///
    /// Nothing read back is trusted because it is there. An item runs only when its approval
    /// record pins its checksum and SQL hash; its stored structure hashes to that checksum and its
    /// stored SQL to that hash; it was never applied before (the append-only audit log has no
    /// apply of this item or of this approval's nonce); the package files still define the
    /// approved structure; the applied structure it starts from is unchanged; it was planned for
    /// this dialect; and, with trusted keys, the approval carries a valid signature from one of
    /// them over exactly this change (``ApprovalSignature/Claim``). An item `resuming` after its
    /// first transaction committed is finished even when the package files have moved on since.
    func verify(_ items: [QueueItem], current: [String: DesiredEntity], trustedKeys: [TrustedKey]?, resuming: Bool,
                primaryKeys: [String: String], _ connection: any RegistryConnection) throws -> [(Verified, Refusal?)] {
        let applied = Dictionary(try Registry.appliedEntities(connection).map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
        return try items.map { item in
            func refuse(_ code: SchemaError.Code, _ message: String) -> (Verified, Refusal?) {
                (Verified(item: item), Refusal(itemId: item.id, entity: item.entity, code: code, message: message))
            }
            let approvals = try connection.query(
                #"SELECT "checksum", "sql_hash", "signature", "public_key", "nonce" FROM \#(connection.names.approvals) WHERE "item_id" = ?"#, [.text(item.id)])
            guard let approval = approvals.first else { return refuse(.notApproved, "no approval record for this item") }
            let nonce = approval["nonce"]?.text
            if let problem = Registry.integrityProblem(of: item) { return (Verified(item: item), problem) }
            if approval["sql_hash"]?.text != item.sqlHash {
                return refuse(.sqlChanged, "the queued SQL differs from the SQL that was approved")
            }
            if approval["checksum"]?.text != item.toChecksum {
                return refuse(.structureChanged, "the approved checksum differs from the queued change")
            }
            if try wasApplied(itemId: item.id, nonce: nonce, connection) {
                return refuse(.replayed, "this change was applied before (see `schema audit`); an approval is good for one application")
            }
            if let trustedKeys {
                let claim = ApprovalSignature.Claim(itemId: item.id, entity: item.entity, fromChecksum: item.fromChecksum, toChecksum: item.toChecksum,
                                                    sqlHash: item.sqlHash, nonce: nonce ?? "")
                guard nonce != nil, let signature = approval["signature"]?.text, let keyText = approval["public_key"]?.text,
                      let key = trustedKeys.first(where: { $0.encoded == keyText }),
                      ApprovalSignature.isValid(signature, of: claim, publicKey: key.publicKey)
                else { return refuse(.notSigned, "the approval is not signed by a trusted key") }
            }
            if item.dialect != connection.dialect {
                return refuse(.dialectMismatch, "planned for \(item.dialect.rawValue), but the database is \(connection.dialect.rawValue)")
            }
            // A repair restores the snapshot whatever the files want now; the next scan plans from it.
            if !resuming && item.action != .repair && current[item.entity]?.checksum.hex != item.toChecksum {
                return refuse(.modifiedAfterApproval, "modified after approval: the package files now define \(item.entity) "
                    + (current[item.entity].map { "with checksum \($0.checksum.short)" } ?? "no more")
                    + ", not the approved \(item.toChecksum == nil ? "removal" : Checksum.short(item.toChecksum)); run scan and approve again")
            }
            if applied[item.entity]?.checksum.hex != item.fromChecksum {
                return refuse(.baseChanged, "the applied structure of \(item.entity) changed since this item was planned; run scan again")
            }
            if item.action == .repair, let snapshot = applied[item.entity]?.structure {
                let live = try LiveSchema.shape(of: item.entity, connection)
                if live.map({ DriftRepair.liveChecksum($0, snapshot: snapshot, dialect: connection.dialect, primaryKeys: primaryKeys) }) != item.repairOf {
                    return refuse(.baseChanged, "the table changed again since this repair was planned; run `schema drift --queue` again")
                }
            }
            return (Verified(item: item, nonce: nonce), nil)
        }
    }

    /// Whether the audit log records an apply of this item, or of an approval with this nonce.
    func wasApplied(itemId: String, nonce: String?, _ connection: any RegistryConnection) throws -> Bool {
        let rows = try connection.query(
            #"SELECT COUNT(*) AS "count" FROM \#(connection.names.audit) WHERE "action" = 'apply' AND ("item_id" = ? OR "nonce" = ?)"#,
            [.text(itemId), nonce.map(SQLValue.text) ?? .null])
        return (rows.first?["count"]?.integer ?? 0) > 0
    }
}
