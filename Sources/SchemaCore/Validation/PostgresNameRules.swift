/// Names PostgreSQL would make equal. It cuts identifiers at 63 bytes, and so do Prisma's names
/// of keys, indexes and constraints: two long names that differ only after the cut become one,
/// and then a `CREATE INDEX IF NOT EXISTS` skips the second index, a `DROP CONSTRAINT IF EXISTS`
/// removes another column's check, and an explicit index `name:` equal to another table's index
/// is never created. Checked at validation, for every package entity at once, whatever the
/// target database (a SQLite project may move to PostgreSQL).
enum PostgresNameRules {
    /// One named object and who owns it, for the message.
    struct Owner {
        var entity: String
        var what: String
        var location: SourceLocation?
    }

    /// - Parameter byName: every definition, grouped by entity name (one per name is checked:
    ///   differing definitions are E060 already).
    static func check(_ byName: [String: [ValidationReport.EntityDefinition]], host: PrismaSchema?) -> [Diagnostic] {
        let dialect = SQLDialect.postgresql
        var diagnostics: [Diagnostic] = []
        // Tables, indexes and primary keys share one namespace per schema.
        var relations: [String: Owner] = [:]
        /// Whether `name` was free (or already `owner`'s); a collision is reported once.
        @discardableResult
        func claim(_ name: String, _ owner: Owner, in namespace: inout [String: Owner]) -> Bool {
            let cut = cut(name)
            if let first = namespace[cut] {
                guard first.entity != owner.entity || first.what != owner.what else { return true }
                guard let location = owner.location ?? first.location else { return false }
                diagnostics.append(.error(
                    .nameCollision,
                    "PostgreSQL names \(first.what) and \(owner.what) both \"\(cut)\" (names are cut at 63 bytes)",
                    hint: "shorten the entity, field or index name (or its `map:`), or give the index a `name:` of its own", at: location))
                return false
            }
            namespace[cut] = owner
            return true
        }
        for model in host?.models ?? [] {
            let owner = Owner(entity: model.name, what: "the host's table \(model.tableName)")
            claim(model.tableName, owner, in: &relations)
            claim(model.primaryKeyMap ?? ConstraintName.primaryKey(model.tableName, in: dialect), Owner(entity: model.name, what: "the primary key of the host's \(model.name)"), in: &relations)
        }
        for name in byName.keys.sorted() where host?.model(named: name) == nil && Identifier.isValid(name) {
            guard let definition = byName[name]?.first else { continue }
            // Names that are not identifiers have their own error (E011); they are left out here.
            // What the database names is the table and its columns (`map:`).
            // Derived once: `canonical` is computed anew on every read (a read per index field made
            // validation quadratic in the number of indexes).
            let canonical = definition.canonical
            guard canonical.table.map(Identifier.isValid) ?? true,
                  canonical.fields.allSatisfy({ $0.column.map(Identifier.isDatabaseName) ?? true }),
                  canonical.keyMap.map(Identifier.isDatabaseName) ?? true else { continue }
            var entity = canonical.inDatabase
            let table = entity.name
            entity.fields = entity.fields.filter { Identifier.isDatabaseName($0.name) }
            entity.indexes = entity.indexes.filter { $0.fields.allSatisfy(Identifier.isDatabaseName) && $0.name.map(Identifier.isDatabaseName) ?? true }
            entity.relations = entity.relations.filter { $0.foreignKeyFields.allSatisfy(Identifier.isDatabaseName) }
            let at = definition.entity.location
            // A table named twice has every key and index named twice: the table is what to report.
            guard claim(table, Owner(entity: name, what: "the table \(table)", location: definition.entity.tableLocation ?? at), in: &relations) else { continue }
            // Two fields whose columns are one (`map:`), or whose names PostgreSQL cuts to one.
            var columns: [String: Owner] = [:]
            for field in definition.entity.fields where Identifier.isValid(field.name) {
                let column = field.column ?? field.name
                claim(column, Owner(entity: name, what: "the column of \(name).\(field.name)", location: field.location(of: field.column == nil ? "type" : "map")), in: &columns)
            }
            let keyAt = definition.entity.keyNameLocations["map"] ?? at
            let key = ConstraintName.primaryKey(of: entity, in: dialect)
            claim(key, Owner(entity: name, what: "the primary key of \(name)", location: keyAt), in: &relations)
            // A lookup per index field, not a scan of the fields (`columnName`): files of thousands of both exist.
            let columnOf = Dictionary(canonical.fields.map { ($0.name, $0.column ?? $0.name) }, uniquingKeysWith: { first, _ in first })
            var written: [[String]: SourceLocation] = [:]
            for index in definition.entity.indexes {
                let columns = index.fields.map { columnOf[$0] ?? $0 }
                if written[columns] == nil { written[columns] = index.location }
            }
            for index in entity.indexes {
                let location = written[index.fields] ?? at
                claim(ConstraintName.index(table, index, in: dialect),
                      Owner(entity: name, what: "the \(index.unique ? "unique " : "")index of \(name) on (\(index.fields.joined(separator: ", ")))", location: location),
                      in: &relations)
            }
            // Constraints are named per table: the primary key, foreign keys, and each field's
            // check and the helpers a change adds and drops by name.
            var constraints: [String: Owner] = [:]
            claim(key, Owner(entity: name, what: "the primary key of \(name)", location: keyAt), in: &constraints)
            for relation in entity.relations where relation.kind == .belongsTo {
                guard relation.field != nil else { continue }
                claim(ConstraintName.foreignKey(table, relation, in: dialect),
                      Owner(entity: name, what: "the foreign key \(name).\(relation.foreignKeyFields.joined(separator: ", "))", location: at), in: &constraints)
            }
            for field in entity.fields {
                claim(ConstraintName.check(table, field.name, in: dialect), Owner(entity: name, what: "the check of \(name).\(field.name)", location: at), in: &constraints)
                claim(ConstraintName.notNull(table, field.name, in: dialect), Owner(entity: name, what: "the NOT NULL helper of \(name).\(field.name)", location: at), in: &constraints)
                claim(ConstraintName.conversionGuard(table, field.name, in: dialect), Owner(entity: name, what: "the conversion guard of \(name).\(field.name)", location: at), in: &constraints)
            }
            var policies: [String: Owner] = [:]
            for operation in ACLOperation.allCases {
                claim(RowLevelSecurity.policyName(table, operation), Owner(entity: name, what: "the \(operation.rawValue) policy of \(name)", location: at), in: &policies)
            }
        }
        return diagnostics
    }

    /// `name` as PostgreSQL stores it: at most 63 bytes, cut at a character boundary.
    static func cut(_ name: String) -> String {
        guard let limit = SQLDialect.postgresql.identifierLimit, name.utf8.count > limit else { return name }
        var result = ""
        for character in name {
            if result.utf8.count + String(character).utf8.count > limit { break }
            result.append(character)
        }
        return result
    }
}
