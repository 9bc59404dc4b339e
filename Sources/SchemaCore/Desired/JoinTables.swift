/// The join tables of implicit many-to-many relations, as Prisma Migrate makes them: `_AToB` (the
/// two models' names in alphabetical order, or `_` + the relation's name), a column `A` with the
/// first model's key and `B` with the second's, both keys of the table (`_AToB_AB_pkey` on
/// PostgreSQL, a unique index `_AToB_AB_unique` on SQLite), an index `_AToB_B_index`, and foreign
/// keys that cascade both ways. They are planned, approved and applied like the entities.
///
/// A side renamed (`renamedFrom:`) renames the table with it, and may swap its sides: `_PostToTag`
/// becomes `_CategoryToPost` when `Tag` becomes `Category`, whose column `A` now holds what `B`
/// held. The planner renames the join table with its sides (``previousNames(of:hints:)``) and
/// gives it the renames ``swappedSides`` when the sides swap (``sidesSwap(from:to:hints:)``); its
/// rows are copied over (``DerivedChange``).
enum JoinTables {
    /// The renames of a join table whose sides swap: each column takes the other's values.
    static let swappedSides = ["A": "B", "B": "A"]

    /// The names `join` may have had before its sides were renamed, when Prisma names it after its
    /// sides (`_AToB`; a relation's name keeps its table's name): each side under its own name or
    /// the one its `renamedFrom:` hint gives (new name → old name), the hints of renames applied
    /// in an earlier start included, so that a join table whose move failed is still found.
    static func previousNames(of join: CanonicalEntity, hints: [String: String]) -> [String] {
        let targets = join.relations.map(\.target).sorted()
        guard join.isJoinTable, targets.count == 2, join.name == Relation.joinTableName(between: targets[0], and: targets[1], relationName: nil) else { return [] }
        var names: Set<String> = []
        for first in Set([targets[0], hints[targets[0]] ?? targets[0]]) {
            for second in Set([targets[1], hints[targets[1]] ?? targets[1]]) {
                names.insert(Relation.joinTableName(between: first, and: second, relationName: nil))
            }
        }
        return names.subtracting([join.name]).sorted()
    }

    /// Whether the model whose key the applied join table `before` holds in `A` holds `B` in
    /// `after`: `after`'s `A` is neither `before`'s `A` nor was called so (`hints`, new name → old name).
    static func sidesSwap(from before: CanonicalEntity, to after: CanonicalEntity, hints: [String: String]) -> Bool {
        func target(_ entity: CanonicalEntity, _ side: String) -> String? { entity.relations.first { $0.name == side }?.target }
        guard before.isJoinTable, after.isJoinTable, let oldA = target(before, "A"), let newA = target(after, "A"), let newB = target(after, "B"), newA != newB else { return false }
        return newA != oldA && hints[newA] != oldA
    }

    /// Whether two join tables join the same tables on the same sides (only the relation's name,
    /// and so the table's, differs).
    static func sameSides(_ one: CanonicalEntity, _ other: CanonicalEntity) -> Bool {
        let sides = { (join: CanonicalEntity) in join.relations.map { "\($0.name)=\($0.target)" }.sorted() }
        return sides(one) == sides(other)
    }

    /// One join table per relation pair (both sides may declare it), in the order first declared.
    static func of(_ entities: [DesiredEntity], host: PrismaSchema?) -> [DesiredEntity] {
        let byName = Dictionary(entities.map { ($0.structure.name, $0.structure) }, uniquingKeysWith: { first, _ in first })
        var tables: [String: DesiredEntity] = [:]
        var order: [String] = []
        for entity in entities {
            for relation in entity.structure.relations where relation.kind == .manyToMany {
                let sides = [entity.structure.name, relation.target].sorted()
                let name = Relation.joinTableName(between: entity.structure.name, and: relation.target, relationName: entity.structure.relationNames[relation.name])
                if var known = tables[name] {
                    known.packages = Array(Set(known.packages + entity.packages)).sorted()
                    known.renamedFrom = known.renamedFrom ?? entity.joinRenames[name]
                    tables[name] = known
                    continue
                }
                guard let a = keyColumn("A", of: sides[0], byName: byName, host: host), let b = keyColumn("B", of: sides[1], byName: byName, host: host) else { continue }
                var join = CanonicalEntity(
                    name: name, fields: [a, b], indexes: [CanonicalIndex(fields: ["B"], unique: false, name: "\(name)_B_index")],
                    relations: [CanonicalRelation(name: "A", kind: .belongsTo, target: sides[0], field: "A", onDelete: .Cascade, onUpdate: .Cascade),
                                CanonicalRelation(name: "B", kind: .belongsTo, target: sides[1], field: "B", onDelete: .Cascade, onUpdate: .Cascade)],
                    acl: nil)
                join.compoundKey = ["A", "B"]
                join.joinTable = true
                // A relation's `renamedFrom:` names the table this one takes over (`relationName:` changed).
                tables[name] = DesiredEntity(structure: join, packages: entity.packages, renamedFrom: entity.joinRenames[name])
                order.append(name)
            }
        }
        return order.compactMap { tables[$0] }
    }

    /// Column `name` of a join table, holding `model`'s key: its column type (an identifier's
    /// `cuid`/`uuid` is text), native type and length.
    static func keyColumn(_ name: String, of model: String, byName: [String: CanonicalEntity], host: PrismaSchema?) -> CanonicalField? {
        if let key = byName[model]?.primaryKey {
            return CanonicalField(name: name, type: key.type == .cuid || key.type == .uuid ? .string : key.type, optional: false, primary: true,
                                  maxLength: key.maxLength, nativeType: key.nativeType)
        }
        guard let host = host?.model(named: model), host.primaryKey.count == 1, let key = host.field(named: host.primaryKey[0]),
              let type = FieldType(spelling: key.type) else { return nil }
        let length = key.attribute("db.VarChar")?.positional.first.flatMap { Int($0) }
        return CanonicalField(name: name, type: type, optional: false, primary: true, maxLength: length, nativeType: key.nativeType)
    }
}

extension CanonicalEntity {
    /// The entity as `dialect` stores it: ``inDatabase``, and a join table on SQLite keyed by a
    /// unique index instead of a primary key, as Prisma Migrate makes it there.
    public func inDatabase(for dialect: SQLDialect) -> CanonicalEntity {
        var entity = inDatabase
        guard isJoinTable, dialect == .sqlite, let key = entity.compoundKey else { return entity }
        entity.compoundKey = nil
        entity.fields = entity.fields.map { field in
            var field = field
            field.primary = false
            return field
        }
        entity.indexes = (entity.indexes + [CanonicalIndex(fields: key, unique: true, name: "\(entity.name)_AB_unique")]).sorted()
        return entity
    }
}
