/// The planner: compares what packages want with what the registry says is applied, and plans
/// one change per entity that differs, with its operations (``TableDiff``), risks and SQL.
public enum MigrationPlanner {
    /// The changes, creates and alters in dependency order (referenced tables first), drops last.
    public static func plan(desired: [DesiredEntity], applied: [AppliedEntity], dialect: SQLDialect, host: PrismaSchema?,
                            identity: IdentitySource = .settings, deploys: Rollout.DeployStrategy = .rolling) -> [PlannedChange] {
        let rollout = RenderContext(deploys: deploys).rollsOut(on: dialect)
        let primaryKeys = PrimaryKeys.of(host: host, entities: applied.map(\.structure) + desired.map(\.structure))
        let renderer = MigrationSQLRenderer(dialect: dialect, primaryKeys: primaryKeys, identity: identity, hostEnums: host?.enumTypesInDatabase ?? [])
        let appliedByName = Dictionary(applied.map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
        let desiredNames = Set(desired.map(\.structure.name))
        let renamedFrom = entityRenames(desired: desired, applied: applied)
        let hints = renameHints(desired)
        let renamedNames = Set(renamedFrom.values)

        var changes: [PlannedChange] = []
        for entity in dependencyOrder(desired) {
            let previous = renamedFrom[entity.structure.name]
            let before = appliedByName[previous ?? entity.structure.name]
            if before?.checksum == entity.checksum && previous == nil { continue }
            var renames = entity.renames
            if let before, JoinTables.sidesSwap(from: before.structure, to: entity.structure, hints: hints) { renames = JoinTables.swappedSides }
            let derived = DerivedChange(from: before?.structure, to: entity.structure, renames: renames, renderer: renderer, rollout: rollout)
            var change = PlannedChange(
                id: PlannedChange.id(entity: entity.structure.name, from: before?.checksum, to: entity.checksum),
                entity: entity.structure.name, action: before == nil ? .create : .alter, packages: entity.packages,
                fromChecksum: before?.checksum, toChecksum: entity.checksum, structure: entity.structure,
                derived: derived, renames: renames)
            change.renamedFrom = previous
            changes.append(change)
        }
        for entity in applied.sorted(by: { $0.structure.name < $1.structure.name })
        where !desiredNames.contains(entity.structure.name) && !renamedNames.contains(entity.structure.name) {
            let removal = DerivedChange.removing(entity.structure, host: host, renderer: renderer, rollout: rollout)
            changes.append(PlannedChange(
                id: PlannedChange.id(entity: entity.structure.name, from: entity.checksum, to: nil, handsBack: removal.operations.contains(where: \.handsBackTable)),
                entity: entity.structure.name, action: .drop, packages: entity.packages, fromChecksum: entity.checksum, toChecksum: nil,
                structure: nil, derived: removal))
        }
        return changes
    }

    /// The `renamedFrom:` hints of `desired` (new name → old name), whether they hold or not.
    static func renameHints(_ desired: [DesiredEntity]) -> [String: String] {
        Dictionary(desired.compactMap { entity in entity.renamedFrom.map { (entity.structure.name, $0) } }, uniquingKeysWith: { first, _ in first })
    }

    /// New entity name → the applied name it takes over: the `renamedFrom:` hints that hold, i.e.
    /// the entity is not applied under its own name, the old name is applied and no package wants
    /// it any more, and no other entity claims it (then neither does: which one is meant is unclear);
    /// and the join tables of many-to-many relations whose names follow those renames.
    public static func entityRenames(desired: [DesiredEntity], applied: [AppliedEntity]) -> [String: String] {
        let appliedNames = Set(applied.map(\.structure.name))
        let desiredNames = Set(desired.map(\.structure.name))
        let hints = renameHints(desired)
        let claims = hints.filter { new, old in !appliedNames.contains(new) && appliedNames.contains(old) && !desiredNames.contains(old) }
        let claimants = Dictionary(grouping: claims, by: \.value)
        var renames = claims.filter { claimants[$0.value]?.count == 1 }
        // A many-to-many's join table named after its sides follows their renames.
        for join in desired where join.structure.isJoinTable && !appliedNames.contains(join.structure.name) {
            let found = JoinTables.previousNames(of: join.structure, hints: hints).filter { appliedNames.contains($0) && !desiredNames.contains($0) }
            if found.count == 1 { renames[join.structure.name] = found[0] }
        }
        return renames
    }

    /// Changes that cannot be planned yet, as messages: the scan refuses them instead of planning
    /// something else. A renamed entity whose named many-to-many join table keeps its name but
    /// swaps its sides. Changes of a compound primary key (to, from or between keys of several fields), and
    /// of scalar lists: any on SQLite (no arrays; Prisma has no lists there), a list becoming one
    /// value, element conversions ``listChangeIsPlannable(from:to:)`` does not plan, and removing
    /// or reordering values of an enum type a list uses (the type is made again, which converts
    /// scalar columns only).
    public static func unplannableChanges(desired: [DesiredEntity], applied: [AppliedEntity], dialect: SQLDialect = .postgresql) -> [String] {
        let appliedByName = Dictionary(applied.map { ($0.structure.name, $0.structure) }, uniquingKeysWith: { first, _ in first })
        var messages: [String] = []
        let listEnums = Set((desired.map(\.structure) + applied.map(\.structure)).flatMap(\.fields).filter(\.list).compactMap(\.enumType))
        // The values each enum type has in the database now.
        var appliedValues: [String: [String]] = [:]
        for field in applied.flatMap(\.structure.fields) {
            if let type = field.enumType { appliedValues[type] = field.enumValues ?? [] }
        }
        let renamedFrom = entityRenames(desired: desired, applied: applied)
        let hints = renameHints(desired)
        for entity in desired {
            let before = appliedByName[renamedFrom[entity.structure.name] ?? entity.structure.name]
            // A named join table keeps its name when a side is renamed, but its sides may swap:
            // the copy that swaps them needs a new name (``DerivedChange/movingJoinTable(from:to:swapped:renderer:rollout:)``).
            if renamedFrom[entity.structure.name] == nil, let before, JoinTables.sidesSwap(from: before, to: entity.structure, hints: hints) {
                messages.append("join table \(entity.structure.name): the renamed side now sorts first, so its columns A and B would swap, which schema cannot plan yet "
                                + "for a relation with a relationName; keep the entity's name")
            }
            // A relation's `renamedFrom:` may name any applied join table: its pairs move only
            // between the same two entities (under their old names), or the copy would break
            // the foreign keys, or join unrelated rows.
            if let previous = renamedFrom[entity.structure.name], let before, entity.structure.isJoinTable, before.isJoinTable {
                let joined = { (join: CanonicalEntity) in join.relations.map(\.target).sorted() }
                // Each side the same entity, or the one it was renamed from (a hint applied
                // earlier may stay in the file).
                let same = { (side: String, old: String) in side == old || hints[side] == old }
                let (now, then) = (joined(entity.structure), joined(before))
                let paired = now.count == 2 && then.count == 2
                    && (same(now[0], then[0]) && same(now[1], then[1]) || same(now[0], then[1]) && same(now[1], then[0]))
                if !paired {
                    messages.append("join table \(entity.structure.name): renamedFrom names \(previous), which joins \(joined(before).joined(separator: " and ")), "
                                    + "not \(joined(entity.structure).joined(separator: " and ")); name the join table of the same two entities, or leave renamedFrom out to drop it")
                }
            }
            for field in entity.structure.fields {
                let old = before?.field(named: entity.renames[field.name] ?? field.name)
                // PostgreSQL refuses a value added to an existing type until it is committed; a new
                // column or table that defaults to one would fail the start (a changed default waits
                // for the item's last transaction instead).
                if dialect == .postgresql, let type = field.enumType, old?.enumType != type, case .string(let value)? = field.defaultValue,
                   let existing = appliedValues[type], !existing.contains(value),
                   case .added = EnumTypeChange(from: existing, to: field.enumValues ?? []) {
                    messages.append("\(entity.structure.name).\(field.name): its default \(value) is a value this change adds to the enum \(type), which PostgreSQL lets a new column use "
                                    + "only once the value is committed; add \(value) in one change (scan, approve, apply), then the field that defaults to it")
                }
                if field.list && dialect == .sqlite && old?.list != true {
                    messages.append("\(entity.structure.name).\(field.name): a list (\(field.enumType ?? field.type.prismaType)[]) needs PostgreSQL; SQLite has no arrays and Prisma no lists on it")
                } else if let old = old?.enumInDatabase, old.list || field.list, !listChangeIsPlannable(from: old, to: field.enumInDatabase) {
                    messages.append("\(entity.structure.name).\(field.name): " + (old.list != field.list
                        ? "a value and a list convert into each other only with the same element type; change the type in a change of its own"
                        : "this change of a list's element type cannot be planned yet (planned: between numeric types except float and decimal, into or out of an enum type, any to string, string to a number, boolean or datetime); add a new field instead"))
                }
                // In the database's terms: a label changed is a value removed.
                if let type = field.enumType, listEnums.contains(type), let old, old.enumType == type,
                   EnumTypeChange(from: old.enumInDatabase.enumValues ?? [], to: field.enumInDatabase.enumValues ?? []) == .recreated {
                    messages.append("\(entity.structure.name).\(field.name): the enum \(type) loses or reorders values, and a list uses it; only adding values can be planned for it yet")
                }
            }
            if let message = unplannableTable(before: before, after: entity.structure) { messages.append(message) }
        }
        return Array(Set(messages)).sorted()
    }

    /// Whether a change of or into a list field (PostgreSQL arrays) can be planned: a value that
    /// becomes a list of one of the same type, a list that becomes its one element (rows holding
    /// more are counted first), or a list whose elements are converted the way a single value
    /// would be: `int` to `bigint`, `float` or `decimal`, `bigint` to `decimal`, into, out of or
    /// between enum types, anything to a plain `string`, text to `int`, `bigint`, `float`, `decimal`,
    /// `boolean` or `datetime` (elements the type cannot read are counted first; a date's offset
    /// is kept as its instant in UTC), and the
    /// numeric narrowings whose every element is counted first and guarded (``ColumnChange/narrowsListElements``).
    static func listChangeIsPlannable(from old: CanonicalField, to new: CanonicalField) -> Bool {
        let sameElement = old.type == new.type && old.enumType == new.enumType && old.nativeType == new.nativeType
        guard old.list && new.list else { return sameElement }
        if sameElement { return true }
        guard old.nativeType == new.nativeType || (new.nativeType == nil && new.type == .string && new.enumType == nil) else { return false }
        if ColumnChange(from: old, to: new).narrowsListElements { return true }
        switch (old.type, new.type) {
        case (.int, .bigint), (.int, .float), (.int, .decimal), (.bigint, .decimal): return old.enumType == nil && new.enumType == nil
        // Text read as numbers, booleans or dates: each element that cannot be is counted first.
        case (let text, .int) where text.isText, (let text, .bigint) where text.isText, (let text, .float) where text.isText,
             (let text, .decimal) where text.isText, (let text, .boolean) where text.isText, (let text, .datetime) where text.isText:
            return old.enumType == nil && new.enumType == nil
        case (_, .string) where new.enumType == nil: return true
        case (.string, .string): return true // into or between enum types: each element is counted first
        default: return false
        }
    }

    /// Why the table of `after` cannot be planned from `before`, if it cannot.
    static func unplannableTable(before: CanonicalEntity?, after: CanonicalEntity) -> String? {
        guard let before else { return nil }
        if (before.compoundKey != nil || after.compoundKey != nil) && before.inDatabase.keyColumns != after.inDatabase.keyColumns {
            return "entity \(after.name): its primary key would change from (\(before.keyColumns.joined(separator: ", "))) to (\(after.keyColumns.joined(separator: ", "))), "
                + "which schema cannot plan yet for a key of several fields; keep `primaryKey: [\(before.keyColumns.joined(separator: ", "))]`"
        }
        return nil
    }

    /// RW101 for each table a statement rewrites while reads and writes wait (PostgreSQL type
    /// changes that cannot be made in the catalog); approving such a change needs `--allow-rewrite`.
    public static func rewriteRisks(of statements: [SQLStatement]) -> [OperationRisk] {
        let rewritten = Dictionary(statements.compactMap { $0.lock?.work == .rewrite ? $0.lock : nil }.map { ($0.table, $0.mode) }, uniquingKeysWith: { first, _ in first })
        return rewritten.keys.sorted().map { table in
            OperationRisk(code: "RW101", kind: .tableRewrite, message: rewritten[table] == "EXCLUSIVE"
                ? "copies table \(table) under EXCLUSIVE: writes to it wait until the copy ends, reads go on (see the row count below)"
                : "rewrites table \(table) under ACCESS EXCLUSIVE: reads and writes of it wait until the rewrite ends (see the row count below)")
        }
    }

    /// The risks of a change's operations. A new table has no rows, so nothing about it can fail
    /// on existing data or lose any.
    public static func risks(of operations: [SchemaOperation], creating: Bool) -> [OperationRisk] {
        creating ? [] : operations.flatMap(OperationRisk.of)
    }

    /// Entities sorted so that every belongsTo target among them comes first (cycles keep file order).
    static func dependencyOrder(_ entities: [DesiredEntity]) -> [DesiredEntity] {
        let byName = Dictionary(entities.map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
        var visited: Set<String> = []
        var visiting: Set<String> = []
        var result: [DesiredEntity] = []
        func visit(_ name: String) {
            guard !visited.contains(name), !visiting.contains(name), let entity = byName[name] else { return }
            visiting.insert(name)
            for relation in entity.structure.relations where relation.kind == .belongsTo { visit(relation.target) }
            visiting.remove(name)
            visited.insert(name)
            result.append(entity)
        }
        for entity in entities { visit(entity.structure.name) }
        return result
    }
}
