import SchemaCore

extension ApplyEngine {
    /// An approved item that may run, with the nonce of its approval (recorded with the apply).
    struct Verified {
        var item: QueueItem
        var nonce: String?
    }

    /// For each approved item: how it may run, or the refusal with every reason found.
    ///
    /// Nothing read back is trusted because it is there. An item runs only when its approval
    /// record pins its checksum and the hash of the SQL derived again now from verified inputs
    /// (``Registry/derive(_:_:liveCheck:_:)``: the re-hashed structures, the applied snapshot, the
    /// live table for a repair), and the stored SQL is exactly that derivation; it was never
    /// applied before (the append-only audit log has no apply of this item or of this approval's
    /// nonce); the package files still define the approved structure; and, with trusted keys, the
    /// approval carries a valid signature from one of them over exactly this change
    /// (``ApprovalSignature/Claim``: action, checksums, renames, repair, SQL hash, nonce). The
    /// verified item carries the derived statements and checks: those are what runs. An item
    /// `resuming` after its first transaction committed is finished even when the package files
    /// have moved on since.
    func verify(_ items: [QueueItem], current: [String: DesiredEntity], trustedKeys: [TrustedKey]?, resuming: Bool,
                inputs: DerivationInputs, _ connection: any RegistryConnection) throws -> [(Verified, Refusal?)] {
        try items.map { item in
            var reasons: [(code: SchemaError.Code, message: String)] = []
            let approvals = try connection.query(
                #"SELECT "checksum", "sql_hash", "signature", "public_key", "nonce" FROM \#(connection.names.approvals) WHERE "item_id" = ?"#, [.text(item.id)])
            guard let approval = approvals.first else {
                return (Verified(item: item), Refusal(itemId: item.id, entity: item.entity, code: .notApproved, message: "no approval record for this item"))
            }
            let nonce = approval["nonce"]?.text
            var verified = item
            switch try Registry.derive(item, inputs, liveCheck: !resuming, connection) {
            case .refused(let refusal):
                reasons.append((refusal.code, refusal.message))
            case .runs(let derived):
                verified.statements = derived.statements
                verified.checks = derived.checks
                if approval["sql_hash"]?.text != derived.sqlHash {
                    reasons.append((.sqlChanged, "the SQL derived from the item differs from the SQL that was approved"))
                }
            }
            if approval["checksum"]?.text != item.toChecksum {
                reasons.append((.structureChanged, "the approved checksum differs from the queued change"))
            }
            if try wasApplied(itemId: item.id, nonce: nonce, connection) {
                reasons.append((.replayed, "this change was applied before (see `schema audit`); an approval is good for one application"))
            }
            if let trustedKeys {
                guard let nonce, let signature = approval["signature"]?.text, let keyText = approval["public_key"]?.text,
                      let key = trustedKeys.first(where: { $0.encoded == keyText }),
                      ApprovalSignature.isValid(signature, of: item.claim(nonce: nonce), publicKey: key.publicKey)
                else {
                    reasons.append((.notSigned, "the approval is not signed by a trusted key over this change (its action, checksums, renames, repair and SQL)"))
                    return (Verified(item: item), Self.refusal(item, reasons))
                }
            }
            // A repair restores the snapshot whatever the files want now; the next scan plans from it.
            if !resuming && item.action != .repair && current[item.entity]?.checksum.hex != item.toChecksum {
                reasons.append((.modifiedAfterApproval, "modified after approval: the package files now define \(item.entity) "
                    + (current[item.entity].map { "with checksum \($0.checksum.short)" } ?? "no more")
                    + ", not the approved \(item.toChecksum == nil ? "removal" : Checksum.short(item.toChecksum)); run scan and approve again"))
            }
            return (Verified(item: verified, nonce: nonce), reasons.isEmpty ? nil : Self.refusal(item, reasons))
        }
    }

    /// One refusal for every reason found: the first reason's code, all messages.
    static func refusal(_ item: QueueItem, _ reasons: [(code: SchemaError.Code, message: String)]) -> Refusal? {
        guard let first = reasons.first else { return nil }
        return Refusal(itemId: item.id, entity: item.entity, code: first.code, message: reasons.map(\.message).joined(separator: "; also: "))
    }

    /// Whether the audit log records an apply of this item, or of an approval with this nonce.
    func wasApplied(itemId: String, nonce: String?, _ connection: any RegistryConnection) throws -> Bool {
        let rows = try connection.query(
            #"SELECT COUNT(*) AS "count" FROM \#(connection.names.audit) WHERE "action" = ? AND ("item_id" = ? OR "nonce" = ?)"#,
            [.text(AuditAction.apply.rawValue), .text(itemId), nonce.map(SQLValue.text) ?? .null])
        return (rows.first?["count"]?.integer ?? 0) > 0
    }
}
