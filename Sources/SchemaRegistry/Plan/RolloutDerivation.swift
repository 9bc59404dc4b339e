import SchemaCore

/// An open rollout checked against the item whose expand ran: what `complete` and `rollback` run
/// is derived from it, never read from a row.
struct VerifiedRollout {
    var rollout: OpenRollout
    var item: QueueItem
    /// The derivation of the item from the recorded old structure, equal to what was approved.
    var derived: DerivedChange
    /// The tables and key columns of the host's models, the applied entities and both sides of
    /// the change: what the end's checks of the table resolve relation targets with.
    var primaryKeys: [String: String]

    /// The table as the expand left it: the expanded shape, or for a dropped table the old one.
    var current: CanonicalEntity {
        item.structure.map { DerivedChange.expandedTable(from: rollout.from, to: $0, renames: item.renames) } ?? rollout.from
    }
}

/// A rollout that may end, or why not.
enum RolloutCheck {
    case verified(VerifiedRollout)
    case refused(Refusal)
}

extension Registry {
    /// Checks `rollout` against its item: the item exists and was applied, its stored structures
    /// hash to their checksums, the recorded old structure hashes to the approved from-checksum,
    /// the applied snapshot is the approved result, the derivation equals the approved SQL, and,
    /// with trusted keys, the approval is signed over all of it.
    static func verify(_ rollout: OpenRollout, inputs: DerivationInputs, trustedKeys: [TrustedKey]?,
                       _ connection: any RegistryConnection) throws -> RolloutCheck {
        let entity = rollout.entity
        func refuse(_ code: SchemaError.Code, _ message: String) -> RolloutCheck {
            RolloutCheck.refused(Refusal(itemId: rollout.itemId, entity: entity, code: code, message: message))
        }
        guard let item = try items(in: [.applied], connection).first(where: { $0.id == rollout.itemId }), item.entity == entity else {
            return refuse(.unknownItem, "the rollout of \(entity) names item \(rollout.itemId), which is not an applied change of it; run `schema drift`")
        }
        if let problem = integrityProblem(of: item) { return .refused(problem) }
        guard Checksum(of: rollout.from).hex == item.fromChecksum else {
            return refuse(.structureChanged, "the recorded structure of \(entity) before the change does not hash to the approved one (an edited registry row); nothing runs")
        }
        guard inputs.applied[entity]?.checksum.hex == item.toChecksum else {
            return refuse(.baseChanged, "the applied structure of \(entity) is not the result of \(item.id) any more; nothing runs. Run `schema drift`")
        }
        let renderer = MigrationSQLRenderer(dialect: connection.dialect, primaryKeys: inputs.primaryKeys(with: item.structure), identity: inputs.context.identity,
                                            hostEnums: inputs.context.host?.enumTypesInDatabase ?? [])
        let derived = DerivedChange(from: rollout.from, to: item.structure, renames: item.renames, renderer: renderer, rollout: connection.dialect.rollsOut)
        guard item.format == PinnedSQL.currentFormat, derived.statements == item.statements, derived.checks == item.checks, derived.isRolledOut else {
            return refuse(.modifiedAfterApproval, "the SQL stored with \(item.id) is not what its structures give; nothing of its contract or rollback runs")
        }
        if let trustedKeys {
            let approval = try approvalRecords(itemIds: [item.id], connection)[item.id]
            guard let approval, let nonce = approval["nonce"]?.text, let signature = approval["signature"]?.text,
                  let keyText = approval["public_key"]?.text, let key = trustedKeys.first(where: { $0.encoded == keyText }),
                  ApprovalSignature.isValid(signature, of: item.claim(nonce: nonce), publicKey: key.publicKey)
            else {
                return refuse(.notSigned, "the approval of \(item.id) is not signed by a trusted key over this change (its SQL, contract and rollback included)")
            }
        }
        let keys = PrimaryKeys.of(host: inputs.context.host, entities: inputs.applied.values.map(\.structure) + [rollout.from] + (item.structure.map { [$0] } ?? []))
        return .verified(VerifiedRollout(rollout: rollout, item: item, derived: derived, primaryKeys: keys))
    }

    /// The open rollouts that verify, by entity, for reports (`drift`): one that does not is
    /// left out, so its table is compared with its snapshot and the difference shows.
    static func verifiedRollouts(context: RenderContext, _ connection: any RegistryConnection) throws -> [String: VerifiedRollout] {
        let open = try openRollouts(connection)
        guard !open.isEmpty else { return [:] }
        let inputs = try DerivationInputs.read(context: context, others: [], connection)
        var verified: [String: VerifiedRollout] = [:]
        for rollout in open.values {
            if case .verified(let checked) = try verify(rollout, inputs: inputs, trustedKeys: nil, connection) {
                verified[rollout.entity] = checked
            }
        }
        return verified
    }
}
