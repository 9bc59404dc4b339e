import SchemaCore

extension ApplyEngine {
    /// For each approved item: nil when it may run, or the refusal.
    ///
    /// An item runs only when its approval record pins its checksum and SQL hash, the stored SQL
    /// still hashes to that value, the package files still define the approved structure, the
    /// applied structure it starts from is unchanged, it was planned for this dialect, and (with
    /// trusted keys) the approval carries a valid signature from one of them.
    func verify(_ items: [QueueItem], current: [String: DesiredEntity], trustedKeys: [TrustedKey]?,
                _ connection: any RegistryConnection) throws -> [(QueueItem, Refusal?)] {
        let applied = Dictionary(try Registry.appliedEntities(connection).map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
        return try items.map { item in
            func refuse(_ code: SchemaError.Code, _ message: String) -> (QueueItem, Refusal?) {
                (item, Refusal(itemId: item.id, entity: item.entity, code: code, message: message))
            }
            let approvals = try connection.query(#"SELECT "checksum", "sql_hash", "signature", "public_key" FROM "_schema_approvals" WHERE "item_id" = ?"#, [.text(item.id)])
            guard let approval = approvals.first else { return refuse(.notApproved, "no approval record for this item") }
            if let trustedKeys {
                guard let signature = approval["signature"]?.text, let keyText = approval["public_key"]?.text,
                      let key = trustedKeys.first(where: { $0.encoded == keyText }),
                      ApprovalSignature.isValid(signature, itemId: item.id, entity: item.entity, checksum: item.toChecksum, sqlHash: item.sqlHash,
                                                publicKey: key.publicKey)
                else { return refuse(.notSigned, "the approval is not signed by a trusted key") }
            }
            if approval["sql_hash"]?.text != item.sqlHash || Checksum.sha256Hex(item.statements.script) != item.sqlHash {
                return refuse(.sqlChanged, "the queued SQL differs from the SQL that was approved")
            }
            if approval["checksum"]?.text != item.toChecksum {
                return refuse(.structureChanged, "the approved checksum differs from the queued change")
            }
            if item.dialect != connection.dialect {
                return refuse(.dialectMismatch, "planned for \(item.dialect.rawValue), but the database is \(connection.dialect.rawValue)")
            }
            if current[item.entity]?.checksum.hex != item.toChecksum {
                return refuse(.modifiedAfterApproval, "modified after approval: the package files now define \(item.entity) "
                    + (current[item.entity].map { "with checksum \($0.checksum.short)" } ?? "no more")
                    + ", not the approved \(item.toChecksum == nil ? "removal" : Checksum.short(item.toChecksum)); run scan and approve again")
            }
            if applied[item.entity]?.checksum.hex != item.fromChecksum {
                return refuse(.baseChanged, "the applied structure of \(item.entity) changed since this item was planned; run scan again")
            }
            return (item, nil)
        }
    }
}
