public import SchemaCore

/// The outcome of approving, rejecting or reopening, per item.
public struct DecisionResult: Sendable {
    /// Items whose state changed, as they are now.
    public var accepted: [QueueItem] = []
    /// Items that were not changed, with the reason.
    public var refused: [Refusal] = []
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
    /// The approval pins the approved checksum, the hash of the SQL that will run and a fresh nonce.
    /// What is approved is checked first, not trusted because it is stored: the structure must hash
    /// to the item's checksum and the SQL to its hash, and whether the change is destructive is
    /// derived again from the applied snapshot and the new structure. With `signingKey`, the
    /// approval carries an Ed25519 signature over ``ApprovalSignature/Claim``.
    public func approve(_ selection: Selection, as principal: String, allowDataLoss: Bool, allowRewrite: Bool = false,
                        signingKey: SigningKey? = nil) throws -> DecisionResult {
        var applied: [String: AppliedEntity]?
        return try decide(selection, as: principal, action: "approve", to: .approved) { item, connection in
            if applied == nil {
                applied = Dictionary(try Self.appliedEntities(connection).map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
            }
            if let problem = Self.integrityProblem(of: item) { return problem }
            // Whether the change loses data is derived again from the structures, not read from the
            // row: for a repair, from the live table it was planned from (which must still be so).
            var before = applied?[item.entity]?.structure
            if item.action == .repair, let snapshot = before {
                let keys = PrimaryKeys.of(host: nil, entities: applied?.values.map(\.structure) ?? [])
                guard let live = try LiveSchema.shape(of: item.entity, connection),
                      DriftRepair.liveChecksum(live, snapshot: snapshot, dialect: connection.dialect, primaryKeys: keys) == item.repairOf
                else {
                    return Refusal(itemId: item.id, entity: item.entity, code: .baseChanged,
                                   message: "the table changed again since this repair was planned; run `schema drift --queue` again")
                }
                before = LiveEntity.approximate(live, snapshot: snapshot, dialect: connection.dialect, primaryKeys: keys).entity
            }
            let operations = TableDiff.operations(from: before, to: item.structure, renames: item.renames)
            let destructive = MigrationPlanner.risks(of: operations, creating: item.action == .create).contains { $0.kind == .destructive }
            if destructive && !allowDataLoss {
                let risks = item.risks.filter { $0.kind == .destructive }.map(\.description).joined(separator: "; ")
                return Refusal(itemId: item.id, entity: item.entity, code: .dataLossNotAcknowledged,
                               message: "destructive (\(risks.isEmpty ? "it drops or narrows data" : risks)); acknowledge the data loss to approve it")
            }
            // Whether it rewrites a table follows from the statements, whose hash was just checked.
            let rewrites = MigrationPlanner.rewriteRisks(of: item.statements)
            if !rewrites.isEmpty && !allowRewrite {
                return Refusal(itemId: item.id, entity: item.entity, code: .rewriteNotAcknowledged,
                               message: rewrites.map(\.message).joined(separator: "; ") + "; acknowledge the rewrite to approve it")
            }
            let nonce = ApprovalSignature.makeNonce()
            let claim = ApprovalSignature.Claim(itemId: item.id, entity: item.entity, fromChecksum: item.fromChecksum, toChecksum: item.toChecksum,
                                                sqlHash: item.sqlHash, nonce: nonce)
            let signature = try signingKey.map { try ApprovalSignature.sign(claim, with: $0) }
            try connection.execute(
                #"INSERT INTO \#(connection.names.approvals) ("item_id", "principal", "approved_at", "checksum", "sql_hash", "allow_data_loss", "signature", "public_key", "nonce") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"#,
                [.text(item.id), .text(principal), .text(self.now), QueueItem.optional(item.toChecksum), .text(item.sqlHash), .integer(allowDataLoss ? 1 : 0),
                 QueueItem.optional(signature), QueueItem.optional(signingKey.map { TrustedKey(name: $0.name, publicKey: $0.privateKey.publicKey).encoded }),
                 .text(nonce)])
            try self.insertAudit(connection, principal: principal, action: "approve", item: item,
                                 detail: "sql \(Checksum.short(item.sqlHash))\(destructive ? ", data loss acknowledged" : "")\(rewrites.isEmpty ? "" : ", table rewrite acknowledged")\(signingKey.map { ", signed by key \($0.name)" } ?? "")",
                                 nonce: nonce)
            return nil
        }
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
        try decide(selection, as: principal, action: "reject", to: .rejected, error: reason) { item, connection in
            try self.insertAudit(connection, principal: principal, action: "reject", item: item, detail: reason)
            return nil
        }
    }

    /// Takes back rejections (admins only): the items become superseded, so the next scan queues
    /// each change again as pending if the package files still want it, and drops it otherwise.
    public func reopen(_ selection: Selection, as principal: String, reason: String?) throws -> DecisionResult {
        try decide(selection, as: principal, action: "reopen", from: .rejected, to: .superseded, error: "rejection taken back by \(principal)") { item, connection in
            try self.insertAudit(connection, principal: principal, action: "reopen", item: item, detail: reason)
            return nil
        }
    }

    /// Moves the selected items from `state` to `newState` when `body` does not refuse them.
    /// A principal who is not an admin changes nothing; the attempt is audited.
    func decide(_ selection: Selection, as principal: String, action: String, from state: QueueItem.State = .pending,
                to newState: QueueItem.State, error: String? = nil,
                _ body: @escaping (QueueItem, any RegistryConnection) throws -> Refusal?) throws -> DecisionResult {
        let outcome: Result<DecisionResult, SchemaError> = try transaction { connection in
            guard try Self.isAdmin(principal, connection) else {
                // The refusal is recorded: the transaction commits the audit line.
                try insertAudit(connection, principal: principal, action: "\(action)-denied", detail: "not an admin")
                let noAdmins = try connection.query(#"SELECT COUNT(*) AS "count" FROM \#(connection.names.admins)"#, []).first?["count"]?.integer == 0
                return .failure(SchemaError(.notAdmin, noAdmins
                    ? "'\(principal)' is not an admin, and there are no admins yet; add the first with `schema admin add NAME` (no --as needed for the first)"
                    : "'\(principal)' is not an admin; only admins can \(action) (see `schema admin list`)"))
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
