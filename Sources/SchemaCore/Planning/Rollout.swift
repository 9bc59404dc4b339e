/// Rolling deploys: a change the application version still running does not tolerate is applied in
/// two parts, so that both versions work while the rollout lasts.
///
/// The start applies the **expand**: it takes the table to the *expanded* shape
/// (``expanded(from:to:)``), which has every column, value and constraint the old version uses
/// and everything the new version needs that the old one tolerates. `schema complete` applies the
/// **contract** (expanded → new) once no old version runs; `schema rollback` applies the way back
/// instead (expanded → old), keeping every row. All three are derived from the same two structures,
/// and one approval covers them.
///
/// What the old version does not tolerate, and so waits for the contract:
/// - a dropped field: the old version selects and inserts it. It stays, made nullable when it was
///   required without a default, so that the new version's inserts succeed;
/// - a field made required, or a new required field without a default: the old version's inserts
///   leave it empty. It stays nullable (with the new default, if any, from the expand on);
/// - a tighter `maxLength`, `enum`, `minimum` or `maximum`: the old version may write what it no
///   longer allows. The expanded column allows what either version allows;
/// - a new unique index or foreign key on an existing column: the old version's writes may break it;
/// - a dropped entity: the old version reads its table;
/// - a renamed field (`renamedFrom:`): the old version reads and writes the old column, the new
///   one the new column. Both exist between expand and contract, kept equal by a trigger in
///   either direction (``renamedFields(from:to:renames:)``).
///
/// - an `int` field widened to `bigint`: changing the column's type rewrites the table under
///   ACCESS EXCLUSIVE. A shadow `bigint` column is filled instead (``widenedFields(from:to:renames:)``)
///   and swapped in by the contract, in one short transaction. Its indexes are built on the shadow,
///   and renamed by the swap; the table's one trigger fills the shadow beside renamed fields. A
///   primary key (an `autoincrement()` one too) is widened the same way: its shadow gets a unique
///   index, and the contract moves the sequence, the foreign keys that point at the key and the
///   primary-key constraint over to it without reading the table under a lock.
///
/// Other type changes and renamed primary keys are not split yet: they apply whole, at the start.
public enum Rollout {
    /// How the host deploys a new version (`schema.config.json`: `"deploys"`).
    public enum DeployStrategy: String, Hashable, Sendable, CaseIterable {
        /// The new version starts while the old one still serves (rolling updates, blue/green,
        /// replicas): what the old version does not tolerate waits for `schema complete`. The default.
        case rolling
        /// The old version stops before the new one starts (Kubernetes `Recreate`, one container):
        /// every change applies whole at the start.
        case recreate
    }

    /// One thing the running version does not tolerate, left for the contract.
    public struct Incompatibility: Hashable, Sendable, Codable, CustomStringConvertible {
        /// What kind of change it is.
        public enum Kind: String, Hashable, Sendable, Codable {
            case droppedField = "dropped-field"
            case requiredField = "required-field"
            case tightenedField = "tightened-field"
            case uniqueIndex = "unique-index"
            case foreignKey = "foreign-key"
            case droppedEntity = "dropped-entity"
            case renamedField = "renamed-field"
            case widenedField = "widened-field"
            case renamedEntity = "renamed-entity"
        }

        public var kind: Kind
        /// The field, index columns or entity concerned.
        public var object: String

        /// Creates an incompatibility.
        public init(_ kind: Kind, _ object: String) {
            self.kind = kind
            self.object = object
        }

        public var description: String {
            switch kind {
            case .droppedField: "field \(object) is dropped: the running version still selects and inserts it"
            case .requiredField: "field \(object) becomes required: the running version's inserts leave it empty"
            case .tightenedField: "field \(object) allows fewer values: the running version may still write the others"
            case .uniqueIndex: "a unique index on (\(object)) is added: the running version's writes may repeat values"
            case .foreignKey: "a foreign key on \(object) is added: the running version's writes may not satisfy it"
            case .droppedEntity: "table \(object) is dropped: the running version still reads and writes it"
            case .renamedField: "field \(object): the running version still reads and writes the old column; both are kept equal until complete"
            case .renamedEntity: "table \(object): the running version still reads and writes the old name, a view over the renamed table until complete"
            case .widenedField: "field \(object) becomes bigint without a table rewrite: a shadow column is filled now and swapped in by complete (values beyond int wait for it)"
            }
        }
    }

    /// The table between expand and contract, for an alter from `old` to `new`: `new`, plus what
    /// the old version needs (its dropped columns, nullability, its looser checks, its unique
    /// indexes and foreign keys on the columns it writes), minus what it cannot live with (new
    /// NOT NULL, tighter checks, new unique indexes and foreign keys on existing columns). Equal to
    /// `new` when the change is compatible. Pure.
    ///
    /// A renamed field (``renamedFields(from:to:renames:)``) is both columns: the old one kept as a
    /// dropped field is, the new one as a new field that the old column's values fill, without a
    /// default (a trigger tells the two versions' writes apart by which column they set) and
    /// allowing what either allows.
    public static func expanded(from old: CanonicalEntity, to new: CanonicalEntity, renames: [String: String] = [:]) -> CanonicalEntity {
        let oldFields = Dictionary(old.fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let renamed = renamedFields(from: old, to: new, renames: renames)
        let newNames = Set(new.fields.map(\.name))
        let brandNew = newNames.subtracting(oldFields.keys)
        let dropped = old.fields.filter { !newNames.contains($0.name) }
        let droppedNames = Set(dropped.map(\.name))

        var fields = new.fields.map { field -> CanonicalField in
            var expanded = field
            if let source = renamed[field.name], let before = oldFields[source] {
                expanded.optional = true
                expanded.defaultValue = nil
                expanded.databaseDefault = nil
                expanded.maxLength = looser(before.maxLength, field.maxLength, max)
                expanded.enumValues = looserValues(before, field)
                expanded.minimum = looser(before.minimum, field.minimum, min)
                expanded.maximum = looser(before.maximum, field.maximum, max)
            } else if let before = oldFields[field.name] {
                if before.optional { expanded.optional = true }
                expanded.maxLength = looser(before.maxLength, field.maxLength, max)
                expanded.enumValues = looserValues(before, field)
                if before.enumType != field.enumType {
                    // Into or out of an enum type: the running client binds the old type; the contract converts.
                    expanded.enumType = before.enumType
                    expanded.enumValues = before.enumValues
                    expanded.defaultValue = before.defaultValue
                }
                expanded.minimum = looser(before.minimum, field.minimum, min)
                expanded.maximum = looser(before.maximum, field.maximum, max)
            } else if !field.optional && !field.hasDefault && !field.generated {
                expanded.optional = true
            }
            return expanded
        }
        for field in dropped {
            var kept = field
            // The new version's inserts do not name it: it must accept their rows.
            if !kept.optional && !kept.hasDefault && !kept.generated && !kept.primary { kept.optional = true }
            fields.append(kept)
        }
        let widened = widenedFields(from: old, to: new, renames: renames)
        for name in widened {
            guard let index = fields.firstIndex(where: { $0.name == name }), let before = oldFields[name], let after = new.field(named: name) else { continue }
            // Both versions write the int column until the swap; the shadow takes its values.
            fields[index].type = before.type
            fields.append(CanonicalField(name: shadowName(name), type: after.type, optional: true,
                                         minimum: looser(before.minimum, after.minimum, min), maximum: looser(before.maximum, after.maximum, max)))
        }
        fields.sort { $0.name < $1.name }

        // Compared as the database has them: a new client name alone is no new index.
        let newIndexes = Set(new.indexes.map(\.inDatabase))
        var indexes = Set(old.indexes.filter { !$0.unique || newIndexes.contains($0.inDatabase) || $0.fields.allSatisfy(droppedNames.contains) })
        indexes.formUnion(new.indexes.filter { !$0.unique || $0.fields.allSatisfy(brandNew.contains) })
        // The shadow gets the widened column's indexes the new version has (alone or with other
        // columns), under names of its own; one the old version lacks is built on the shadow only,
        // as the int column and its indexes go with the contract.
        let widenedNames = Set(widened)
        let oldIndexes = Set(old.indexes.map(\.inDatabase))
        for index in indexes where index.fields.contains(where: widenedNames.contains) && newIndexes.contains(index.inDatabase) {
            if !oldIndexes.contains(index.inDatabase) { indexes.remove(index) }
            indexes.insert(shadowIndex(index, widened: widenedNames))
        }
        if let key = keyShadowIndex(widened: widened, in: new) { indexes.insert(key) }

        // A foreign key is its columns (one, or several in order).
        let oldKeyColumns = Set(old.relations.filter { $0.kind == .belongsTo && $0.field != nil }.map(\.foreignKeyFields))
        var relations = new.relations.filter { relation in
            guard relation.kind == .belongsTo, relation.field != nil else { return true }
            return relation.foreignKeyFields.allSatisfy(brandNew.contains) || oldKeyColumns.contains(relation.foreignKeyFields)
        }
        relations += old.relations.filter { $0.kind == .belongsTo && $0.foreignKeyFields.contains(where: droppedNames.contains) }
        relations.sort { $0.name < $1.name }

        var entity = CanonicalEntity(name: new.name, fields: fields, indexes: indexes.sorted(), relations: relations, acl: new.acl, presentation: new.presentation)
        entity.compoundKey = new.compoundKey
        entity.keyName = new.keyName
        entity.keyMap = new.keyMap
        // A join table's key keeps Prisma's name (`_AToB_AB_pkey`) through the rollout.
        entity.joinTable = new.joinTable
        return entity
    }

    /// What the contract does that the running version does not tolerate: empty for a compatible
    /// change. `new` nil is a drop of `old`'s table.
    public static func incompatibilities(from old: CanonicalEntity, to new: CanonicalEntity?, renames: [String: String] = [:]) -> [Incompatibility] {
        guard let new else { return [Incompatibility(.droppedEntity, old.name)] }
        let renamed = renamedFields(from: old, to: new, renames: renames)
        let expanded = expanded(from: old, to: new, renames: renames)
        let oldFields = Dictionary(old.fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newFields = Dictionary(new.fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let sources = Set(renamed.values)
        var found: [Incompatibility] = renamed.sorted { $0.key < $1.key }.map { Incompatibility(.renamedField, "\($0.value) → \($0.key)") }
        let widened = widenedFields(from: old, to: new, renames: renames)
        found += widened.map { Incompatibility(.widenedField, $0) }
        let shadows = Set(widened.map(shadowName))
        for field in expanded.fields where !shadows.contains(field.name) {
            guard let after = newFields[field.name] else {
                if !sources.contains(field.name) { found.append(Incompatibility(.droppedField, field.name)) }
                continue
            }
            // A renamed field is as optional as its old column was until the contract.
            let optional = renamed[field.name].flatMap { oldFields[$0]?.optional } ?? field.optional
            if optional && !after.optional { found.append(Incompatibility(.requiredField, field.name)) }
            if (field.maxLength, field.enumValues, field.minimum, field.maximum) != (after.maxLength, after.enumValues, after.minimum, after.maximum)
                || field.enumType != after.enumType {
                found.append(Incompatibility(.tightenedField, field.name))
            }
        }
        let expandedIndexes = Set(expanded.indexes.map(\.inDatabase))
        let widenedNames = Set(widened)
        // An index the expand built on a shadow is the new one once the contract swaps it in.
        for index in new.indexes where !expandedIndexes.contains(index.inDatabase) && !expandedIndexes.contains(shadowIndex(index, widened: widenedNames)) {
            found.append(Incompatibility(.uniqueIndex, index.fields.joined(separator: ", ")))
        }
        let expandedKeys = Set(expanded.relations.filter { $0.kind == .belongsTo && $0.field != nil }.map(\.foreignKeyFields))
        for relation in new.relations where relation.kind == .belongsTo {
            if relation.field != nil, !expandedKeys.contains(relation.foreignKeyFields) { found.append(Incompatibility(.foreignKey, relation.keyLabel)) }
        }
        return found
    }

    /// The values both versions may write: the union. An enum type keeps the old values in their
    /// order with the new ones where the new version has them, so the expand only adds values
    /// (``EnumTypeChange/added(_:)``) and the contract removes or reorders.
    static func looserValues(_ before: CanonicalField, _ after: CanonicalField) -> [String]? {
        guard after.enumType != nil, before.enumType == after.enumType, let old = before.enumValues, let new = after.enumValues else {
            return looser(before.enumValues, after.enumValues) { Array(Set($0).union($1)).sorted() }
        }
        var merged = old
        let known = Set(old)
        for (index, value) in new.enumerated() where !known.contains(value) {
            // Before the next value the old type has, as ADD VALUE … BEFORE places it.
            if let next = new[(index + 1)...].first(where: known.contains), let position = merged.firstIndex(of: next) {
                merged.insert(value, at: position)
            } else {
                merged.append(value)
            }
        }
        return merged
    }

    /// The renames a rollout keeps both columns of (new name → old name): hints that
    /// ``TableDiff`` applies (the old column exists and the new one did not), whose column keeps
    /// its type and native type, or widens `int` to `bigint` (a trigger copies values both ways), and is not the primary key (other tables'
    /// foreign keys point at it). Other renames make the change apply whole.
    public static func renamedFields(from old: CanonicalEntity, to new: CanonicalEntity, renames: [String: String]) -> [String: String] {
        let oldFields = Dictionary(old.fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newFields = Dictionary(new.fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return renames.filter { newName, oldName in
            guard let before = oldFields[oldName], let after = newFields[newName], oldFields[newName] == nil, newFields[oldName] == nil else { return false }
            // int → bigint keeps both columns equal too: the new column is made bigint at once (the old
            // version's writes fit it; the new version's values beyond int wait for the contract).
            let sameType = before.type == after.type || (before.type == .int && after.type == .bigint && !before.list && !after.list)
            return sameType && before.nativeType == after.nativeType && before.enumType == after.enumType && !before.primary && !after.primary && !before.generated && !after.generated
        }
    }

    /// The `int` fields widened to `bigint` that a rollout fills a shadow column for
    /// (``shadowName(_:)``) instead of rewriting the table. The shadow gets the field's indexes,
    /// those with other columns too, and the table's one trigger fills it beside the renamed fields
    /// it keeps in step. A foreign key's column gets its constraint back on the shadow at the swap
    /// (added `NOT VALID`, validated online); a column of the primary key (generated or not, of one
    /// column or of several) makes the expand build the key's unique index over the shadows
    /// (``keyShadowIndex(widened:in:)``), which the contract makes the key. Not a generated column
    /// other than the key, nor a key column of a table whose key changes. Sorted.
    public static func widenedFields(from old: CanonicalEntity, to new: CanonicalEntity, renames: [String: String]) -> [String] {
        new.fields.compactMap { after -> String? in
            guard let before = old.field(named: after.name), before.type == .int, after.type == .bigint, !before.list, !after.list,
                  before.primary == after.primary, before.generated == after.generated,
                  !after.generated || after.primary,
                  !new.keyColumns.contains(after.name) || old.keyColumns == new.keyColumns,
                  old.field(named: shadowName(after.name)) == nil, new.field(named: shadowName(after.name)) == nil
            else { return nil }
            return after.name
        }.sorted()
    }

    /// The foreign keys of `from` that going to `to` drops: those `to` lacks or has otherwise, and
    /// those on the `swapping` columns (their int column is dropped with them).
    public static func droppedForeignKeys(from: CanonicalEntity, to: CanonicalEntity, swapping: [String]) -> [CanonicalRelation] {
        from.relations.filter { relation in
            guard relation.kind == .belongsTo, relation.field != nil else { return false }
            if relation.foreignKeyFields.contains(where: swapping.contains) { return true }
            return !to.relations.contains { $0.kind == .belongsTo && $0.foreignKeyFields == relation.foreignKeyFields && $0.target == relation.target
                && $0.references == relation.references && $0.onDelete == relation.onDelete && $0.onUpdate == relation.onUpdate }
        }
    }

    /// The unique index the expand builds when `widened` holds a column of `entity`'s primary key:
    /// over the key's columns, each widened one's shadow in its place. The contract turns it into
    /// the primary key (`ADD PRIMARY KEY USING INDEX`) instead of building one under a lock. Nil
    /// when no key column is widened.
    public static func keyShadowIndex(widened: [String], in entity: CanonicalEntity) -> CanonicalIndex? {
        let key = entity.keyColumns
        guard key.contains(where: widened.contains) else { return nil }
        return CanonicalIndex(fields: key.map { widened.contains($0) ? shadowName($0) : $0 }, unique: true)
    }

    /// `index` on the shadows of the `widened` fields it names, under a name of its own (an
    /// explicit name stays the field's index's until the contract).
    static func shadowIndex(_ index: CanonicalIndex, widened: Set<String>) -> CanonicalIndex {
        var shadow = index.inDatabase.renamingFields { widened.contains($0) ? shadowName($0) : $0 }
        shadow.name = nil
        return shadow
    }

    /// The shadow column of a widened field during its rollout.
    public static func shadowName(_ field: String) -> String { field + "__widened" }

    /// The expanded table once the contract has swapped each widened field's shadow in: the
    /// shadow under the field's name (and its indexes under the field's index names), the old
    /// column gone. What the rest of the contract is derived from.
    public static func swapped(_ expanded: CanonicalEntity, widened: [String], new: CanonicalEntity) -> CanonicalEntity {
        var entity = expanded
        var swappedNames: Set<String> = []
        for name in widened {
            let shadow = shadowName(name)
            guard let field = entity.field(named: shadow) else { continue }
            entity.fields.removeAll { $0.name == name || $0.name == shadow }
            var swapped = field
            swapped.name = name
            // The key's shadow becomes the key: the contract sets NOT NULL, the sequence and the constraint.
            if new.keyColumns.contains(name), let key = new.field(named: name) { swapped = key }
            entity.fields.append(swapped)
            swappedNames.insert(name)
        }
        let shadows = Dictionary(uniqueKeysWithValues: swappedNames.map { (shadowName($0), $0) })
        let keyIndex = keyShadowIndex(widened: Array(swappedNames), in: new)
        // Dropping the int column dropped its foreign key; the contract adds it to the shadow.
        entity.relations.removeAll { $0.kind == .belongsTo && $0.foreignKeyFields.contains(where: swappedNames.contains) }
        entity.indexes = entity.indexes.compactMap { index in
            // Dropping the int column dropped its indexes; the shadow's take their place.
            if index.fields.contains(where: swappedNames.contains) || index == keyIndex { return nil }
            guard index.fields.contains(where: { shadows[$0] != nil }) else { return index }
            return swappedIndex(index, shadows: shadows, new: new)
        }
        entity.fields.sort { $0.name < $1.name }
        entity.indexes.sort()
        return entity
    }

    /// The index a shadow's index becomes when the contract swaps the shadows in: the new
    /// structure's index on the same columns (its name, order and method), or the shadow's under
    /// the fields' names.
    static func swappedIndex(_ index: CanonicalIndex, shadows: [String: String], new: CanonicalEntity) -> CanonicalIndex {
        let back = index.renamingFields { shadows[$0] ?? $0 }
        return new.indexes.first { $0.fields == back.fields && $0.unique == back.unique } ?? back
    }

    /// Whether every rename of the change is one a rollout can keep both columns of, on a table with a key.
    public static func canRollOut(from old: CanonicalEntity, to new: CanonicalEntity?, renames: [String: String]) -> Bool {
        // The page walks and triggers of a rollout find rows by key: a table without one applies whole.
        if old.keyColumns.isEmpty || new?.keyColumns.isEmpty == true { return false }
        let applicable = TableDiff.operations(from: old, to: new, renames: renames).compactMap { operation -> String? in
            if case .renameColumn(_, _, let to) = operation { return to }
            return nil
        }
        guard !applicable.isEmpty else { return true }
        guard let new else { return false }
        return Set(applicable) == Set(renamedFields(from: old, to: new, renames: renames).keys)
    }

    /// The looser of two limits, where nil is no limit: nil when either is.
    static func looser<T>(_ a: T?, _ b: T?, _ combine: (T, T) -> T) -> T? {
        guard let a, let b else { return nil }
        return combine(a, b)
    }
}
