/// A live table read back as an entity structure, starting from the applied snapshot: what the
/// database holds, in the terms `schema` plans with. A repair is planned from it to the snapshot
/// (`TableDiff`, the same renderer as every change); accepting drift records it as the snapshot.
public enum LiveEntity {
    /// The live table as a structure, and what about it `entities.yaml` cannot express (a type or
    /// default it has no word for, a constraint `schema` does not make, a composite key). When
    /// `limits` is not empty the structure is not a faithful picture: neither repair nor accept
    /// may use it.
    public static func approximate(_ live: TableShape, snapshot: CanonicalEntity, dialect: SQLDialect,
                                   primaryKeys: [String: String]) -> (entity: CanonicalEntity, limits: [String]) {
        // The live table has columns, not fields: it is read against the snapshot as the database
        // has it, and the result named back in the snapshot's terms.
        let original = snapshot
        let snapshot = snapshot.inDatabase(for: dialect)
        let table = snapshot.name
        let expected = TableShape.expected(for: snapshot, dialect: dialect, primaryKeys: primaryKeys)
        var limits: [String] = []
        // A join table is what its many-to-many relations make: there is no structure to record or restore it to but that.
        if original.isJoinTable && !Drift.differences(expected: expected, live: live).isEmpty {
            limits.append("it is the join table of a many-to-many, made by its relations; fix it by hand to what `schema plan` shows for it")
        }
        if live.primaryKey.isEmpty && !original.isJoinTable && !snapshot.keyColumns.isEmpty {
            limits.append("the table has no primary key")
        }
        let liveChecks = Dictionary(live.checks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

        var fields: [CanonicalField] = []
        for column in live.columns {
            let known = snapshot.field(named: column.name)
            var field = known ?? CanonicalField(name: column.name, type: .string, optional: true)
            if expected.column(named: column.name)?.type != column.type {
                guard let (type, length) = fieldType(column.type, dialect) else {
                    limits.append("column \(column.name) has type \(column.type), which entities.yaml cannot express")
                    continue
                }
                field.type = type
                field.maxLength = length
            }
            field.primary = live.primaryKey.contains(column.name)
            field.optional = !column.notNull && !field.primary
            if column.defaultValue == ShapeText.autoincrement || ShapeText.isNarrowSequence(column.defaultValue) {
                field.generated = true
                field.defaultValue = nil
            } else {
                if field.type == .int || field.type == .bigint { field.generated = false }
                if column.defaultValue != expected.column(named: column.name)?.defaultValue {
                    field.defaultValue = nil
                    field.databaseDefault = nil
                    if let text = column.defaultValue {
                        if let computed = computedDefault(text, type: field.type, dialect) {
                            field.databaseDefault = computed
                        } else if let value = scalar(text, type: field.type) {
                            field.defaultValue = value
                        } else {
                            limits.append("column \(column.name) has the default \(text), which entities.yaml cannot express")
                        }
                    }
                }
            }
            // A check the table lacks (or never validated) is a constraint the column does not have.
            if known != nil, dialect.checkExpression(field) != nil,
               liveChecks[ConstraintName.check(table, field.name, in: dialect)]?.valid != true {
                field.enumValues = nil
                field.minimum = nil
                field.maximum = nil
                if dialect == .sqlite { field.maxLength = nil }
            }
            fields.append(field)
        }
        let expectedChecks = Set(expected.checks.map(\.name))
        for check in live.checks where !expectedChecks.contains(check.name) {
            limits.append("check constraint \(check.name) is not one schema makes")
        }

        // Indexes a killed build left INVALID are left out: the repair builds them again.
        let indexes = live.indexes.filter(\.valid).compactMap { index -> CanonicalIndex? in
            let conventional = ConstraintName.index(table, CanonicalIndex(fields: index.columns, unique: index.unique), in: dialect)
            let options = index.columnOptions.map { $0.split(separator: " ").map(String.init) }
            var classes: [String: String] = [:]
            var descending: [String] = []
            for (column, words) in zip(index.columns, options) {
                if words.last == "desc" { descending.append(column) }
                if let first = words.first, first != "desc" { classes[column] = first }
            }
            if index.deferred == true {
                limits.append("index \(index.name) is a DEFERRABLE unique constraint, which entities.yaml cannot express")
                return nil
            }
            let method = index.method.flatMap { name in IndexMethod.allCases.first { $0.sql == name } }
            if index.method != nil && method == nil {
                limits.append("index \(index.name) uses the access method \(index.method ?? ""), which entities.yaml cannot express")
                return nil
            }
            var found = CanonicalIndex(fields: index.columns, unique: index.unique, name: index.name == conventional ? nil : index.name,
                                       method: method, descending: descending, operatorClasses: classes)
            // The database does not know a key's client name: the snapshot's goes with its index.
            found.clientName = snapshot.indexes.first { $0.inDatabase == found }?.clientName
            return found
        }.sorted()

        var relations = snapshot.relations.filter { $0.kind != .belongsTo }
        for key in live.foreignKeys {
            guard let column = key.columns.first else { continue }
            if !key.valid {
                limits.append("foreign key \(key.name ?? column) is NOT VALID: an apply is unfinished, or it was added by hand")
                continue
            }
            guard let onDelete = action(key.onDelete), let onUpdate = action(key.onUpdate) else {
                limits.append("foreign key on \(column) has an action entities.yaml cannot express")
                continue
            }
            // A key's target is a table; the snapshot's relation names the model (`@@map`, `map:`).
            let known = snapshot.relations.first { $0.kind == .belongsTo && $0.foreignKeyFields == key.columns && PrimaryKeys.qualifiedTable($0.target, in: primaryKeys) == key.target }
            let name = known?.name ?? lowercasedFirst(key.target) + (relations.contains { $0.name == lowercasedFirst(key.target) } ? column : "")
            var relation = CanonicalRelation(name: name, kind: .belongsTo, target: known?.target ?? key.target, field: column, onDelete: onDelete, onUpdate: onUpdate,
                                             fields: key.columns, references: known?.references)
            // A key under another name than Prisma's is the relation's `map:` (a repair renames it back).
            if let keyName = key.name, keyName != ConstraintName.foreignKey(table, key.columns.joined(separator: "_"), in: dialect) { relation.map = keyName }
            relations.append(relation)
        }
        var entity = CanonicalEntity(name: table, fields: fields.sorted { $0.name < $1.name }, indexes: indexes,
                                     relations: relations.sorted { $0.name < $1.name }, acl: snapshot.acl)
        if live.primaryKey.count > 1 { entity.compoundKey = live.primaryKey }
        // The key constraint under another name than Prisma's is a `map:` of the key (a repair
        // renames it back); its client name is Prisma Client's, which the database does not know.
        var unmapped = snapshot
        unmapped.keyMap = nil
        if let name = live.primaryKeyName, !live.primaryKey.isEmpty, name != ConstraintName.primaryKey(of: unmapped, in: dialect) { entity.keyMap = name }
        entity.keyName = original.keyName
        entity.joinTable = original.joinTable
        return (entity.named(like: original), limits)
    }

    /// The field type a column type reads back as.
    static func fieldType(_ type: String, _ dialect: SQLDialect) -> (FieldType, Int?)? {
        switch dialect {
        case .postgresql:
            if type.hasPrefix("character varying("), let length = Int(type.dropFirst("character varying(".count).dropLast()) { return (.string, length) }
            switch type {
            case "text": return (.string, nil)
            case "integer": return (.int, nil)
            case "bigint": return (.bigint, nil)
            case "double precision": return (.float, nil)
            case "boolean": return (.boolean, nil)
            case "timestamp(3) without time zone": return (.datetime, nil)
            case "jsonb": return (.json, nil)
            case "numeric(65,30)": return (.decimal, nil)
            case "bytea": return (.bytes, nil)
            default: return nil
            }
        case .sqlite:
            switch type {
            case "TEXT": return (.string, nil)
            case "INTEGER": return (.int, nil)
            case "BIGINT": return (.bigint, nil)
            case "REAL": return (.float, nil)
            case "BOOLEAN": return (.boolean, nil)
            case "DATETIME": return (.datetime, nil)
            case "JSONB": return (.json, nil)
            case "DECIMAL": return (.decimal, nil)
            case "BLOB": return (.bytes, nil)
            default: return nil
            }
        }
    }

    /// A normalized default that is one of the expressions a package may give (``DatabaseDefault``)
    /// and no value (`CURRENT_TIMESTAMP` reads as `default: now`), for a field of `type`.
    static func computedDefault(_ text: String, type: FieldType, _ dialect: SQLDialect) -> DatabaseDefault? {
        guard scalar(text, type: type) == nil else { return nil }
        return DatabaseDefault.allCases.first { $0.types.contains(type) && ShapeText.defaultValue($0.expression(dialect)) == text }
    }

    /// A normalized default as a value of `type`; nil when it is an expression entities.yaml has no word for.
    static func scalar(_ text: String, type: FieldType) -> ScalarValue? {
        if text == "CURRENT_TIMESTAMP" { return type == .datetime ? .string("now") : nil }
        if text == "true" || text == "false" { return .bool(text == "true") }
        if let literal = ShapeText.stringLiteral(text) { return .string(literal) }
        if type == .float, let number = Double(text) { return .float(number) }
        if let number = Int64(text) { return .integer(number) }
        if let number = Double(text) { return .float(number) }
        return nil
    }

    static func action(_ sql: String) -> ReferentialAction? {
        ReferentialAction.allCases.first { $0.sql == sql }
    }

    static func lowercasedFirst(_ text: String) -> String {
        text.prefix(1).lowercased() + text.dropFirst()
    }
}
