extension CanonicalEntity {
    /// Normalizes a declared entity: folds aliases, moves `index:`/`unique:` flags into the index set,
    /// fills in default referential actions, sorts everything order-insensitive.
    public init(_ entity: Entity) {
        let compound = Set(entity.compoundKey ?? [])
        let fields = entity.fields.map { field in
            var canonical = CanonicalField(
                // A list is a nullable array column, as Prisma Migrate makes it.
                name: field.name, type: field.type, optional: field.isList || (field.isOptional && !compound.contains(field.name)), primary: field.isPrimary || compound.contains(field.name),
                generated: field.isGenerated, defaultValue: Self.normalizedDefault(field.defaultValue, type: field.type),
                maxLength: field.maxLength, enumValues: field.enumValues.map { field.enumType == nil ? Array(Set($0)).sorted() : Self.deduplicated($0) },
                minimum: field.minimum, maximum: field.maximum, updatedAt: field.isUpdatedAt, nativeType: field.nativeType, enumType: field.enumType,
                column: field.column.flatMap { $0 == field.name ? nil : $0 }, list: field.isList,
                listDefault: field.isList ? field.listDefault.map { $0.map { Self.normalizedDefault($0, type: field.type) ?? $0 } } : nil,
                enumTypeMap: field.enumType == nil ? nil : field.enumTypeMap.flatMap { $0 == field.enumType ? nil : $0 },
                enumValueMap: field.enumType == nil ? nil : Self.valueMap(field.enumValueMap, values: field.enumValues ?? []),
                databaseDefault: field.isList ? nil : field.databaseDefault, enumSchema: field.enumType == nil ? nil : field.enumSchema)
            // Prisma's default version written out is no version: the same checksum as without it.
            canonical.idVersion = field.idVersion.flatMap { version in field.isGenerated && version != IDVersion.prismasDefault(for: field.type) ? version : nil }
            return canonical
        }.sorted { $0.name < $1.name }

        var indexes: [CanonicalIndex] = []
        // (layout, unique) → position in `indexes`: a lookup per index, not a scan of all of them.
        // A GIN index and a B-tree on the same column are two indexes.
        var positions: [String: [Bool: Int]] = [:]
        func add(_ index: CanonicalIndex) {
            if let existing = positions[index.layout]?[index.unique] {
                if indexes[existing].name == nil { indexes[existing].name = index.name }
                if indexes[existing].clientName == nil { indexes[existing].clientName = index.clientName }
            } else {
                positions[index.layout, default: [:]][index.unique] = indexes.count
                indexes.append(index)
            }
        }
        for index in entity.indexes {
            var canonical = CanonicalIndex(fields: index.fields, unique: index.isUnique, name: index.name, method: index.method,
                                           descending: Array(index.descending), operatorClasses: index.operatorClasses)
            canonical.clientName = index.clientName
            add(canonical)
        }
        for field in entity.fields where !field.isPrimary {
            if field.isUnique { add(CanonicalIndex(fields: [field.name], unique: true)) }
            if field.isIndexed { add(CanonicalIndex(fields: [field.name], unique: false)) }
        }
        // A plain index on the columns of a unique one is kept: Prisma keeps `@@index` beside
        // `@unique` as a second index (`_idx` beside `_key`), and host schemas declare both.

        let relations = entity.relations.map { relation -> CanonicalRelation in
            guard relation.kind == .belongsTo else {
                return CanonicalRelation(name: relation.name, kind: relation.kind, target: relation.target, field: relation.field,
                                         onDelete: nil, onUpdate: nil, fields: relation.fields)
            }
            // Prisma's default: SetNull when the relation is optional, which a key of several
            // columns is when any of them is.
            let optional = relation.foreignKeyFields.contains { entity.field(named: $0)?.isOptional ?? false }
            var canonical = CanonicalRelation(name: relation.name, kind: .belongsTo, target: relation.target, field: relation.field,
                                              onDelete: relation.onDelete ?? (optional ? .SetNull : .Restrict),
                                              onUpdate: relation.onUpdate ?? .Cascade, fields: relation.fields, references: relation.references)
            // Prisma's own name written out is no map: the same checksum as without it.
            let columns = relation.foreignKeyFields.map { entity.field(named: $0)?.column ?? $0 }
            canonical.map = relation.map.flatMap { $0 == ConstraintName.foreignKey(entity.table ?? entity.name, columns.joined(separator: "_"), in: .postgresql) ? nil : $0 }
            return canonical
        }.sorted { $0.name < $1.name }

        let acl = entity.acl.map { acl in
            CanonicalACL(
                rules: acl.rules.mapValues { Array(Set($0)).sorted() },
                // A rule that does not parse is an error (E042), so it never reaches a queue item.
                rowLevel: acl.rowLevel?.rule, readableWhen: acl.readableWhen?.rule)
        }
        let presentation = EntityPresentation(
            fieldOrder: entity.fields.map(\.name), documentation: entity.documentation,
            fieldDocumentation: Dictionary(entity.fields.compactMap { field in field.documentation.map { (field.name, $0) } }, uniquingKeysWith: { first, _ in first }),
            relationNames: Dictionary(entity.relations.compactMap { relation in relation.relationName.map { (relation.name, $0) } }, uniquingKeysWith: { first, _ in first }))
        self.init(name: entity.name, fields: fields, indexes: indexes.sorted(), relations: relations, acl: acl, presentation: presentation,
                  table: entity.table.flatMap { $0 == entity.name ? nil : $0 })
        // A key of one field written as `primaryKey: [id]` is that field's `primary: true`.
        if let key = entity.compoundKey, key.count > 1 { compoundKey = key }
        keyName = entity.keyClientName
        // Prisma's own name for the key, written out, is no map: the same checksum as without it.
        keyMap = entity.keyConstraintName.flatMap { $0 == ConstraintName.primaryKey(tableName, in: .postgresql) ? nil : $0 }
    }

    /// `values` without repeats, in their first order: an enum type's order is part of it.
    /// The labels of `values` that differ from the value (a map to itself says nothing), or nil.
    static func valueMap(_ map: [String: String]?, values: [String]) -> [String: String]? {
        guard let map else { return nil }
        let kept = map.filter { values.contains($0.key) && $0.key != $0.value }
        return kept.isEmpty ? nil : kept
    }

    static func deduplicated(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }

    /// `1.0` on a float column and `1` mean the same default; store one spelling.
    static func normalizedDefault(_ value: ScalarValue?, type: FieldType) -> ScalarValue? {
        guard let value else { return nil }
        if type == .float, case .integer(let number) = value { return .float(Double(number)) }
        return value
    }
}
