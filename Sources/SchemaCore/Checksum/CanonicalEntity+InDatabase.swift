extension CanonicalEntity {
    /// The table's name in the database: `map:` when the package gives one, else the entity's name.
    public var tableName: String { table ?? name }

    /// The entity as the database has it: the table and column names in place of the entity's and
    /// the fields' own. SQL, data checks, rollouts and drift speak of tables and columns only, so
    /// they work on this value and need no map; Prisma output and the checksum use the entity.
    ///
    /// Relation targets keep the entity names (``PrimaryKeys`` gives their tables and columns), and
    /// so do relation names. Idempotent: an entity without `map:` is itself.
    public var inDatabase: CanonicalEntity {
        let columns = Dictionary(fields.compactMap { field in field.column.map { (field.name, $0) } }, uniquingKeysWith: { first, _ in first })
        guard table != nil || !columns.isEmpty || fields.contains(where: \.mapsEnum) else { return self }
        func column(_ name: String) -> String { columns[name] ?? name }

        var entity = self
        entity.name = tableName
        entity.table = nil
        entity.fields = fields.map { field in
            var field = field
            field.name = field.column ?? field.name
            field.column = nil
            return field.enumInDatabase
        }.sorted { $0.name < $1.name }
        entity.renameReferences(column)
        entity.acl = acl.map { acl in
            var acl = acl
            acl.rowLevel = acl.rowLevel.map { Self.rule($0.expression, columns: columns) }
            acl.readableWhen = acl.readableWhen.map { Self.rule($0.expression, columns: columns) }
            // The owner found by its field name (`userId`, …) is written out: the column has another name.
            if acl.rowLevel == nil, let owner = ACLEvaluator.ownerField(of: self), let mapped = columns[owner],
               let rule = try? RowLevelRule(parsing: "\(mapped) = $user.id") {
                acl.rowLevel = rule
            }
            return acl
        }
        entity.presentation = presentation.map { presentation in
            var presentation = presentation
            presentation.fieldOrder = presentation.fieldOrder.map(column)
            presentation.fieldDocumentation = Dictionary(presentation.fieldDocumentation.map { (column($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
            return presentation
        }
        return entity
    }

    /// This structure, read from the database (``inDatabase`` terms), named as `snapshot` names
    /// it: the entity's name and `map:`, each column a snapshot field maps under that field's name,
    /// and the snapshot's ACL. The inverse of ``inDatabase`` for what the snapshot knows.
    public func named(like snapshot: CanonicalEntity) -> CanonicalEntity {
        let fieldsByColumn = Dictionary(snapshot.fields.compactMap { field in field.column.map { ($0, field.name) } }, uniquingKeysWith: { first, _ in first })
        guard snapshot.table != nil || !fieldsByColumn.isEmpty || snapshot.fields.contains(where: \.mapsEnum) else { return self }
        let snapshotFields = Dictionary(snapshot.fields.map { ($0.column ?? $0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func field(_ column: String) -> String { fieldsByColumn[column] ?? column }

        var entity = self
        entity.name = snapshot.name
        entity.table = snapshot.table
        entity.fields = fields.map { field in
            var field = field
            if let known = snapshotFields[field.name], known.mapsEnum { field = field.enumNamed(like: known) }
            if let name = fieldsByColumn[field.name] {
                field.column = field.name
                field.name = name
            }
            return field
        }.sorted { $0.name < $1.name }
        entity.renameReferences(field)
        entity.acl = snapshot.acl
        return entity
    }

    /// Renames, with `rename`, every reference this entity makes to its own fields: the compound
    /// key, the indexes' fields (and their order and operator classes), and the belongsTo keys (a
    /// hasMany's field is a column of the target, which its own entity names).
    private mutating func renameReferences(_ rename: (String) -> String) {
        compoundKey = compoundKey?.map(rename)
        indexes = indexes.map { $0.renamingFields(rename) }.sorted()
        relations = relations.map { relation in
            var relation = relation
            if relation.kind == .belongsTo { relation = relation.renamingKeyFields(rename) }
            return relation
        }
    }

    /// The column of field `name` (the name itself for a field that does not map it, or none).
    public func columnName(_ name: String) -> String {
        field(named: name)?.column ?? name
    }

    /// `expression` with the row's own fields (one-part paths) named by their columns; a
    /// `relation.field` path keeps its names: the row-level renderer maps the target's field.
    static func rule(_ expression: RowLevelExpression, columns: [String: String]) -> RowLevelRule {
        func mapped(_ path: [String]) -> [String] { path.count == 1 ? [columns[path[0]] ?? path[0]] : path }
        func rewrite(_ expression: RowLevelExpression) -> RowLevelExpression {
            switch expression {
            case .or(let terms): return .or(terms.map(rewrite))
            case .and(let factors): return .and(factors.map(rewrite))
            case .comparison(var comparison):
                comparison.path = mapped(comparison.path)
                if case .path(let path) = comparison.operand { comparison.operand = .path(mapped(path)) }
                return .comparison(comparison)
            }
        }
        let rewritten = rewrite(expression)
        // Parsed again from its text, so the comparisons' positions are those of the stored form.
        return (try? RowLevelRule(parsing: rewritten.canonicalText)) ?? RowLevelRule(rewritten)
    }
}

extension CanonicalField {
    /// Whether the field's enum type, or one of its values, has another name in the database.
    public var mapsEnum: Bool { enumTypeMap != nil || enumValueMap != nil }

    /// The field's enum as the database has it: the type's database name, the labels in place of
    /// the values (the default's too), no maps. Itself when it maps nothing.
    var enumInDatabase: CanonicalField {
        guard mapsEnum else { return self }
        var field = self
        let labels = enumValueMap ?? [:]
        func label(_ value: ScalarValue) -> ScalarValue {
            if case .string(let text) = value, let mapped = labels[text] { return .string(mapped) }
            return value
        }
        field.enumType = enumTypeMap ?? enumType
        field.enumValues = enumValues?.map { labels[$0] ?? $0 }
        field.defaultValue = defaultValue.map(label)
        field.listDefault = listDefault?.map(label)
        field.enumTypeMap = nil
        field.enumValueMap = nil
        return field
    }

    /// This field, read from the database, with `snapshot`'s enum names: the inverse of
    /// ``enumInDatabase`` for a type of the snapshot's database name. Labels the snapshot does
    /// not know stay as read (drift names them).
    func enumNamed(like snapshot: CanonicalField) -> CanonicalField {
        guard snapshot.mapsEnum, enumType == (snapshot.enumTypeMap ?? snapshot.enumType) else { return self }
        var field = self
        let values = Dictionary((snapshot.enumValueMap ?? [:]).map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
        func value(_ scalar: ScalarValue) -> ScalarValue {
            if case .string(let text) = scalar, let named = values[text] { return .string(named) }
            return scalar
        }
        field.enumType = snapshot.enumType
        field.enumValues = enumValues?.map { values[$0] ?? $0 }
        field.defaultValue = defaultValue.map(value)
        field.listDefault = listDefault?.map(value)
        field.enumTypeMap = snapshot.enumTypeMap
        field.enumValueMap = snapshot.enumValueMap
        return field
    }
}
