/// The difference between two structures of one entity's table, as operations.
public enum TableDiff {
    /// The operations that take `old` (nil: the table does not exist) to `new` (nil: drop it).
    ///
    /// - Parameter renames: new column name → old column name, from `renamedFrom:` hints; a hint
    ///   applies only when the old column exists and the new one does not.
    /// - Complexity: O(fields + indexes + relations).
    public static func operations(from old: CanonicalEntity?, to new: CanonicalEntity?, renames: [String: String] = [:]) -> [SchemaOperation] {
        switch (old, new) {
        case (nil, nil):
            return []
        case (nil, let new?):
            return [.createTable(new)]
                + new.indexes.map { .createIndex(table: new.name, index: $0) }
                + new.relations.filter { $0.kind == .belongsTo }.map { .addForeignKey(table: new.name, relation: $0) }
        case (let old?, nil):
            return [.dropTable(old.name)]
        case (let old?, let new?):
            return alter(old, new, renames: renames)
        }
    }

    static func alter(_ old: CanonicalEntity, _ new: CanonicalEntity, renames: [String: String]) -> [SchemaOperation] {
        let table = new.name
        var oldFields = Dictionary(old.fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newFields = Dictionary(new.fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

        // Renames first, so the rest of the diff sees the old column under its new name.
        var renameOperations: [SchemaOperation] = []
        for (newName, oldName) in renames.sorted(by: { $0.key < $1.key })
        where newFields[newName] != nil && oldFields[newName] == nil && oldFields[oldName] != nil && newFields[oldName] == nil {
            renameOperations.append(.renameColumn(table: table, from: oldName, to: newName))
            if var field = oldFields.removeValue(forKey: oldName) {
                field.name = newName
                oldFields[newName] = field
            }
        }

        var adds: [SchemaOperation] = []
        var alters: [SchemaOperation] = []
        var drops: [SchemaOperation] = []
        for name in Set(oldFields.keys).union(newFields.keys).sorted() {
            switch (oldFields[name], newFields[name]) {
            case (nil, let field?): adds.append(.addColumn(table: table, field: field))
            case (let field?, nil): drops.append(.dropColumn(table: table, field: field))
            case (let before?, let after?) where before.inDatabase != after.inDatabase: alters.append(.alterColumn(table: table, from: before, to: after))
            default: break
            }
        }

        // Indexes and foreign keys on a renamed column are recreated, so their names follow Prisma's convention.
        // A compound key's client name changes Prisma Client only: no index is rebuilt for it.
        let oldIndexes = Set(old.indexes.map(\.inDatabase))
        let newIndexes = Set(new.indexes.map(\.inDatabase))
        let droppedIndexes = oldIndexes.subtracting(newIndexes).sorted().map { SchemaOperation.dropIndex(table: table, index: $0) }
        let createdIndexes = newIndexes.subtracting(oldIndexes).sorted().map { SchemaOperation.createIndex(table: table, index: $0) }

        // A foreign key is identified by its columns; a relation renamed in Prisma is not a database change.
        func keys(_ relations: [CanonicalRelation]) -> [String: CanonicalRelation] {
            Dictionary(relations.filter { $0.kind == .belongsTo && $0.field != nil }.map { ($0.foreignKeyFields.joined(separator: "\u{0}"), $0) },
                       uniquingKeysWith: { first, _ in first })
        }
        let oldKeys = keys(old.relations)
        let newKeys = keys(new.relations)
        var droppedKeys: [SchemaOperation] = []
        var addedKeys: [SchemaOperation] = []
        var renamedKeys: [SchemaOperation] = []
        for column in Set(oldKeys.keys).union(newKeys.keys).sorted() {
            let before = oldKeys[column], after = newKeys[column]
            if let before, let after, before.target == after.target, before.references == after.references, before.onDelete == after.onDelete,
               before.onUpdate == after.onUpdate {
                // Only its name (`map:`) changed: renamed in place, not dropped and added again.
                let names = [before, after].map { ConstraintName.foreignKey(table, $0, in: .postgresql) }
                if names[0] != names[1] { renamedKeys.append(.renameConstraint(table: table, from: names[0], to: names[1])) }
                continue
            }
            if let before { droppedKeys.append(.dropForeignKey(table: table, relation: before)) }
            if let after { addedKeys.append(.addForeignKey(table: table, relation: after)) }
        }
        return droppedKeys + droppedIndexes + renameOperations + keyRenamed(old, new, adds + alters + drops) + renamedKeys + adds + alters + drops + createdIndexes + addedKeys
    }

    /// The key constraint renamed when only its name changes (a `map:` of the key added, changed
    /// or removed). A key that moves to other columns is dropped and added under its new name
    /// with them instead.
    static func keyRenamed(_ old: CanonicalEntity, _ new: CanonicalEntity, _ columnChanges: [SchemaOperation]) -> [SchemaOperation] {
        let before = ConstraintName.primaryKey(of: old.inDatabase, in: .postgresql), after = ConstraintName.primaryKey(of: new.inDatabase, in: .postgresql)
        let keyMoves = columnChanges.contains { operation in
            switch operation {
            case .addColumn(_, let field), .dropColumn(_, let field): field.primary
            case .alterColumn(_, let from, let to): from.primary != to.primary
            default: false
            }
        }
        guard before != after, !keyMoves, !old.keyColumns.isEmpty, !new.keyColumns.isEmpty else { return [] }
        return [.renameConstraint(table: new.name, from: before, to: after)]
    }
}
