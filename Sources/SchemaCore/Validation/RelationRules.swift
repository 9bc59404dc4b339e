/// Rules about the relations of one entity, which need to see the other entities.
enum RelationRules {
    static func check(_ entity: Entity, catalog: EntityCatalog) -> [Diagnostic] {
        entity.relations.flatMap { relation in
            switch relation.kind {
            case .belongsTo: checkBelongsTo(relation, of: entity, catalog: catalog)
            case .hasMany: checkHasMany(relation, of: entity, catalog: catalog)
            case .manyToMany: checkManyToMany(relation, of: entity, catalog: catalog)
            }
        } + checkNames(entity) + entity.relations.compactMap { checkRenamedFrom($0, of: entity) } + entity.relations.compactMap(checkMap)
    }

    /// A relation's `map:` names its foreign key constraint: only a belongsTo has one, and the
    /// name must be one the database takes.
    static func checkMap(_ relation: Relation) -> Diagnostic? {
        guard let map = relation.map else { return nil }
        guard relation.kind == .belongsTo else {
            return .error(.invalidRelationKind, "'map' names a foreign key constraint, which only a belongsTo makes, not the \(relation.kind.rawValue) '\(relation.name)'",
                          hint: "write 'map' on the belongsTo side of the relation", at: relation.location(of: "map"))
        }
        return Identifier.isDatabaseName(map) ? nil : FieldRules.invalidName(map, kind: "the foreign key constraint's", at: relation.location(of: "map"))
    }

    /// A relation's `renamedFrom:` names the many-to-many's previous relation name, whose join
    /// table the new one takes over: only a many-to-many has one, and the name must be another
    /// valid one.
    static func checkRenamedFrom(_ relation: Relation, of entity: Entity) -> Diagnostic? {
        guard let previous = relation.renamedFrom else { return nil }
        guard relation.kind == .manyToMany else {
            return .error(.invalidRelationKind, "'renamedFrom' applies only to a many-to-many relation (its join table's previous name), not to the \(relation.kind.rawValue) '\(relation.name)'",
                          hint: "rename the entity with 'renamedFrom:' on the entity, or a column with 'renamedFrom:' on the field", at: relation.location(of: "renamedFrom"))
        }
        guard Identifier.isValid(previous) else {
            return .error(.invalidIdentifier, "'renamedFrom' of relation '\(relation.name)' is not a relation name a join table can have: '\(YAMLNodeReader.printable(previous))'",
                          hint: "write the previous relationName, or for an unnamed relation the two entities' names in alphabetical order joined by 'To' (PostToTag)",
                          at: relation.location(of: "renamedFrom"))
        }
        guard "_" + previous != relation.joinTableName(from: entity.name) else {
            return .error(.nameCollision, "'renamedFrom' of relation '\(relation.name)' names its current name, \(previous)",
                          hint: "remove 'renamedFrom', or write the name the relation had before", at: relation.location(of: "renamedFrom"))
        }
        return nil
    }

    /// Prisma tells relations between the same two models apart by name: one of them may stay
    /// unnamed, every other needs a name of its own (a generated name would end up on host models
    /// and in every client that uses them).
    static func checkNames(_ entity: Entity) -> [Diagnostic] {
        let belongsTo = entity.relations.filter { $0.kind == .belongsTo }
        return belongsTo.enumerated().compactMap { index, relation -> Diagnostic? in
            let siblings = belongsTo.filter { $0.target == relation.target }
            if let name = relation.relationName {
                guard siblings.contains(where: { $0.name != relation.name && $0.relationName == name }) else { return nil }
                return .error(.ambiguousRelation, "relations of \(entity.name) to \(relation.target) share the relationName '\(YAMLNodeReader.printable(name))'",
                              hint: "give each relation a name of its own", at: relation.location(of: "relationName"))
            }
            // The first unnamed one may stay so.
            guard let first = belongsTo.prefix(index).first(where: { $0.target == relation.target && $0.relationName == nil }) else { return nil }
            return .error(.ambiguousRelation,
                          "\(entity.name) has \(siblings.count) relations to \(relation.target) and '\(first.name)' has no relationName either; '\(relation.name)' needs one so Prisma can tell them apart",
                          hint: "add 'relationName: \(entity.name)\(relation.name.prefix(1).uppercased() + relation.name.dropFirst())' (and the same name on the other side, if declared)",
                          at: relation.location)
        }
    }

    static func checkTarget(_ relation: Relation, catalog: EntityCatalog) -> Diagnostic? {
        if catalog.exists(relation.target) { return nil }
        return .error(.relationTargetUnknown, "relation '\(relation.name)' points at '\(YAMLNodeReader.printable(relation.target))', which no package and no host model defines",
                      hint: Suggestion.hint(for: relation.target, in: catalog.allNames) ?? "declare the entity or add the model to the base Prisma schema",
                      at: relation.location(of: "entity"))
    }

    static func checkBelongsTo(_ relation: Relation, of entity: Entity, catalog: EntityCatalog) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if let unknown = checkTarget(relation, catalog: catalog) { diagnostics.append(unknown) }
        var fields: [Field] = []
        for fieldName in relation.foreignKeyFields {
            guard let field = entity.field(named: fieldName) else {
                if entity.isUnreadable(field: fieldName) { return diagnostics }
                diagnostics.append(.error(.relationFieldMissing, "relation '\(relation.name)' uses field '\(YAMLNodeReader.printable(fieldName))', which \(entity.name) does not have",
                                          hint: Suggestion.hint(for: fieldName, in: entity.fields.map(\.name)) ?? "declare the foreign-key field",
                                          at: relation.location(of: "field")))
                continue
            }
            fields.append(field)
        }
        guard fields.count == relation.foreignKeyFields.count, let field = fields.first else { return diagnostics }
        if let problem = checkReferencedKey(relation, fields: fields, catalog: catalog) { diagnostics.append(problem) }
        // SetNull empties every column of the key, so each must be nullable.
        for (key, action) in [("onDelete", relation.onDelete), ("onUpdate", relation.onUpdate)] where action == .SetNull {
            if let required = fields.first(where: { !$0.isOptional }) {
                diagnostics.append(.error(.setNullOnRequired, "relation '\(relation.name)' sets '\(required.name)' to NULL on \(key == "onDelete" ? "delete" : "update"), but the field is required",
                                          hint: "make '\(required.name)' nullable or use \(key): Cascade", at: relation.location(of: key)))
            }
        }
        // A key of several columns is absent when any of them is NULL (PostgreSQL's MATCH SIMPLE).
        let isOptional = fields.contains(where: \.isOptional)
        if let optional = relation.optional, optional != isOptional {
            let shown = fields.first { $0.isOptional == isOptional } ?? field
            diagnostics.append(.error(.contradictoryOptionality,
                                      "relation '\(relation.name)' says 'optional: \(optional)' but its field '\(shown.name)' is \(isOptional ? "nullable" : "required")",
                                      hint: optional ? "make '\(shown.name)' nullable" : "remove 'optional' or make the field required",
                                      at: relation.location(of: "optional")))
        }
        return diagnostics
    }

    /// The fields a belongsTo's key references: `references:`, which must name fields of the
    /// target that are unique together (naming its primary key is the same as leaving it out:
    /// ``Validator/withoutKeyReferences(_:catalog:)``), else the target's primary key; one per foreign-key field,
    /// each of its type (PostgreSQL cannot make a foreign key from TEXT to UUID: the start would
    /// fail). Nil when they are, or when the target is unknown (reported already).
    static func checkReferencedKey(_ relation: Relation, fields: [Field], catalog: EntityCatalog) -> Diagnostic? {
        guard catalog.exists(relation.target), !fields.isEmpty else { return nil }
        let key = catalog.primaryKeyFields(of: relation.target)
        // What the referenced fields are called in messages: "the primary key of Rule" for a key
        // of one field referenced without `references:`, else each one by name.
        func referenced(_ field: String) -> String {
            (relation.references ?? key) == key && key.count == 1 ? "the primary key of \(relation.target)" : "\(relation.target).\(field), which it references,"
        }
        if let list = fields.first(where: \.isList) {
            return .error(.relationTypeMismatch, "foreign key '\(list.name)' is a list; a foreign key holds one value",
                          hint: "give '\(list.name)' the type of \(relation.target)'s primary key, without []", at: list.location(of: "type"))
        }
        if let references = relation.references {
            if let unknown = references.first(where: { catalog.prismaType(of: $0, in: relation.target) == nil }) {
                return .error(.invalidReferences, "'references' of relation '\(relation.name)' names '\(YAMLNodeReader.printable(unknown))', which is no field of \(relation.target)",
                              hint: "name fields of \(relation.target) that are unique together (its primary key, or a unique index)", at: relation.location(of: "references"))
            }
            if !catalog.uniqueFieldSets(of: relation.target).contains(Set(references)) || Set(references).count != references.count {
                return .error(.invalidReferences,
                              "'references' of relation '\(relation.name)' names \(references.joined(separator: ", ")) of \(relation.target), which are not unique together: a foreign key must reference its primary key or a unique index",
                              hint: "add a unique index over [\(references.joined(separator: ", "))] to \(relation.target), or reference its primary key", at: relation.location(of: "references"))
            }
        } else if key.isEmpty {
            return .error(.relationTypeMismatch, "relation '\(relation.name)' points at \(relation.target), which has no primary key for a foreign key to reference",
                          hint: "give \(relation.target) a primary key, or name a unique index of it with 'references:'", at: relation.location(of: "entity"))
        }
        let targets = relation.references ?? key
        guard targets.count == fields.count else {
            if relation.references == nil {
                return .error(.relationTypeMismatch,
                              "relation '\(relation.name)' points at \(relation.target), whose primary key has several fields (\(key.joined(separator: ", "))); its foreign key needs as many",
                              hint: "write 'fields: [\(key.map { relation.target.prefix(1).lowercased() + relation.target.dropFirst() + $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: ", "))]', one field per key field, in the key's order",
                              at: relation.location(of: "entity"))
            }
            return .error(.relationTypeMismatch,
                          "relation '\(relation.name)' has \(fields.count) foreign-key field\(fields.count == 1 ? "" : "s") but references \(targets.count) of \(relation.target) (\(targets.joined(separator: ", ")))",
                          hint: "list one field per referenced field, in the same order", at: relation.location(of: "field"))
        }
        for (field, target) in zip(fields, targets) {
            if let type = catalog.prismaType(of: target, in: relation.target), type != field.type.prismaType {
                return .error(.relationTypeMismatch, "foreign key '\(field.name)' is \(field.type.rawValue) (\(field.type.prismaType)) but \(referenced(target)) is \(type)",
                              hint: "give '\(field.name)' the type of \(relation.target).\(target)", at: field.location(of: "type"))
            }
            let column = EntityCatalog.postgresColumnType(field.type, field.nativeType)
            if let targetColumn = catalog.columnType(of: target, in: relation.target), column != targetColumn {
                return .error(.relationTypeMismatch, "foreign key '\(field.name)' is a \(column) column on PostgreSQL but \(referenced(target)) is \(targetColumn)",
                              hint: "give '\(field.name)' the native type of \(relation.target).\(target) (db: ...)", at: field.location(of: field.nativeType == nil ? "type" : "db"))
            }
        }
        return nil
    }

    /// An implicit many-to-many: to an entity or host model with a key of one field, with no
    /// foreign key or actions of its own (the join table's are Prisma's: CASCADE both ways), and
    /// named when it joins an entity to itself (Prisma needs the name to tell the sides apart).
    static func checkManyToMany(_ relation: Relation, of entity: Entity, catalog: EntityCatalog) -> [Diagnostic] {
        if let unknown = checkTarget(relation, catalog: catalog) { return [unknown] }
        var diagnostics: [Diagnostic] = []
        for key in ["field", "references", "onDelete", "onUpdate", "optional"] where relation.keyLocations[key] != nil {
            diagnostics.append(.error(.invalidRelationKind, "'\(key)' does not apply to the many-to-many relation '\(relation.name)'",
                                      hint: "remove '\(key)': the join table holds both keys and deletes its rows with either side", at: relation.location(of: key)))
        }
        for side in [entity.name, relation.target] where catalog.primaryKeyFields(of: side).count != 1 {
            diagnostics.append(.error(.relationTypeMismatch, "the many-to-many relation '\(relation.name)' joins \(side), whose primary key is not one field",
                                      hint: "join entities whose key is one field, or write the join table as an entity with primaryKey: [...]", at: relation.location(of: "entity")))
        }
        if relation.target == entity.name && relation.relationName == nil {
            diagnostics.append(.error(.ambiguousRelation, "the many-to-many relation '\(relation.name)' joins \(entity.name) to itself and needs a 'relationName:'",
                                      hint: "add 'relationName: \(entity.name)\(relation.name.prefix(1).uppercased() + relation.name.dropFirst())' (its join table is named after it)",
                                      at: relation.location))
        }
        return diagnostics
    }

    static func checkHasMany(_ relation: Relation, of entity: Entity, catalog: EntityCatalog) -> [Diagnostic] {
        if let unknown = checkTarget(relation, catalog: catalog) { return [unknown] }
        if relation.keyLocations["references"] != nil {
            return [.error(.invalidRelationKind, "'references' does not apply to the hasMany relation '\(relation.name)'",
                           hint: "write it on the other side's belongsTo, which holds the foreign key", at: relation.location(of: "references"))]
        }
        guard let target = catalog.packageEntities[relation.target] else {
            return [.error(.hasManyWithoutBackReference,
                           "relation '\(relation.name)' is a hasMany to host model \(relation.target), which has no foreign key to \(entity.name)",
                           hint: "declare the relation from the other side: a belongsTo on an entity of a package", at: relation.location)]
        }
        let back = target.relations.filter { $0.kind == .belongsTo && $0.target == entity.name }
        if let foreignKey = relation.field {
            if back.contains(where: { $0.field == foreignKey }) { return [] }
            let hasColumn = target.field(named: foreignKey) != nil
            return [.error(.hasManyWithoutBackReference,
                           hasColumn
                               ? "relation '\(relation.name)' expects \(target.name).\(foreignKey) to point at \(entity.name), but \(target.name) has no belongsTo \(entity.name) on it"
                               : "relation '\(relation.name)' expects a foreign key \(target.name).\(YAMLNodeReader.printable(foreignKey)), which does not exist",
                           hint: "add to \(target.name): relations: [{ name: \(entity.name.prefix(1).lowercased() + entity.name.dropFirst()), type: belongsTo, entity: \(entity.name), field: \(foreignKey) }]",
                           at: relation.location(of: "field"))]
        }
        if back.isEmpty {
            return [.error(.hasManyWithoutBackReference, "relation '\(relation.name)': \(target.name) has no belongsTo relation back to \(entity.name)",
                           hint: "add a belongsTo \(entity.name) relation with its foreign key to \(target.name)", at: relation.location)]
        }
        if back.count > 1 {
            return [.error(.hasManyWithoutBackReference,
                           "relation '\(relation.name)' is ambiguous: \(target.name) has \(back.count) belongsTo relations to \(entity.name)",
                           hint: "name the foreign key with 'foreignKey: \(back[0].field ?? "...")'", at: relation.location)]
        }
        return []
    }
}
