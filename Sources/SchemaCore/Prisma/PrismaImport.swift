import Foundation

/// Writes Prisma models as an `entities.yaml`: how a host moves models into a package (and how
/// the round-trip test proves that what the files say comes back as Prisma wrote it). What
/// `entities.yaml` cannot say is reported per model and field, never dropped silently.
public enum PrismaImport {
    /// The package text and what could not be carried over.
    public struct Result: Sendable {
        public var yaml: String
        /// `Model.field: what` for everything `entities.yaml` has no word for.
        public var limits: [String]
    }

    /// The models of `schema` (or only `models`) as one `entities.yaml`.
    public static func package(from schema: PrismaSchema, models names: [String]? = nil) -> Result {
        var limits: [String] = []
        let chosen = schema.models.filter { names?.contains($0.name) ?? true }
        // A model is carried over only with a primary key (of one field or several) entities.yaml
        // can say; the others are listed, and so are relations and indexes that would name what is left out.
        let carried = Dictionary(chosen.map { model in
            (model.name, Set(model.fields.filter { field in
                (field.isScalar && types[field.type] != nil) || carriedEnum(field.type, in: schema)
            }.map(\.name)))
        }, uniquingKeysWith: { first, _ in first }).filter { name, columns in
            guard let model = schema.model(named: name) else { return false }
            // Without a key, a unique criterion of required fields identifies a row, as in Prisma.
            return model.primaryKey.isEmpty ? hasUniqueCriterion(model, carried: columns) : model.primaryKey.allSatisfy(columns.contains)
        }
        // The models not chosen stay in the host, where a package's belongsTo may reference them.
        let hostModels = Set(schema.models.map(\.name)).subtracting(chosen.map(\.name))
        var lines = ["entities:"]
        var enums: Set<String> = []
        for model in chosen {
            if let databaseSchema = model.databaseSchema, databaseSchema != schema.packageSchema {
                limits.append("\(model.name): it lives in the database schema \(databaseSchema) (@@schema); package tables are made in \(schema.packageSchema); the model is not carried over")
                continue
            }
            guard carried[model.name] != nil else {
                let key = model.primaryKey.isEmpty ? "it has no primary key and no unique field or @@unique of required fields it can carry" : "its primary key (\(model.primaryKey.joined(separator: ", "))) names a field entities.yaml cannot say"
                limits.append("\(model.name): \(key); the model is not carried over")
                continue
            }
            lines += entity(model, in: schema, carried: carried, hostModels: hostModels, limits: &limits)
            enums.formUnion(model.fields.filter { carriedEnum($0.type, in: schema) }.map(\.type))
        }
        // Prisma Migrate creates every enum of the schema; a package creates an enum type with the
        // entity whose field uses it, so an enum no carried field uses is listed, not dropped silently.
        if names == nil {
            for unused in schema.enums where !enums.contains(unused) && !schema.models.contains(where: { model in model.fields.contains { $0.type == unused } }) {
                limits.append("enum \(unused): no model uses it, and a package makes an enum type only with an entity whose field does; it is not carried over")
            }
        }
        // The enum types the carried fields name, each with its values in order.
        if !enums.isEmpty {
            lines = ["enums:"] + enums.sorted().map { enumDeclaration($0, in: schema) } + lines
        }
        return Result(yaml: lines.joined(separator: "\n") + "\n", limits: limits)
    }

    /// Whether a model without a key has a `@unique` field or a `@@unique` whose fields are all
    /// required and among the `carried` ones.
    static func hasUniqueCriterion(_ model: PrismaModel, carried: Set<String>) -> Bool {
        func required(_ name: String) -> Bool { carried.contains(name) && model.field(named: name).map { !$0.isOptional && !$0.isList } == true }
        return model.fields.contains { $0.attribute("unique") != nil && required($0.name) }
            || model.blockAttributes.contains { $0.name == "unique" && ($0.fieldList.map { !$0.isEmpty && $0.allSatisfy(required) } ?? false) }
    }

    /// Whether `type` is an enum of `schema` that a package can declare: its name and values are
    /// identifiers, and its database names (`@@map`, values' `@map`) ones a package can write.
    static func carriedEnum(_ type: String, in schema: PrismaSchema) -> Bool {
        guard let values = schema.enumValues[type], !values.isEmpty, Identifier.isEnumName(type) else { return false }
        let names = [schema.enumTypeMaps[type], schema.enumSchemas[type]].compactMap { $0 } + (schema.enumValueMaps[type] ?? [:]).values
        let labels = values.map { schema.enumValueMaps[type]?[$0] ?? $0 }
        return values.allSatisfy(Identifier.isValid) && Set(values).count == values.count && Set(labels).count == labels.count
            && names.allSatisfy { !$0.isEmpty && $0.utf8.count <= 63 && !TerminalText.containsUnsafe($0) }
    }

    /// `  Role: [USER, { ADMIN: "admin" }]` (a value's database label, Prisma's `@map`), or with the
    /// type's database name (`@@map`) or schema (`@@schema`, kept by the host)
    /// `  Role: { map: "user_role", schema: "auth", values: [USER, { ADMIN: "admin" }] }`.
    static func enumDeclaration(_ type: String, in schema: PrismaSchema) -> String {
        let labels = schema.enumValueMaps[type] ?? [:]
        let values = (schema.enumValues[type] ?? []).map { value in labels[value].map { "{ \(value): \(quoted($0)) }" } ?? value }.joined(separator: ", ")
        let names = [schema.enumTypeMaps[type].map { "map: \(quoted($0))" }, schema.enumSchemas[type].map { "schema: \(quoted($0))" }].compactMap { $0 }
        guard !names.isEmpty else { return "  \(type): [\(values)]" }
        return "  \(type): { \(names.joined(separator: ", ")), values: [\(values)] }"
    }

    /// - Parameter carried: model → its columns that are carried over, for the models that are.
    /// - Parameter hostModels: the models that stay in the host schema.
    static func entity(_ model: PrismaModel, in schema: PrismaSchema, carried: [String: Set<String>], hostModels: Set<String>,
                       limits: inout [String]) -> [String] {
        var lines = ["  - name: \(model.name)", "    fields:"]
        var relations: [String] = []
        for field in model.fields {
            if field.isScalar || schema.enumValues[field.type] != nil {
                if let line = scalar(field, model: model, in: schema, limits: &limits) { lines.append("      \(field.name): { \(line) }") }
            } else if let relation = relation(field, model: model, in: schema, carried: carried, hostModels: hostModels, limits: &limits) {
                relations.append("      - { \(relation) }")
            }
        }
        if let key = model.fields.lazy.compactMap({ $0.attribute("id") }).first {
            let names = keyNames(key, model: model, limits: &limits)
            if !names.isEmpty { lines.insert("    primaryKey: { \(names) }", at: 1) }
        }
        var indexes: [String] = []
        for field in model.fields where carried[model.name]?.contains(field.name) == true {
            guard let unique = field.attribute("unique"), field.attribute("id") != nil || unique.named["map"] != nil else { continue }
            indexes += ["      - fields: [\(field.name)]", "        unique: true"]
            if let map = unique.named["map"].map(unquoted) {
                if Identifier.isDatabaseName(map) { indexes.append("        name: \(quoted(map))") } else {
                    limits.append("\(model.name).\(field.name): @unique(map: \(map)) is not an index name entities.yaml accepts; the index is named as Prisma names it")
                }
            }
        }
        for attribute in model.blockAttributes {
            switch attribute.name {
            case "index", "unique":
                guard let fields = attribute.fieldList, !fields.isEmpty else {
                    limits.append("\(model.name): @@\(attribute.name)(\(attribute.positional.first ?? "")) names no fields entities.yaml can read; the index is not carried over")
                    continue
                }
                let missing = fields.filter { !(carried[model.name]?.contains($0) ?? false) }
                guard missing.isEmpty else {
                    limits.append("\(model.name): @@\(attribute.name)([\(fields.joined(separator: ", "))]) names \(missing.joined(separator: ", ")), which is not carried over; the index is not either")
                    continue
                }
                guard let layout = indexLayout(attribute, label: "\(model.name): @@\(attribute.name)([\(fields.joined(separator: ", "))])", limits: &limits) else { continue }
                indexes.append("      - fields: [\(fields.joined(separator: ", "))]")
                if attribute.name == "unique" { indexes.append("        unique: true") }
                // `name:` on @@index is Prisma 2's spelling of `map:`, and Prisma Migrate still names the index by it.
                if let map = (attribute.named["map"] ?? (attribute.name == "index" ? attribute.named["name"] : nil)).map(unquoted) {
                    indexes.append("        name: \(quoted(map))")
                }
                if attribute.name == "unique", let name = attribute.named["name"].map(unquoted) { indexes.append("        clientName: \(quoted(name))") }
                indexes += layout.map { "        " + $0 }
            case "id":
                guard let key = attribute.fieldList, !key.isEmpty else { continue }
                let names = keyNames(attribute, model: model, limits: &limits)
                lines.insert(names.isEmpty ? "    primaryKey: [\(key.joined(separator: ", "))]" : "    primaryKey: { fields: [\(key.joined(separator: ", "))], \(names) }", at: 1)
            case "map":
                let table = attribute.positional.first.map(unquoted) ?? ""
                if Identifier.isValid(table) {
                    lines.insert("    map: \(table)", at: 1)
                } else {
                    limits.append("\(model.name): @@map(\(attribute.positional.first ?? "")) is not a table name entities.yaml accepts (letters, digits and '_', starting with a letter)")
                }
            case "schema":
                // The package schema's own (a model of another is not carried over, above):
                // generated models say it again (``PrismaSchema/packageSchema``).
                continue
            default:
                limits.append("\(model.name): @@\(attribute.name) has no equivalent in entities.yaml")
            }
        }
        if !indexes.isEmpty { lines += ["    indexes:"] + indexes }
        if !relations.isEmpty { lines += ["    relations:"] + relations }
        return lines
    }

    /// `cuid(2)` → ("cuid", 2), `uuid(7)` → ("uuid", 7): a versioned id Prisma Client makes, when
    /// `version:` can say the version.
    static func idVersion(_ call: String) -> (generator: String, version: Int)? {
        for generator in ["cuid", "uuid"] where call.hasPrefix(generator + "(") && call.hasSuffix(")") {
            guard let version = Int(call.dropFirst(generator.count + 1).dropLast().trimmingCharacters(in: .whitespaces)),
                  let type = FieldType(rawValue: generator), IDVersion.allowed(for: type).contains(version) else { return nil }
            return (generator, version)
        }
        return nil
    }

    /// `name: "…", map: "…"` of a key's `@id(map:)` or `@@id(name:, map:)`, those a package can
    /// write (an unusable one is listed in `limits` and left out).
    static func keyNames(_ attribute: PrismaAttribute, model: PrismaModel, limits: inout [String]) -> String {
        var names: [String] = []
        if let name = attribute.named["name"].map(unquoted) {
            if Identifier.isValid(name) { names.append("name: \(quoted(name))") } else {
                limits.append("\(model.name): the key's name: \(name) is not a name entities.yaml accepts; Prisma Client names the key after its fields")
            }
        }
        if let map = attribute.named["map"].map(unquoted) {
            if Identifier.isDatabaseName(map) { names.append("map: \(quoted(map))") } else {
                limits.append("\(model.name): the key's map: \(map) is not a constraint name entities.yaml accepts; the key is named \(model.tableName)_pkey")
            }
        }
        return names.joined(separator: ", ")
    }

    /// An index's `type:`, `sort:` and `ops:` lines from Prisma's `type: Gin` and per-field
    /// `(sort: Desc, ops: raw("…"))`; nil (with the reason listed) when it uses what they cannot say.
    static func indexLayout(_ attribute: PrismaAttribute, label: String, limits: inout [String]) -> [String]? {
        var lines: [String] = []
        if let type = attribute.named["type"]?.trimmingCharacters(in: .whitespaces) {
            guard let method = IndexMethod(rawValue: type) else {
                limits.append("\(label): type: \(type) has no equivalent; the index is not carried over")
                return nil
            }
            if method != .BTree { lines.append("type: \(method.rawValue)") }
        }
        let list = attribute.named["fields"] ?? attribute.positional.first ?? ""
        var sort: [String] = []
        var ops: [String] = []
        for item in PrismaAttribute.listItems(list) ?? [] {
            guard let open = item.firstIndex(of: "("), item.hasSuffix(")") else { continue }
            let field = item[..<open].trimmingCharacters(in: .whitespaces)
            for argument in PrismaArgumentSplitter.split(String(item[item.index(after: open)...].dropLast())) {
                let parts = argument.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                switch (parts.first, parts.count == 2 ? parts[1] : nil) {
                case ("sort", "Desc"?): sort.append("\(field): Desc")
                case ("sort", "Asc"?): break
                case ("ops", let value?) where value.hasPrefix("raw(") && value.hasSuffix(")") && Identifier.isOperatorClass(unquoted(String(value.dropFirst(4).dropLast()))):
                    ops.append("\(field): \(unquoted(String(value.dropFirst(4).dropLast())))")
                case ("ops", let value?) where PrismaOperatorClass.databaseNames[value] != nil:
                    ops.append("\(field): \(PrismaOperatorClass.databaseNames[value] ?? value)")
                default:
                    limits.append("\(label): \(field)(\(argument)) has no equivalent; the index is not carried over")
                    return nil
                }
            }
        }
        if !sort.isEmpty { lines.append("sort: { \(sort.joined(separator: ", ")) }") }
        if !ops.isEmpty { lines.append("ops: { \(ops.joined(separator: ", ")) }") }
        return lines
    }

    static let types: [String: String] = [
        "String": "string", "Int": "int", "BigInt": "bigint", "Float": "float", "Boolean": "boolean", "DateTime": "datetime", "Json": "json",
        "Decimal": "decimal", "Bytes": "bytes",
    ]

    static func scalar(_ field: PrismaField, model: PrismaModel, in schema: PrismaSchema, limits: inout [String]) -> String? {
        let label = "\(model.name).\(field.name)"
        let enumType = carriedEnum(field.type, in: schema) ? field.type : nil
        guard var type = types[field.type] ?? enumType else {
            let why = schema.enumValues[field.type] != nil ? "the enum \(field.type) has names or database names a package cannot write" : "it"
            limits.append("\(label): type \(field.type)\(field.isList ? "[]" : "") has no equivalent (\(why))")
            return nil
        }
        var keys: [String] = []
        for attribute in field.attributes {
            switch attribute.name {
            case "id": keys.append("primary: true")
            // `@id @unique` is two indexes in Prisma: the key's and a unique one, which `unique:` on
            // a primary field does not make (an explicit index does: see entity(_:in:carried:limits:)).
            // A named one (`@unique(map: "…")`) is an explicit index with its name: see entity(_:in:carried:limits:).
            case "unique" where field.attribute("id") == nil && attribute.named["map"] == nil: keys.append("unique: true")
            case "unique": break
            case "db.VarChar":
                if let length = attribute.positional.first.flatMap({ Int($0) }) { keys.append("maxLength: \(length)") }
            case let native where native.hasPrefix("db.") && sameAsDefault(native, arguments: attribute.positional, type: field.type):
                break // The column Prisma makes without it: nothing to carry.
            case let native where native.hasPrefix("db."):
                let written = native + (attribute.positional.isEmpty ? "" : "(" + attribute.positional.joined(separator: ",") + ")")
                if let type = FieldType(spelling: field.type), let parsed = NativeType(parsing: written), parsed.problem(for: type) == nil {
                    keys.append("db: \(quoted(parsed.description))")
                } else {
                    limits.append("\(label): @\(attribute.name) has no equivalent")
                }
            case "default" where field.isList:
                let value = (attribute.positional.first ?? "").trimmingCharacters(in: .whitespaces)
                let items = value.hasPrefix("[") && value.hasSuffix("]") ? PrismaArgumentSplitter.split(String(value.dropFirst().dropLast())).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } : nil
                let elements = items?.compactMap { item -> String? in
                    if item.hasPrefix("\"") { return quoted(unquoted(item)) }
                    if enumType != nil, schema.enumValues[field.type]?.contains(item) == true { return quoted(item) }
                    if Double(item) != nil || item == "true" || item == "false" { return item }
                    return nil
                }
                if let elements, elements.count == items?.count {
                    keys.append("default: [\(elements.joined(separator: ", "))]")
                } else {
                    limits.append("\(label): @default(\(value)) has no equivalent")
                }
            case "default":
                let value = attribute.positional.first ?? ""
                switch value {
                case "cuid()" where type == "string": type = "cuid"; keys.append("generated: true")
                case "uuid()" where type == "string": type = "uuid"; keys.append("generated: true")
                // `cuid(2)`, `uuid(7)`: the client's version of the id (Prisma's default version is `cuid()`'s, `uuid()`'s).
                case let call where type == "string" && Self.idVersion(call) != nil:
                    guard let (generator, version) = Self.idVersion(call) else { break }
                    type = generator
                    keys.append("generated: true")
                    if version != IDVersion.prismasDefault(for: FieldType(rawValue: generator) ?? .string) { keys.append("version: \(version)") }
                case "autoincrement()": keys.append("generated: true")
                case "now()": keys.append("default: now")
                case "true", "false": keys.append("default: \(value)")
                case let member where enumType != nil && schema.enumValues[field.type]?.contains(member) == true:
                    keys.append("default: \(quoted(member))") // quoted: YAML reads a bare NO or ON as a boolean
                default:
                    if value.hasPrefix("\"") {
                        keys.append("default: \(quoted(unquoted(value)))")
                    } else if type == "decimal", ScalarValue.isDecimalLiteral(value) {
                        keys.append("default: \(quoted(value))") // a decimal keeps its digits (2.00)
                    } else if Double(value) != nil {
                        keys.append("default: \(value)")
                    } else if let computed = Self.databaseDefault(value), FieldType(rawValue: type).map(computed.types.contains) == true {
                        keys.append("default: { dbgenerated: \(quoted(computed.rawValue)) }")
                    } else {
                        limits.append("\(label): @default(\(value)) has no equivalent")
                    }
                }
            case "updatedAt" where type == "datetime":
                keys.append("updatedAt: true")
            case "relation":
                break
            case "map" where Identifier.isValid(field.columnName):
                keys.append("map: \(field.columnName)")
            default:
                limits.append("\(label): @\(attribute.name) has no equivalent")
            }
        }
        if field.isOptional { keys.append("nullable: true") }
        return (["type: \(field.isList ? "\"\(type)[]\"" : type)"] + keys).joined(separator: ", ")
    }

    static func relation(_ field: PrismaField, model: PrismaModel, in schema: PrismaSchema, carried: [String: Set<String>], hostModels: Set<String>,
                         limits: inout [String]) -> String? {
        let label = "\(model.name).\(field.name)"
        guard let target = schema.model(named: field.type) else {
            limits.append("\(label): type \(field.type) is neither a scalar nor a model (an enum or composite type)")
            return nil
        }
        let targetColumns = carried[target.name]
        guard targetColumns != nil || hostModels.contains(target.name) else {
            limits.append("\(label): \(target.name) is not carried over, so neither is the relation")
            return nil
        }
        let attribute = field.attribute("relation")
        let relationName = field.relationName
        var keys = ["name: \(field.name)"]
        if let columns = attribute?.named["fields"].flatMap(PrismaAttribute.nameList), let column = columns.first {
            if let missing = columns.first(where: { carried[model.name]?.contains($0) != true }) {
                limits.append("\(label): its column \(missing) is not carried over, so neither is the relation")
                return nil
            }
            let references = attribute?.named["references"].flatMap(PrismaAttribute.nameList) ?? []
            guard referencesAKey(references, columns: columns, of: target) else {
                limits.append("\(label): a foreign key to fields of \(target.name) that are not unique together has no equivalent")
                return nil
            }
            keys += ["type: belongsTo", "entity: \(target.name)", columns.count == 1 ? "field: \(column)" : "fields: [\(columns.joined(separator: ", "))]"]
            if references != target.primaryKey { keys.append("references: [\(references.joined(separator: ", "))]") }
            if let action = attribute?.named["onDelete"] { keys.append("onDelete: \(action)") }
            if let action = attribute?.named["onUpdate"] { keys.append("onUpdate: \(action)") }
            if let map = attribute?.named["map"].map(unquoted) {
                if Identifier.isDatabaseName(map) { keys.append("map: \(quoted(map))") } else {
                    limits.append("\(label): @relation(map: \(map)) is not a constraint name entities.yaml accepts; the foreign key is named as Prisma names it")
                }
            }
        } else {
            // The other side of a relation: find the target's field that holds the key.
            let back = target.fields.first { candidate in
                candidate.type == model.name && candidate.attribute("relation")?.named["fields"] != nil
                    && candidate.relationName == relationName
            }
            guard let column = back?.attribute("relation")?.named["fields"].flatMap(PrismaAttribute.nameList)?.first else {
                // Lists on both sides and no foreign key: Prisma's implicit many-to-many.
                let other = target.fields.contains { candidate in
                    candidate.type == model.name && candidate.isList && candidate.name != field.name && candidate.attribute("relation")?.named["fields"] == nil
                        && candidate.relationName == relationName
                }
                guard field.isList, other, model.primaryKey.count == 1, target.primaryKey.count == 1 else {
                    limits.append("\(label): the other side of the relation has no foreign key")
                    return nil
                }
                keys += ["type: manyToMany", "entity: \(target.name)"]
                if let relationName { keys.append("relationName: \(quoted(relationName))") }
                return keys.joined(separator: ", ")
            }
            guard let targetColumns else {
                limits.append("\(label): \(target.name) stays in the host, whose model declares this list; a package lists only its own entities' rows")
                return nil
            }
            // The list exists only with its foreign key, carried when it names a key of this model.
            guard let back, let backRelation = back.attribute("relation"),
                  referencesAKey(backRelation.named["references"].flatMap(PrismaAttribute.nameList) ?? [],
                                 columns: backRelation.named["fields"].flatMap(PrismaAttribute.nameList) ?? [], of: model) else {
                limits.append("\(label): its other side, \(target.name).\(back?.name ?? "?"), is not carried over, so neither is the list")
                return nil
            }
            guard back.attribute("relation")?.named["fields"].flatMap(PrismaAttribute.nameList)?.allSatisfy({ targetColumns.contains($0) }) == true else {
                limits.append("\(label): a column of \(target.name).\(back.name) is not carried over, so neither is the relation")
                return nil
            }
            keys += ["type: hasMany", "entity: \(target.name)", "field: \(column)"]
        }
        if let relationName { keys.append("relationName: \(quoted(relationName))") }
        return keys.joined(separator: ", ")
    }

    /// Whether a foreign key over `columns` referencing `references` of `model` is one a package
    /// can say: one field per column, naming the model's primary key or fields unique together
    /// (`@unique`, `@@unique`).
    static func referencesAKey(_ references: [String], columns: [String], of model: PrismaModel) -> Bool {
        !references.isEmpty && references.count == columns.count && model.uniqueFieldSets.contains { Set($0) == Set(references) }
    }

    /// Whether a native type attribute names the column type Prisma gives the field's scalar
    /// type on PostgreSQL anyway (`String @db.Text`, `DateTime @db.Timestamp(3)`, ...).
    static func sameAsDefault(_ attribute: String, arguments: [String], type: String) -> Bool {
        let native = String(attribute.dropFirst("db.".count))
        let written = arguments.map { $0.trimmingCharacters(in: .whitespaces) }
        switch (type, native) {
        case ("String", "Text"), ("Int", "Integer"), ("BigInt", "BigInt"), ("Float", "DoublePrecision"), ("Boolean", "Boolean"),
             ("Json", "JsonB"), ("Bytes", "ByteA"):
            return written.isEmpty
        case ("DateTime", "Timestamp"): return written == ["3"]
        case ("Decimal", "Decimal"): return written == ["65", "30"]
        default: return false
        }
    }

    /// The expression of `dbgenerated("…")` when a package may give it (``DatabaseDefault``).
    static func databaseDefault(_ value: String) -> DatabaseDefault? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("dbgenerated("), trimmed.hasSuffix(")") else { return nil }
        return DatabaseDefault(written: unquoted(String(trimmed.dropFirst("dbgenerated(".count).dropLast())))
    }

    static func unquoted(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") else { return trimmed }
        return String(trimmed.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
    }

    /// A YAML double-quoted scalar (JSON's escaping, which YAML reads the same way).
    static func quoted(_ text: String) -> String {
        JSONText.encode(text, pretty: false)
    }
}
