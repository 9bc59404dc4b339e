public import SchemaCore

/// The outcome of approving, rejecting or reopening, per item.
public struct DecisionResult: Sendable {
    /// Items whose state changed, as they are now.
    public var accepted: [QueueItem] = []
    /// Items that were not changed, with the reason.
    public var refused: [Refusal] = []
    /// Approved items that the next start will refuse while the rows named stay as they are
    /// (every blocking data problem of the item, counted at approval).
    public var blocked: [Refusal] = []
}

extension Registry {
    /// Which items a decision is about.
    public enum Selection: Sendable {
        case all
        case ids([String])
    }

    /// Approves pending items as `principal`, who must be an admin. Destructive items need
    /// `allowDataLoss`; items that rewrite a table while reads and writes wait need `allowRewrite`.
    ///
    /// What is approved is derived again, not trusted because it is stored
    /// (``derive(_:_:liveCheck:_:)``): the structure must hash to the item's checksum, the SQL is
    /// rendered from the applied snapshot (or, for a repair, the live table now) and the new
    /// structure, and must be exactly the stored SQL; whether the change is destructive or
    /// rewrites a table follows from that derivation. The approval pins the approved checksum, the
    /// derived SQL's hash and a fresh nonce; with `signingKey` it carries an Ed25519 signature over
    /// ``ApprovalSignature/Claim``. Rows that would make the change fail now are counted and
    /// returned as ``DecisionResult/blocked``: the item is approved, and the next start refuses it
    /// until they are fixed.
    ///
    /// - Parameter context: the workspace's host schema and identity setting (the derivation needs them).
    public func approve(_ selection: Selection, as principal: String, allowDataLoss: Bool, allowRewrite: Bool = false,
                        signingKey: SigningKey? = nil, context: RenderContext = RenderContext()) throws -> DecisionResult {
        var inputs: DerivationInputs?
        var tables: Set<String> = []
        var renamed: [String: [String: String]] = [:]
        var blocked: [Refusal] = []
        var result = try decide(selection, as: principal, action: .approve, to: .approved) { item, connection in
            if inputs == nil {
                let queued = try Self.items(in: [.pending, .approved], connection)
                inputs = try DerivationInputs.read(context: context, others: queued.compactMap(\.structure), connection)
                tables = try ApplyEngine.existingTables(connection)
                // Columns the queued changes rename, as a start of them all would ask the checks.
                renamed = ApplyEngine.columnsRenamed(by: queued, applied: inputs?.applied ?? [:])
            }
            guard let inputs else { return nil }
            let derived: DerivedChange
            switch try Self.derive(item, inputs, connection) {
            case .refused(let refusal): return refusal
            case .runs(let change): derived = change
            }
            if derived.isDestructive && !allowDataLoss {
                let risks = derived.risks.filter { $0.kind == .destructive }.map(\.description).joined(separator: "; ")
                return Refusal(itemId: item.id, entity: item.entity, code: .dataLossNotAcknowledged,
                               message: "destructive (\(risks.isEmpty ? "it drops or narrows data" : risks)); acknowledge the data loss to approve it")
            }
            let rewrites = derived.risks.filter { $0.kind == .tableRewrite }
            if !rewrites.isEmpty && !allowRewrite {
                return Refusal(itemId: item.id, entity: item.entity, code: .rewriteNotAcknowledged,
                               message: rewrites.map(\.message).joined(separator: "; ") + "; acknowledge the rewrite to approve it")
            }
            let nonce = ApprovalSignature.makeNonce()
            let signature = try signingKey.map { try ApprovalSignature.sign(item.claim(nonce: nonce), with: $0) }
            try connection.execute(
                #"INSERT INTO \#(connection.names.approvals) ("item_id", "principal", "approved_at", "checksum", "sql_hash", "allow_data_loss", "signature", "public_key", "nonce") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"#,
                [.text(item.id), .text(principal), .text(self.now), QueueItem.optional(item.toChecksum), .text(derived.sqlHash), .integer(allowDataLoss ? 1 : 0),
                 QueueItem.optional(signature), QueueItem.optional(signingKey.map { TrustedKey(name: $0.name, publicKey: $0.privateKey.publicKey).encoded }),
                 .text(nonce)])
            try self.insertAudit(connection, principal: principal, action: .approve, item: item,
                                 detail: "sql \(Checksum.short(derived.sqlHash))\(derived.isDestructive ? ", data loss acknowledged" : "")\(rewrites.isEmpty ? "" : ", table rewrite acknowledged")\(signingKey.map { ", signed by key \($0.name)" } ?? "")",
                                 nonce: nonce)
            if let refusal = Self.dataRefusal(itemId: item.id, entity: item.entity, try Self.violations(derived.checks.filter { $0.part == .expand }, tables: tables, renamed: renamed, connection)) {
                blocked.append(refusal)
            }
            return nil
        }
        result.blocked = blocked
        return result
    }

    /// Why a stored item cannot be what it says it is: its structure must hash to its checksum and
    /// its statements to its SQL hash. Nil when it is consistent.
    static func integrityProblem(of item: QueueItem) -> Refusal? {
        if item.structure.map({ Checksum(of: $0).hex }) != item.toChecksum || (item.structure != nil && item.structure?.name != item.entity) {
            return Refusal(itemId: item.id, entity: item.entity, code: .structureChanged,
                           message: "the stored structure does not hash to the item's checksum: it was edited in the database")
        }
        if item.computedSQLHash != item.sqlHash {
            return Refusal(itemId: item.id, entity: item.entity, code: .sqlChanged, message: "the stored SQL does not hash to the item's SQL hash: it was edited in the database")
        }
        return nil
    }

    /// Rejects pending items as `principal`, who must be an admin.
    public func reject(_ selection: Selection, as principal: String, reason: String?) throws -> DecisionResult {
        try decide(selection, as: principal, action: .reject, to: .rejected, error: reason) { item, connection in
            try self.insertAudit(connection, principal: principal, action: .reject, item: item, detail: reason)
            return nil
        }
    }

    /// Takes back rejections (admins only): the items become superseded, so the next scan queues
    /// each change again as pending if the package files still want it, and drops it otherwise.
    public func reopen(_ selection: Selection, as principal: String, reason: String?) throws -> DecisionResult {
        try decide(selection, as: principal, action: .reopen, from: .rejected, to: .superseded, error: "rejection taken back by \(principal)") { item, connection in
            try self.insertAudit(connection, principal: principal, action: .reopen, item: item, detail: reason)
            return nil
        }
    }

    /// Moves the selected items from `state` to `newState` when `body` does not refuse them.
    /// A principal who is not an admin changes nothing; the attempt is audited.
    func decide(_ selection: Selection, as principal: String, action: AuditAction, from state: QueueItem.State = .pending,
                to newState: QueueItem.State, error: String? = nil,
                _ body: @escaping (QueueItem, any RegistryConnection) throws -> Refusal?) throws -> DecisionResult {
        let outcome: Result<DecisionResult, SchemaError> = try transaction { connection in
            guard try Self.isAdmin(principal, connection) else {
                // The refusal is recorded: the transaction commits the audit line.
                try insertAudit(connection, principal: principal, action: action.denied, detail: "not an admin")
                let noAdmins = try connection.query(#"SELECT COUNT(*) AS "count" FROM \#(connection.names.admins)"#, []).first?["count"]?.integer == 0
                return .failure(SchemaError(.notAdmin, noAdmins
                    ? "'\(principal)' is not an admin, and there are no admins yet; add the first with `schema admin add NAME` (no --as needed for the first)"
                    : "'\(principal)' is not an admin; only admins can \(action.rawValue) (see `schema admin list`)"))
            }
            var result = DecisionResult()
            var chosen: [QueueItem] = []
            switch selection {
            case .all:
                chosen = try Self.items(in: [state], connection)
            case .ids(let ids):
                let all = Dictionary(try Self.items(in: nil, connection).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                for id in ids {
                    guard let item = all[id] else {
                        result.refused.append(Refusal(itemId: id, entity: nil, code: .unknownItem, message: "no queue item with this id"))
                        continue
                    }
                    guard item.state == state else {
                        result.refused.append(Refusal(itemId: id, entity: item.entity, code: .wrongState,
                                                      message: "the item is \(item.state.rawValue), not \(state.rawValue)"))
                        continue
                    }
                    chosen.append(item)
                }
            }
            for item in chosen {
                if let refusal = try body(item, connection) {
                    result.refused.append(refusal)
                } else {
                    try setState(connection, item, newState, error: error)
                    var changed = item
                    changed.state = newState
                    changed.error = error
                    result.accepted.append(changed)
                }
            }
            return .success(result)
        }
        return try outcome.get()
    }
}
