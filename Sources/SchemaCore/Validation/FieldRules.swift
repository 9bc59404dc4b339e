import Foundation

/// Rules about names and fields of one entity.
enum FieldRules {
    static func check(_ entity: Entity) -> [Diagnostic] {
        var diagnostics = checkNames(entity)
        diagnostics += checkPrimaryKey(entity)
        diagnostics += checkKeyNames(entity)
        for field in entity.fields {
            diagnostics += check(field)
        }
        return diagnostics
    }

    static func checkNames(_ entity: Entity) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if !Identifier.isValid(entity.name) {
            diagnostics.append(invalidName(entity.name, kind: "entity", at: entity.location))
        } else if Identifier.reservedModelNames.contains(entity.name) {
            diagnostics.append(.error(.reservedName, "'\(entity.name)' is reserved by Prisma and cannot be a model name",
                                      hint: "choose another name, e.g. '\(entity.name.prefix(1).uppercased() + entity.name.dropFirst())Record'", at: entity.location))
        }
        if let table = entity.table, !Identifier.isValid(table) {
            diagnostics.append(invalidName(table, kind: "table ('map')", at: entity.tableLocation ?? entity.location))
        }
        if let old = entity.renamedFrom, !Identifier.isValid(old) {
            diagnostics.append(invalidName(old, kind: "renamedFrom", at: entity.renamedFromLocation ?? entity.location))
        }
        var seen: Set<String> = []
        for field in entity.fields {
            if let column = field.column, !Identifier.isDatabaseName(column) {
                diagnostics.append(invalidName(column, kind: "column ('map')", at: field.location(of: "map")))
            }
            if !Identifier.isValid(field.name) {
                diagnostics.append(invalidName(field.name, kind: "field", at: field.location))
            } else if Identifier.reservedFieldNames.contains(field.name) {
                diagnostics.append(.error(.reservedName, "'\(field.name)' is reserved by Prisma Client and cannot be a field name",
                                          hint: "rename the field", at: field.location))
            }
            if !seen.insert(field.name).inserted {
                diagnostics.append(.error(.duplicateName, "field '\(field.name)' is declared twice in \(entity.name)", hint: "remove or rename one", at: field.location))
            }
        }
        var relationNames: Set<String> = []
        for relation in entity.relations {
            if !Identifier.isValid(relation.name) {
                diagnostics.append(invalidName(relation.name, kind: "relation", at: relation.location))
            }
            if seen.contains(relation.name) {
                diagnostics.append(.error(.duplicateName, "relation '\(relation.name)' has the name of a field of \(entity.name)",
                                          hint: "Prisma puts fields and relations in one namespace; rename the relation", at: relation.location))
            }
            if !relationNames.insert(relation.name).inserted {
                diagnostics.append(.error(.duplicateName, "relation '\(relation.name)' is declared twice in \(entity.name)", hint: "remove or rename one", at: relation.location))
            }
        }
        let fieldNames = entity.fields.map(\.name)
        for index in entity.indexes {
            if let name = index.name, !Identifier.isDatabaseName(name) {
                diagnostics.append(invalidName(name, kind: "index", at: index.location))
            }
            for field in index.fields where entity.field(named: field) == nil && !entity.isUnreadable(field: field) {
                diagnostics.append(.error(.indexFieldMissing, "index names field '\(YAMLNodeReader.printable(field))', which \(entity.name) does not have",
                                          hint: Suggestion.hint(for: field, in: fieldNames), at: index.location))
            }
            for field in index.descending.union(index.operatorClasses.keys).sorted() where !index.fields.contains(field) {
                let key = index.descending.contains(field) ? "sort" : "ops"
                diagnostics.append(.error(.indexFieldMissing, "the index's '\(key)' names '\(YAMLNodeReader.printable(field))', which is not one of its fields",
                                          hint: Suggestion.hint(for: field, in: index.fields) ?? "name one of \(index.fields.joined(separator: ", "))",
                                          at: index.keyLocations["\(key).\(field)"] ?? index.location))
            }
            if let clientName = index.clientName {
                if !Identifier.isValid(clientName) {
                    diagnostics.append(invalidName(clientName, kind: "clientName", at: index.keyLocations["clientName"] ?? index.location))
                } else if !index.isUnique {
                    diagnostics.append(.error(.invalidConstraint, "'clientName' names a unique key in Prisma Client, but this index is not unique",
                                              hint: "add 'unique: true' or remove 'clientName'", at: index.keyLocations["clientName"] ?? index.location))
                }
            }
            // PostgreSQL builds unique indexes only as B-trees.
            if index.isUnique, let method = index.method, method != .BTree {
                diagnostics.append(.error(.invalidConstraint, "a unique index cannot be of type \(method.rawValue): PostgreSQL makes unique indexes only as B-trees",
                                          hint: "remove 'type' or 'unique'", at: index.keyLocations["type"] ?? index.location))
            }
        }
        return diagnostics
    }

    static func invalidName(_ name: String, kind: String, at location: SourceLocation) -> Diagnostic {
        let reason = name.utf8.count > Identifier.maximumLength
            ? "is longer than \(Identifier.maximumLength) bytes"
            : "is not a valid identifier"
        // A column's `map:` and an index's `name:` may also begin with '_' (a table's may not:
        // that is how implicit many-to-many join tables are named).
        let start = kind.hasPrefix("column") || kind == "index" || kind.hasSuffix("constraint's") ? "a letter or '_'" : "a letter"
        return .error(.invalidIdentifier, "\(kind) name '\(YAMLNodeReader.printable(name))' \(reason)",
                      hint: "names start with \(start) and contain only letters, digits and '_'", at: location)
    }

    static func checkPrimaryKey(_ entity: Entity) -> [Diagnostic] {
        if let names = entity.compoundKey { return checkCompoundKey(names, of: entity) }
        let keys = entity.primaryKey
        // A key field that could not be read is already reported; "no primary key" would follow from it.
        // Without a key, Prisma needs a unique criterion of required fields (the table gets no key).
        if keys.isEmpty, !entity.fields.isEmpty, entity.unreadableFields.isEmpty, !entity.hasUniqueCriterion {
            return [.error(.primaryKeyCount, "entity \(entity.name) has no primary key and no unique field or index of required fields",
                           hint: "mark one field 'primary: true', e.g. 'id: { type: cuid, primary: true, generated: true }', or, as Prisma allows, "
                            + "make a required field 'unique: true' (the table then has no primary key)", at: entity.location)]
        }
        if keys.count > 1 {
            return keys.dropFirst().map {
                .error(.primaryKeyCount, "entity \(entity.name) has more than one primary key ('\(keys[0].name)' and '\($0.name)')",
                       hint: "for a key of several columns write 'primaryKey: [\(keys.map(\.name).joined(separator: ", "))]' on the entity (Prisma's @@id) instead of 'primary: true' on each field",
                       at: $0.location(of: "primary"))
            }
        }
        return []
    }

    /// `primaryKey: { name:, map: }`: a Prisma Client name for a key of several fields, a
    /// constraint name for any key, each a name the database or Prisma Client accepts.
    static func checkKeyNames(_ entity: Entity) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if let name = entity.keyClientName {
            let at = entity.keyNameLocations["name"] ?? entity.location
            if !Identifier.isValid(name) {
                diagnostics.append(invalidName(name, kind: "the primary key's client", at: at))
            } else if (entity.compoundKey?.count ?? 0) < 2 {
                diagnostics.append(.error(.invalidConstraint, "the primary key's 'name' names a key of several fields in Prisma Client (@@id(name:)), but the key of \(entity.name) is one field",
                                          hint: "Prisma Client finds a row by that field's name; remove 'name'", at: at))
            }
        }
        if let map = entity.keyConstraintName {
            let at = entity.keyNameLocations["map"] ?? entity.location
            if !Identifier.isDatabaseName(map) {
                diagnostics.append(invalidName(map, kind: "the primary key constraint's", at: at))
            } else if entity.primaryKey.isEmpty && entity.compoundKey == nil {
                diagnostics.append(.error(.invalidConstraint, "the primary key's 'map' names a key constraint, but \(entity.name) has no primary key",
                                          hint: "add 'fields: [...]' to 'primaryKey' or mark a field 'primary: true'", at: at))
            }
        }
        return diagnostics
    }

    /// `primaryKey: [a, b]`: fields the entity has, each once, none of them nullable, generated or
    /// also `primary: true`.
    static func checkCompoundKey(_ names: [String], of entity: Entity) -> [Diagnostic] {
        let at = entity.compoundKeyLocation ?? entity.location
        var diagnostics: [Diagnostic] = []
        if names.isEmpty {
            diagnostics.append(.error(.primaryKeyCount, "the 'primaryKey' of \(entity.name) names no field", hint: "list the key's fields: primaryKey: [postId, tagId]", at: at))
        }
        if Set(names).count != names.count {
            diagnostics.append(.error(.primaryKeyCount, "the 'primaryKey' of \(entity.name) names a field twice", hint: "name each key field once", at: at))
        }
        for name in names where entity.field(named: name) == nil && !entity.isUnreadable(field: name) {
            diagnostics.append(.error(.indexFieldMissing, "the 'primaryKey' of \(entity.name) names '\(YAMLNodeReader.printable(name))', which \(entity.name) does not have",
                                      hint: Suggestion.hint(for: name, in: entity.fields.map(\.name)) ?? "declare the field", at: at))
        }
        for field in entity.fields where field.isPrimary {
            diagnostics.append(.error(.primaryKeyCount, "\(entity.name) has 'primaryKey:' and '\(field.name)' is also 'primary: true'",
                                      hint: "keep one: 'primaryKey: [...]' for a key of several fields, 'primary: true' for one", at: field.location(of: "primary")))
        }
        for field in entity.primaryKey {
            if field.nullable == true || field.required == false {
                diagnostics.append(.error(.contradictoryOptionality, "key field '\(field.name)' of \(entity.name) cannot be nullable",
                                          hint: "remove 'nullable'/'required: false'", at: field.location(of: field.nullable == true ? "nullable" : "required")))
            }
            // A cuid or uuid is Prisma Client's to make (langfuse's `@@id([id, projectId])` with
            // `id String @default(cuid())`); a database sequence in a key of several columns is not
            // what SQLite can make.
            if field.isGenerated && names.count > 1 && (field.type == .int || field.type == .bigint) {
                diagnostics.append(.error(.invalidConstraint, "key field '\(field.name)' of \(entity.name) is generated, which a key of several fields cannot be",
                                          hint: "remove 'generated: true' (a number in a key of several fields is one the application gives)", at: field.location(of: "generated")))
            }
        }
        return diagnostics
    }

    static func check(_ field: Field) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if field.required == true && field.nullable == true {
            diagnostics.append(.error(.contradictoryOptionality, "field '\(field.name)' is both 'required: true' and 'nullable: true'",
                                      hint: "keep one of them", at: field.location(of: "nullable")))
        }
        if field.isPrimary && (field.nullable == true || field.required == false) {
            diagnostics.append(.error(.contradictoryOptionality, "primary key '\(field.name)' cannot be nullable",
                                      hint: "remove 'nullable'/'required: false'", at: field.location(of: field.nullable == true ? "nullable" : "required")))
        }
        if field.maxLength != nil && field.type != .string {
            diagnostics.append(.error(.constraintOnWrongType, "'maxLength' applies to strings, but '\(field.name)' is \(field.type.rawValue)",
                                      hint: "remove 'maxLength' or change the type to string", at: field.location(of: "maxLength")))
        }
        if let native = field.nativeType {
            if let problem = native.problem(for: field.type) {
                diagnostics.append(.error(.constraintOnWrongType, "'db' of '\(field.name)': \(problem)", at: field.location(of: "db")))
            } else if field.maxLength != nil {
                diagnostics.append(.error(.constraintOnWrongType, "'\(field.name)' has both 'maxLength' (VARCHAR(n)) and 'db: \(native)'",
                                          hint: "keep one: maxLength is Prisma's @db.VarChar(n)", at: field.location(of: "db")))
            }
        }
        if let name = field.enumType {
            // The type is the enum: PostgreSQL stores its values, nothing else limits them.
            for key in ["maxLength", "db"] where field.keyLocations[key] != nil {
                diagnostics.append(.error(.constraintOnWrongType, "'\(key)' does not apply to '\(field.name)', whose type is the enum \(name)",
                                          hint: "remove '\(key)'", at: field.location(of: key)))
            }
        }
        if let version = field.idVersion {
            let allowed = IDVersion.allowed(for: field.type)
            if allowed.isEmpty || !field.isGenerated {
                diagnostics.append(.error(.constraintOnWrongType, "'version' applies to a generated cuid or uuid, but '\(field.name)' is \(field.isGenerated ? "" : "not generated and is ")\(field.type.rawValue)",
                                          hint: "remove 'version', or write 'type: cuid' or 'type: uuid' with 'generated: true'", at: field.location(of: "version")))
            } else if !allowed.contains(version) {
                diagnostics.append(.error(.invalidConstraint, "'version' of '\(field.name)' is \(version); Prisma makes a \(field.type.rawValue) of version \(allowed.map(String.init).joined(separator: " or "))",
                                          hint: "write 'version: \(allowed[1])' for \(field.type.rawValue)(\(allowed[1])), or remove it for \(field.type.rawValue)()", at: field.location(of: "version")))
            }
        }
        if field.isUpdatedAt && field.type != .datetime {
            diagnostics.append(.error(.constraintOnWrongType, "'updatedAt' applies to datetime fields, but '\(field.name)' is \(field.type.rawValue)",
                                      hint: "remove 'updatedAt' or change the type to datetime", at: field.location(of: "updatedAt")))
        }
        if field.enumValues != nil && field.type != .string {
            diagnostics.append(.error(.constraintOnWrongType, "'enum' applies to strings, but '\(field.name)' is \(field.type.rawValue)",
                                      hint: "remove 'enum' or change the type to string", at: field.location(of: "enum")))
        }
        for key in ["min", "max"] where field.keyLocations[key] != nil && !field.type.isNumeric {
            diagnostics.append(.error(.constraintOnWrongType, "'\(key)' applies to numbers, but '\(field.name)' is \(field.type.rawValue)",
                                      hint: "use 'maxLength' for strings", at: field.location(of: key)))
        }
        if let minimum = field.minimum, let maximum = field.maximum, minimum > maximum {
            diagnostics.append(.error(.invalidConstraint, "'min' (\(CanonicalNumber.format(minimum))) is above 'max' (\(CanonicalNumber.format(maximum))) on '\(field.name)'",
                                      at: field.location(of: "min")))
        }
        if field.isGenerated {
            switch field.type {
            case .cuid, .uuid: break
            case .int where field.isPrimary, .bigint where field.isPrimary: break
            default:
                diagnostics.append(.error(.generatedOnWrongType,
                                          "'generated' needs a cuid or uuid field (or an int primary key for autoincrement), but '\(field.name)' is \(field.type.rawValue)",
                                          hint: field.type == .string ? "use 'type: cuid' for generated identifiers" : "remove 'generated'",
                                          at: field.location(of: "generated")))
            }
            if field.defaultValue != nil {
                diagnostics.append(.error(.defaultTypeMismatch, "'\(field.name)' is generated and also has a default", hint: "keep one of them",
                                          at: field.location(of: "default")))
            }
        }
        if let value = field.defaultValue {
            diagnostics += checkDefault(value, of: field)
        }
        if let computed = field.databaseDefault {
            if field.isList || field.isGenerated || field.enumType != nil || !computed.types.contains(field.type) {
                let what = field.isList ? "the list '\(field.name)'" : field.isGenerated ? "'\(field.name)', which is generated" : "'\(field.name)' (\(field.type.rawValue))"
                diagnostics.append(.error(.defaultTypeMismatch, "the default dbgenerated(\"\(computed.rawValue)\") does not fit \(what)",
                                          hint: "it fills \(computed.types.map(\.rawValue).sorted().joined(separator: " or ")) fields" + (field.isGenerated ? "; remove 'generated' or the default" : ""),
                                          at: field.location(of: "default")))
            }
        }
        if field.isList {
            diagnostics += checkList(field)
        }
        diagnostics += ValueRules.check(field)
        if let old = field.renamedFrom, !Identifier.isValid(old) {
            diagnostics.append(invalidName(old, kind: "renamedFrom", at: field.location(of: "renamedFrom")))
        }
        return diagnostics
    }

    /// A list (`String[]`): a nullable array column, as Prisma makes it, whose elements are
    /// checked as defaults of one value; what constrains one value (a key, an index of its own, a
    /// length, a range, a CHECK) or Prisma forbids on a list does not apply.
    static func checkList(_ field: Field) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for key in ["primary", "generated", "unique", "maxLength", "min", "max", "updatedAt", "nullable", "optional", "required"] where field.keyLocations[key] != nil {
            diagnostics.append(.error(.constraintOnWrongType, "'\(key)' does not apply to the list '\(field.name)'",
                                      hint: "remove '\(key)' (a list column is an array, nullable as Prisma makes it)", at: field.location(of: key)))
        }
        if field.enumType == nil, field.keyLocations["enum"] != nil {
            diagnostics.append(.error(.constraintOnWrongType, "'enum' does not apply to the list '\(field.name)'",
                                      hint: "declare an enum type under 'enums:' and write type: Name[]", at: field.location(of: "enum")))
        }
        var element = field
        element.isList = false
        for value in field.listDefault ?? [] {
            element.defaultValue = value
            diagnostics += checkDefault(value, of: element) + ValueRules.check(element)
        }
        return diagnostics
    }

    static func checkDefault(_ value: ScalarValue, of field: Field) -> [Diagnostic] {
        let location = field.location(of: "default")
        func mismatch(_ expected: String) -> [Diagnostic] {
            [.error(.defaultTypeMismatch, "default \(value) of '\(field.name)' is not \(expected)",
                    hint: "write a default of the field's type (\(field.type.rawValue))", at: location)]
        }
        if let native = field.nativeType, native.problem(for: field.type) == nil, let problem = native.problem(withDefault: value) {
            return [.error(.defaultTypeMismatch, "default \(value) of '\(field.name)' \(problem)",
                           hint: "write a default its column (db: \(native)) takes", at: location)]
        }
        switch (field.type, value) {
        case (.string, .string(let text)), (.cuid, .string(let text)), (.uuid, .string(let text)):
            if let values = field.enumValues, !values.contains(text) {
                return [.error(.defaultNotInEnum, "default \"\(YAMLNodeReader.printable(text))\" of '\(field.name)' is not one of its enum values",
                               hint: Suggestion.hint(for: text, in: values) ?? "use one of \(values.joined(separator: ", "))", at: location)]
            }
            if let length = field.maxLength, text.count > length {
                return [.error(.defaultTypeMismatch, "default of '\(field.name)' is \(text.count) characters, above its maxLength \(length)", at: location)]
            }
            return []
        case (.int, .integer(let number)):
            if number < Int64(Int32.min) || number > Int64(Int32.max) { return mismatch("a 32-bit integer") }
            return checkBounds(Double(number), field: field, location: location)
        case (.bigint, .integer(let number)):
            return checkBounds(Double(number), field: field, location: location)
        case (.float, .integer(let number)), (.decimal, .integer(let number)):
            return checkBounds(Double(number), field: field, location: location)
        case (.float, .float(let number)), (.decimal, .float(let number)):
            return checkBounds(number, field: field, location: location)
        case (.decimal, .string(let text)):
            // Prisma's `@default("2.00")`: the digits as written, which the database keeps.
            guard ScalarValue.isDecimalLiteral(text), let number = Double(text) else { return mismatch("a number (\"2.00\" keeps its digits)") }
            return checkBounds(number, field: field, location: location)
        case (.boolean, .bool):
            return []
        case (.json, .string(let text)):
            if (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) == nil {
                return mismatch("valid JSON text")
            }
            return []
        case (.datetime, .string(let text)):
            if text == "now" || ISO8601DateFormatter().date(from: text) != nil { return [] }
            return mismatch("'now' or an ISO-8601 timestamp such as \"2025-01-01T00:00:00Z\"")
        case (.int, _), (.bigint, _): return mismatch("an integer")
        case (.float, _), (.decimal, _): return mismatch("a number")
        case (.bytes, _): return mismatch("anything: a bytes field takes no default")
        case (.boolean, _): return mismatch("true or false")
        case (.json, _): return mismatch("JSON text in quotes")
        default: return mismatch("a string")
        }
    }

    static func checkBounds(_ number: Double, field: Field, location: SourceLocation) -> [Diagnostic] {
        if let minimum = field.minimum, number < minimum {
            return [.error(.defaultTypeMismatch, "default \(CanonicalNumber.format(number)) of '\(field.name)' is below its min \(CanonicalNumber.format(minimum))", at: location)]
        }
        if let maximum = field.maximum, number > maximum {
            return [.error(.defaultTypeMismatch, "default \(CanonicalNumber.format(number)) of '\(field.name)' is above its max \(CanonicalNumber.format(maximum))", at: location)]
        }
        return []
    }
}
