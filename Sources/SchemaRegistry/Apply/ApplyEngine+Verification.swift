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
    func verify(_ items: [QueueItem], current: [String: DesiredEntity]?, trustedKeys: [TrustedKey]?, resuming: Bool,
                inputs: DerivationInputs, _ connection: any RegistryConnection) throws -> [(Verified, Refusal?)] {
        Array(try verifying(items, current: current, trustedKeys: trustedKeys, resuming: resuming, inputs: inputs, connection))
    }

    /// ``verify(_:current:trustedKeys:resuming:inputs:_:)`` item by item, as the caller iterates.
    /// With `derivedAll`, the items are derived on another thread in their order
    /// (``Registry/deriveInOrder(_:_:liveCheck:whenDone:_:)``), which calls it after the last one,
    /// so the caller can act on the first items while the last are still being derived.
    func verifying(_ items: [QueueItem], current: [String: DesiredEntity]?, trustedKeys: [TrustedKey]?, resuming: Bool,
                   inputs: DerivationInputs, derivedAll: (@Sendable () -> Void)? = nil,
                   _ connection: any RegistryConnection) throws -> LazyMapSequence<Range<Int>, (Verified, Refusal?)> {
        // Two queries for all the items, not two per item: a start with 1,000 approved changes
        // would otherwise spend its time on round trips.
        let approvals = try Registry.approvalRecords(itemIds: items.map(\.id), connection)
        let applied = try Registry.audited(.apply, itemIds: items.map(\.id), nonces: approvals.values.compactMap { $0["nonce"]?.text }, connection)
        let derivation: (Int) -> Derivation
        if let derivedAll {
            derivation = try Registry.deriveInOrder(items, inputs, liveCheck: !resuming, whenDone: derivedAll, connection).derivation(at:)
        } else {
            let derivations = try Registry.derive(items, inputs, liveCheck: !resuming, connection)
            derivation = { derivations[$0] }
        }
        return items.indices.lazy.map { index in
            let item = items[index], derivation = derivation(index)
            var reasons: [(code: SchemaError.Code, message: String)] = []
            guard let approval = approvals[item.id] else {
                return (Verified(item: item), Refusal(itemId: item.id, entity: item.entity, code: .notApproved, message: "no approval record for this item"))
            }
            let nonce = approval["nonce"]?.text
            var verified = item
            switch derivation {
            case .refused(let refusal):
                reasons.append((refusal.code, refusal.message))
            case .runs(let derived):
                verified.statements = derived.statements
                verified.checks = derived.checks
                // `derive` found the stored SQL equal to the derivation, so the item's pin is its hash.
                if approval["sql_hash"]?.text != item.sqlHash {
                    reasons.append((.sqlChanged, "the SQL derived from the item differs from the SQL that was approved"))
                }
            }
            if approval["checksum"]?.text != item.toChecksum {
                reasons.append((.structureChanged, "the approved checksum differs from the queued change"))
            }
            if applied.contains(item.id) || nonce.map(applied.contains) == true {
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
            // Without `current` (files still being read) ``confirm(_:with:)`` asks it before the commit.
            if let current, !resuming && item.action != .repair && current[item.entity]?.checksum.hex != item.toChecksum {
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
}
