import SchemaCore

/// The verified inputs every derivation of one transaction shares: the applied snapshots (each
/// re-hashed against its checksum when read), the workspace's render context, and the structures
/// whose primary keys relations may reference.
struct DerivationInputs: Sendable {
    /// Entity name → applied snapshot, read under the registry lock.
    var applied: [String: AppliedEntity]
    /// The host's keys and the identity setting, from the workspace.
    var context: RenderContext
    /// Table → primary-key column of the host's models, the applied structures and the others
    /// (what the packages want, or the queued structures), computed once: every derivation of
    /// the transaction reads it.
    var primaryKeys: [String: String]

    /// Reads the applied snapshots on `connection` (each re-hashed; an edited one throws).
    static func read(context: RenderContext, others: [CanonicalEntity], _ connection: any RegistryConnection) throws -> DerivationInputs {
        let applied = Dictionary(try Registry.appliedEntities(connection).map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
        return DerivationInputs(applied: applied, context: context,
                                primaryKeys: primaryKeys(context: context, applied: applied.values.map(\.structure), others: others))
    }

    /// The primary keys every derivation of a transaction reads: the host's, then the applied
    /// structures', then `others`'.
    static func primaryKeys(context: RenderContext, applied: [CanonicalEntity], others: [CanonicalEntity]) -> [String: String] {
        PrimaryKeys.of(host: context.host, entities: applied + others)
    }

    /// The primary keys with `structure`'s own, which wins (copied only when it differs).
    func primaryKeys(with structure: CanonicalEntity?) -> [String: String] {
        guard let structure, let key = structure.inDatabase.primaryKey?.name, primaryKeys[structure.name] != key else { return primaryKeys }
        var keys = primaryKeys
        keys[structure.name] = key
        return keys
    }
}

/// What a queue item runs, or why it may not run.
enum Derivation: Sendable {
    case runs(DerivedChange)
    case refused(Refusal)
}

extension Registry {
    /// What `item` runs, derived again from verified inputs, or why it cannot be what it says.
    ///
    /// Nothing executable is taken from the row: the stored structure must hash to the item's
    /// checksum, the from-structure is the applied snapshot (re-hashed) or, for a repair, the live
    /// table read now, and the statements and data checks are rendered from them with the item's
    /// action and rename hints. The stored SQL must be exactly that rendering (its hash equal to the
    /// item's pinned hash); it is kept for display and audit only. The caller runs the returned
    /// derivation, never the row's text.
    ///
    /// - Parameter liveCheck: whether a repair's live table must still be the one it was planned
    ///   from (false once its first transaction committed and changed the table).
    static func derive(_ item: QueueItem, _ inputs: DerivationInputs, liveCheck: Bool = true,
                       _ connection: any RegistryConnection) throws -> Derivation {
        try derive([item], inputs, liveCheck: liveCheck, connection)[0]
    }

    /// ``derive(_:_:liveCheck:_:)`` for each of `items`, in order. The live tables of repairs are
    /// read first, on `connection`; the rest reads nothing and runs on every core (a start with
    /// 1,000 approved items renders and hashes 1,000 changes).
    static func derive(_ items: [QueueItem], _ inputs: DerivationInputs, liveCheck: Bool = true,
                       _ connection: any RegistryConnection) throws -> [Derivation] {
        let bases = try repairBases(items, inputs, liveCheck: liveCheck, connection), dialect = connection.dialect
        return Parallel.map(items) { item in derivation(of: item, inputs, dialect: dialect, repairBase: bases[item.id]) }
    }

    /// ``derive(_:_:liveCheck:_:)`` on another thread, in order, while the caller takes each
    /// derivation as soon as it is there (``DerivationStream``). The live tables of repairs are
    /// read first, on `connection`; `whenDone` runs on that thread after the last derivation.
    static func deriveInOrder(_ items: [QueueItem], _ inputs: DerivationInputs, liveCheck: Bool = true,
                              whenDone: @escaping @Sendable () -> Void, _ connection: any RegistryConnection) throws -> DerivationStream {
        let bases = try repairBases(items, inputs, liveCheck: liveCheck, connection), dialect = connection.dialect
        return DerivationStream(count: items.count, whenDone: whenDone) { range, width in
            Parallel.map(Array(items[range]), width: width) { item in derivation(of: item, inputs, dialect: dialect, repairBase: bases[item.id]) }
        }
    }

    /// The live tables of the repairs among `items`, read on `connection`, by item id.
    static func repairBases(_ items: [QueueItem], _ inputs: DerivationInputs, liveCheck: Bool,
                            _ connection: any RegistryConnection) throws -> [String: RepairBase] {
        var bases: [String: RepairBase] = [:]
        for item in items where item.action == .repair {
            if let snapshot = inputs.applied[item.entity]?.structure {
                bases[item.id] = try repairBase(item, snapshot: snapshot, inputs, liveCheck: liveCheck, connection)
            }
        }
        return bases
    }

    /// What a repair is derived from: the live table, read now under the lock (never a stored
    /// claim), as the applied snapshot's terms describe it, or why it cannot be.
    enum RepairBase: Sendable {
        /// The live table as a structure, and what of it the structure cannot show.
        case live(CanonicalEntity, DriftRepair.Unexpressed)
        case refused(SchemaError.Code, String)
    }

    static func repairBase(_ item: QueueItem, snapshot: CanonicalEntity, _ inputs: DerivationInputs, liveCheck: Bool,
                           _ connection: any RegistryConnection) throws -> RepairBase {
        guard liveCheck else {
            return .refused(.baseChanged, "a repair whose first transaction ran cannot be checked against the live table again; run `schema drift --queue` again")
        }
        guard let live = try LiveSchema.shape(of: snapshot.tableName, connection) else {
            return .refused(.baseChanged, "the table \(TerminalText.escape(item.entity, limit: 80)) no longer exists; run `schema drift` again")
        }
        let keys = inputs.primaryKeys(with: item.structure)
        let approximation = LiveEntity.approximate(live, snapshot: snapshot, dialect: connection.dialect, primaryKeys: keys).entity
        guard Checksum(of: approximation).hex == item.repairOf else {
            return .refused(.baseChanged, "the table changed again since this repair was planned; run `schema drift --queue` again")
        }
        return .live(approximation, DriftRepair.Unexpressed(live, snapshot: snapshot, dialect: connection.dialect))
    }

    /// The pure part of ``derive(_:_:liveCheck:_:)``: the checks in their order, then the rendering.
    static func derivation(of item: QueueItem, _ inputs: DerivationInputs, dialect: SQLDialect, repairBase: RepairBase?) -> Derivation {
        func refuse(_ code: SchemaError.Code, _ message: String) -> Derivation {
            .refused(Refusal(itemId: item.id, entity: item.entity, code: code, message: message))
        }
        if let problem = integrityProblem(of: item) { return .refused(problem) }
        guard item.dialect == dialect else {
            return refuse(.dialectMismatch, "planned for \(item.dialect.rawValue), but the database is \(dialect.rawValue)")
        }
        if let problem = shapeProblem(of: item) { return refuse(.structureChanged, problem + ": the row was edited in the database; run `schema scan` again") }
        let applied = inputs.applied[item.appliedName]
        guard applied?.checksum.hex == item.fromChecksum else {
            return refuse(.baseChanged, "the applied structure of \(TerminalText.escape(item.appliedName, limit: 80)) changed since this item was planned; run scan again")
        }
        if item.renamedFrom != nil, inputs.applied[item.entity] != nil {
            return refuse(.baseChanged, "\(TerminalText.escape(item.entity, limit: 80)) is applied already, so nothing can be renamed to it; run scan again")
        }
        let renderer = MigrationSQLRenderer(dialect: dialect, primaryKeys: inputs.primaryKeys(with: item.structure), identity: inputs.context.identity,
                                            hostEnums: inputs.context.host?.enumTypesInDatabase ?? [])
        let derived: DerivedChange
        if item.action == .repair, applied != nil, let snapshot = item.structure {
            switch repairBase {
            // A repair restores the applied structure: nothing of it is left for later.
            case .live(let live, let unexpressed): derived = DriftRepair.derive(from: live, unexpressed: unexpressed, to: snapshot, renderer: renderer)
            case .refused(let code, let message): return refuse(code, message)
            case nil: return refuse(.baseChanged, "the live table of this repair was not read; run `schema drift --queue` again")
            }
        } else if item.action == .drop, let snapshot = applied?.structure {
            derived = DerivedChange.removing(snapshot, host: inputs.context.host, renderer: renderer, rollout: inputs.context.rollsOut(on: dialect))
        } else {
            derived = DerivedChange(from: applied?.structure, to: item.structure, renames: item.renames, renderer: renderer,
                                    rollout: inputs.context.rollsOut(on: dialect))
        }
        // The stored text hashes to the item's pin (``integrityProblem(of:)``): equal to the
        // derivation, the derivation has that pin too, without hashing it again.
        guard item.format == PinnedSQL.currentFormat, derived.statements == item.statements, derived.checks == item.checks else {
            return refuse(.modifiedAfterApproval,
                          "the SQL stored with this item is not what its structures give (it was edited in the database, planned by another version of schema, "
                            + "or the host's keys, the identity or the deploys setting changed since); nothing of it runs. Run `schema scan` and approve again")
        }
        return .runs(derived)
    }

    /// Why an item's action does not fit its checksums and fields, or nil when it does.
    static func shapeProblem(of item: QueueItem) -> String? {
        switch item.action {
        case .create:
            if item.fromChecksum != nil || item.structure == nil { return "a create must start from no table and make a structure" }
        case .alter:
            if item.fromChecksum == nil || item.structure == nil || item.fromChecksum == item.toChecksum { return "an alter must change an applied structure into another" }
        case .drop:
            if item.fromChecksum == nil || item.toChecksum != nil || item.structure != nil { return "a drop must remove an applied structure" }
            if !item.renames.isEmpty { return "a drop has no renames" }
        case .repair:
            if item.fromChecksum == nil || item.fromChecksum != item.toChecksum || item.structure == nil || item.repairOf == nil {
                return "a repair must restore the applied structure from a recorded live table"
            }
            if !item.renames.isEmpty { return "a repair has no renames" }
        }
        if item.action != .repair, item.repairOf != nil { return "only a repair records a live table" }
        // A join table's name is `_` and an identifier (`_PostToTag`).
        let joinTable = item.structure?.isJoinTable == true
        if let previous = item.renamedFrom, item.action != .alter || previous == item.entity
            || !Identifier.isValid(joinTable && previous.hasPrefix("_") ? String(previous.dropFirst()) : previous) {
            return "only an alter renames an entity, from another valid name"
        }
        return nil
    }
}
