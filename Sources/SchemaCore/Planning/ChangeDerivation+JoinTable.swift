extension DerivedChange {
    /// A many-to-many's join table whose name changes with a side's (`_PostToTag` to
    /// `_CategoryToPost`), from and to as the database has them: the table Prisma Migrate makes
    /// under the new name, the rows copied into it (each column taking the other's values when
    /// the sides swap), the old table dropped. Copying rather than renaming in place gives the
    /// new table every name Prisma gives it (key, index, foreign keys) and its columns in
    /// Prisma's order, on both databases. On PostgreSQL the copy runs online in batches while a
    /// trigger mirrors the running version's writes (``MigrationSQLRenderer/mirroredJoinCopy(from:to:swapped:)``),
    /// and the old table is dropped in the item's last transaction; on SQLite (one writer) the
    /// copy and the drop are in the transaction. Row-level security policies the host put
    /// on the old table would not follow (their expressions name the columns, which may swap): the
    /// move is refused while there are any. Rolled out, the old name stays a view
    /// over the new table (its columns swapped back) until the contract drops it. When only the
    /// relation's name changed (its sides are the same tables), the way back is the same move
    /// the other way (the view dropped first). When a side was renamed there is none: the old
    /// table would reference its sides' old names, views until their renames are rolled back,
    /// which are refused while the join table references them; `rollback` refuses it with the reason.
    static func movingJoinTable(from: CanonicalEntity, to: CanonicalEntity, swapped: Bool, renderer: MigrationSQLRenderer, rollout: Bool) -> DerivedChange {
        func move(_ a: CanonicalEntity, _ b: CanonicalEntity) -> [SQLStatement] {
            renderer.render(MigrationStep(from: nil, to: b, operations: TableDiff.operations(from: nil, to: b))).statements
                + renderer.copyJoinRows(from: a.name, to: b.name, swapped: swapped)
                + renderer.render(MigrationStep(from: a, to: nil, operations: TableDiff.operations(from: a, to: nil))).statements
        }
        // PostgreSQL: the new table and a trigger mirroring the old one's writes in the first
        // transaction, the pairs copied online, the old table dropped in the last transaction.
        func moveOnline(_ a: CanonicalEntity, _ b: CanonicalEntity) -> [SQLStatement] {
            renderer.render(MigrationStep(from: nil, to: b, operations: TableDiff.operations(from: nil, to: b))).statements
                + renderer.mirroredJoinCopy(from: a.name, to: b.name, swapped: swapped)
                + renderer.render(MigrationStep(from: a, to: nil, operations: TableDiff.operations(from: a, to: nil))).statements.map(\.finishing)
                + [renderer.dropJoinMirror(from: a.name)]
        }
        let online = renderer.dialect == .postgresql
        let operations: [SchemaOperation] = [.moveJoinTable(from: from.name, to: to.name, swapped: swapped)]
        var change = DerivedChange(operations: operations, risks: MigrationPlanner.risks(of: operations, creating: false),
                                   statements: (online ? moveOnline(from, to) : move(from, to)).ordered(),
                                   checks: online ? [renderer.policiesLeftBehind(from.name, movingTo: to.name, swapped: swapped)] : [])
        if rollout && renderer.dialect == .postgresql {
            let dropView = renderer.dropCompatibilityView(from.name)
            change.incompatibilities = [Rollout.Incompatibility(.renamedEntity, "\(from.name) → \(to.name)")]
            // The view takes the old name once the old table is gone, in the last transaction.
            change.statements += renderer.compatibilityView(from, over: to.name, swapped: swapped).map(\.finishing)
                + [dropView.inPart(.contract)]
            if JoinTables.sameSides(from, to) {
                change.statements += [dropView.inPart(.rollback)] + move(to, from).map { $0.inPart(.rollback) }
                change.checks.append(renderer.policiesLeftBehind(to.name, movingTo: from.name, swapped: false).inPart(.rollback))
            }
            // The view keeps the old name working: the rename breaks no client of the running version.
            change.risks = []
        }
        change.risks += MigrationPlanner.rewriteRisks(of: change.statements.filter { $0.part != .rollback })
        return change
    }

    init(operations: [SchemaOperation], risks: [OperationRisk], statements: [SQLStatement], checks: [DataCheck] = []) {
        self.operations = operations
        self.risks = risks
        self.statements = statements
        self.checks = checks
    }
}
