/// What one change runs and risks, derived from its structures: the only source of executable SQL.
///
/// Scan plans with it, approval derives again with it, and apply runs what it derives at that
/// moment from verified inputs (re-hashed snapshots and structures); the SQL stored with a queue
/// item is only shown, and a stored text that differs from the derivation is refused.
public struct DerivedChange: Hashable, Sendable {
    public var operations: [SchemaOperation]
    public var risks: [OperationRisk]
    public var statements: [SQLStatement]
    public var checks: [DataCheck]

    /// The hash an approval pins for this derivation (``PinnedSQL``, current format).
    public var sqlHash: String { PinnedSQL.hash(statements, checks: checks, format: PinnedSQL.currentFormat) }

    /// Whether approving needs `--allow-data-loss`.
    public var isDestructive: Bool { risks.contains { $0.kind == .destructive } }

    /// What the version still running does not tolerate; empty when the change applies whole at
    /// the start (``Rollout``).
    public var incompatibilities: [Rollout.Incompatibility] = []

    /// Whether part of the change waits for `schema complete`.
    public var isRolledOut: Bool { statements.contains { $0.part == .contract } }

    /// The change from `from` (nil: the table does not exist) to `to` (nil: it is dropped), with
    /// the rename hints it was planned with, rendered by `renderer`. Pure.
    ///
    /// - Parameter rollout: split a change the running version does not tolerate into expand,
    ///   contract and rollback (``Rollout``); a change with a rename a rollout cannot keep both
    ///   columns of (``Rollout/canRollOut(from:to:renames:)``) applies whole.
    ///
    /// The structures are taken as the database has them (``CanonicalEntity/inDatabase``): a field
    /// whose `map:` changes is its column renamed.
    public init(from: CanonicalEntity?, to: CanonicalEntity?, renames: [String: String] = [:], renderer: MigrationSQLRenderer, rollout: Bool = false) {
        if let from, let to, from.isJoinTable, to.isJoinTable, from.name != to.name {
            self = Self.movingJoinTable(from: from.inDatabase(for: renderer.dialect), to: to.inDatabase(for: renderer.dialect),
                                        swapped: renames == JoinTables.swappedSides, renderer: renderer, rollout: rollout)
            return
        }
        let renames = Self.columnRenames(from: from, to: to, renames: renames)
        let from = from?.inDatabase(for: renderer.dialect)
        let to = to?.inDatabase(for: renderer.dialect)
        if let from, let to, from.name != to.name {
            self = Self.renamingTable(from: from, to: to, renames: renames, renderer: renderer, rollout: rollout)
            return
        }
        operations = TableDiff.operations(from: from, to: to, renames: renames)
        // A new table has no rows: nothing about it can fail on existing data or lose any.
        risks = MigrationPlanner.risks(of: operations, creating: from == nil)
        if rollout, let from, Rollout.canRollOut(from: from, to: to, renames: renames),
           case let found = Rollout.incompatibilities(from: from, to: to, renames: renames), !found.isEmpty {
            incompatibilities = found
            let parts = Self.parts(from: from, to: to, renames: renames, renderer: renderer)
            statements = parts.statements
            checks = parts.checks
        } else {
            let rendered = renderer.render(MigrationStep(from: from, to: to, operations: operations))
            statements = rendered.statements
            checks = rendered.checks
        }
        risks += MigrationPlanner.rewriteRisks(of: statements.filter { $0.part != .rollback })
    }

    /// A change whose table is renamed (`renamedFrom:` on the entity, or a changed `map:`), from
    /// and to as the database has them: the table renamed first, with every name that follows it
    /// (``MigrationSQLRenderer/renameTable(from:to:phase:)``), then the rest of the change on the
    /// renamed table. Rolled out, the old name stays a view over the renamed table (its old
    /// columns) until the contract drops it; the rollback drops it and renames everything back
    /// last. The data checks the start asks are asked before the rename, of the old name.
    static func renamingTable(from: CanonicalEntity, to: CanonicalEntity, renames: [String: String], renderer: MigrationSQLRenderer, rollout: Bool) -> DerivedChange {
        var moved = from
        moved.name = to.name
        var oldNamed = to
        oldNamed.name = from.name
        let keepsOldColumns = Set(from.fields.map(\.name)).isSubset(of: Rollout.expanded(from: moved, to: to, renames: renames).fields.map(\.name))
        let rollsOut = rollout && keepsOldColumns && Rollout.canRollOut(from: moved, to: to, renames: renames)
        // The same change without the rename: what the start's checks ask of the table under its old name.
        let asked = DerivedChange(from: from, to: oldNamed, renames: renames, renderer: renderer, rollout: rollsOut).checks.filter { $0.part == .expand }
        var change = DerivedChange(from: moved, to: to, renames: renames, renderer: renderer, rollout: false)
        change.operations.insert(.renameTable(from: from.name, to: to.name), at: 0)
        let renaming = renderer.renameTable(from: from, to: moved)
        if rollsOut {
            let parts = parts(from: moved, to: to, renames: renames, renderer: renderer)
            let dropView = renderer.dropCompatibilityView(from.name)
            change.incompatibilities = [Rollout.Incompatibility(.renamedEntity, "\(from.name) → \(to.name)")] + Rollout.incompatibilities(from: moved, to: to, renames: renames)
            change.statements = renaming + parts.statements + renderer.compatibilityView(from, over: to.name)
                + [dropView.inPart(.contract), dropView.inPart(.rollback)]
                + renderer.renameTable(from: moved, to: from, phase: .renameTablesBack).map { $0.inPart(.rollback) }
            change.checks = asked + parts.checks.filter { $0.part != .expand }
            // The view keeps the old name working: the rename breaks no client of the running version.
            change.risks = MigrationPlanner.risks(of: Array(change.operations.dropFirst()), creating: false)
        } else {
            change.statements = renaming + change.statements
            change.checks = asked
            change.risks = MigrationPlanner.risks(of: change.operations, creating: false)
        }
        change.risks += MigrationPlanner.rewriteRisks(of: change.statements.filter { $0.part != .rollback })
        return change
    }

    /// The table between the expand and the contract of the change from `from` to `to`, as the
    /// database has it (``Rollout/expanded(from:to:renames:)`` of the structures ``init`` renders).
    public static func expandedTable(from: CanonicalEntity, to: CanonicalEntity, renames: [String: String]) -> CanonicalEntity {
        // A join table moved under a new name is the new table from the expand on (the old name a view).
        if from.isJoinTable, to.isJoinTable, from.name != to.name { return to.inDatabase }
        return Rollout.expanded(from: from.inDatabase, to: to.inDatabase, renames: columnRenames(from: from, to: to, renames: renames))
    }

    /// The rename hints (new field → old field) as columns, with a field whose `map:` changes
    /// renamed from its old column to its new one.
    static func columnRenames(from: CanonicalEntity?, to: CanonicalEntity?, renames: [String: String]) -> [String: String] {
        guard let from, let to else { return renames }
        var columns: [String: String] = [:]
        for field in to.fields {
            // A hint counts as TableDiff counts it: the old field exists and neither name is in both.
            let hinted = renames[field.name].flatMap { old in
                from.field(named: field.name) == nil && to.field(named: old) == nil ? from.field(named: old) : nil
            }
            guard let before = hinted ?? from.field(named: field.name) else { continue }
            let old = before.name
            let (oldColumn, newColumn) = (before.column ?? before.name, field.column ?? field.name)
            if old != field.name || oldColumn != newColumn { columns[newColumn] = oldColumn }
        }
        return columns
    }

    /// The three parts of a rolled-out change: old → expanded (the start), expanded → new
    /// (`complete`; row-level security was installed by the expand), expanded → old (`rollback`).
    /// A dropped table is all contract: the expand leaves it as it is. Renamed fields add the
    /// trigger that keeps both columns equal and the copy of the old column's values to the expand;
    /// widened fields fill their shadows through the same trigger and copy, and the swap opens the
    /// contract. Both add the trigger's removal to the contract and the rollback, before either drops a column.
    static func parts(from: CanonicalEntity, to: CanonicalEntity?, renames: [String: String], renderer: MigrationSQLRenderer) -> RenderedStep {
        func render(_ a: CanonicalEntity?, _ b: CanonicalEntity?, _ part: SQLStatement.Part) -> RenderedStep {
            let rendered = renderer.render(MigrationStep(from: a, to: b, operations: TableDiff.operations(from: a, to: b)))
            let statements = rendered.statements.filter { part != .contract || $0.phase != .rowLevelSecurity }
            return RenderedStep(statements: statements.map { $0.inPart(part) }, checks: rendered.checks.map { $0.inPart(part) })
        }
        guard let to else { return render(from, nil, .contract) }
        let expanded = Rollout.expanded(from: from, to: to, renames: renames)
        var steps = [render(from, expanded, .expand), render(expanded, to, .contract), render(expanded, from, .rollback)]
        let key = to.keyColumns.isEmpty ? ["id"] : to.keyColumns
        let widened = Rollout.widenedFields(from: from, to: to, renames: renames)
        let pairs = Rollout.renamedFields(from: from, to: to, renames: renames)
        if !widened.isEmpty || !pairs.isEmpty {
            steps[0].statements += renderer.columnSync(table: to.name, pairs: pairs, widened: widened, key: key).map { $0.inPart(.expand) }
        }
        let keyIndex = Rollout.keyShadowIndex(widened: widened, in: to)
        if !widened.isEmpty {
            let swapped = Rollout.swapped(expanded, widened: widened, new: to)
            let contract = render(swapped, to, .contract)
            let attached = keyIndex.map { index in
                renderer.attachKey(table: to.name, fields: widened.filter(to.keyColumns.contains), index: index,
                                   constraint: ConstraintName.primaryKey(of: to, in: renderer.dialect))
            } ?? []
            steps[1] = RenderedStep(statements: renderer.swapWidenedColumns(table: to.name, fields: widened, expanded: expanded, swapped: swapped).map { $0.inPart(.contract) }
                                        + contract.statements + attached.map { $0.inPart(.contract) }, checks: contract.checks)
        }
        for (index, part, dropped) in [(1, SQLStatement.Part.contract, Array(pairs.values)), (2, .rollback, Array(pairs.keys) + widened.map(Rollout.shadowName))] {
            // The column a renamed field leaves behind loses no value: the other one holds each
            // (as the int column holds every value of the shadow a rollback drops).
            let kept = Set(dropped.map { renderer.columnDeletions(table: to.name, column: $0).inPart(part) })
            steps[index].checks.removeAll { kept.contains($0) }
        }
        // Either way the trigger goes first of all in the contract and the rollback, before any column.
        if !widened.isEmpty || !pairs.isEmpty {
            for (index, part) in [(1, SQLStatement.Part.contract), (2, .rollback)] {
                steps[index].statements = renderer.dropColumnSync(table: to.name).map { $0.inPart(part) } + steps[index].statements
            }
        }
        // Before anything, the locks of the tables whose foreign keys go, all at once.
        for (index, part, end, swaps) in [(1, SQLStatement.Part.contract, to, widened), (2, .rollback, from, [])] {
            let dropped = Rollout.droppedForeignKeys(from: expanded, to: end, swapping: swaps)
            if let lock = renderer.lockAtOnce(table: to.name, relations: dropped, keyWidened: part == .contract && keyIndex != nil) {
                steps[index].statements.insert(lock.inPart(part), at: 0)
            }
        }
        return RenderedStep(statements: steps.flatMap(\.statements), checks: steps.flatMap(\.checks))
    }
}

/// What rendering needs besides the structures: the host's primary keys and where row-level
/// security reads the acting user from. Both come from the workspace (base schema, configuration),
/// never from a registry row.
public struct RenderContext: Hashable, Sendable {
    /// The host's base schema, for the primary keys of host models that relations reference.
    public var host: PrismaSchema?
    /// Where row-level security policies read the acting user from.
    public var identity: IdentitySource
    /// How the host deploys: whether changes the running version does not tolerate are rolled out.
    public var deploys: Rollout.DeployStrategy

    /// A context; without a host schema, host tables are taken to have the key `id`.
    public init(host: PrismaSchema? = nil, identity: IdentitySource = .settings, deploys: Rollout.DeployStrategy = .rolling) {
        self.host = host
        self.identity = identity
        self.deploys = deploys
    }

    /// Whether changes are rolled out on `dialect`.
    public func rollsOut(on dialect: SQLDialect) -> Bool { dialect.rollsOut && deploys == .rolling }
}
