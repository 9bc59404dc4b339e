import Foundation
import Yams

/// Parses the text of an `entities.yaml` into entities, collecting every problem as a diagnostic.
///
/// Accepts the seed's format and the variants real files use: `fields` as a map or as a list of
/// `{name:}` items, Prisma type spellings, `target` for `entity`, `foreignKey` for `field`.
public enum EntitiesFileParser {
    static let topLevelKeys: Set<String> = ["entities", "enums"]
    static let entityKeys: Set<String> = ["name", "version", "description", "checksum", "fields", "indexes", "relations", "acl", "map", "primaryKey", "renamedFrom"]
    static let fieldKeys: Set<String> = [
        "type", "required", "nullable", "optional", "primary", "generated", "unique", "index", "default",
        "maxLength", "enum", "min", "max", "description", "renamedFrom", "updatedAt", "db", "map", "version",
    ]
    static let primaryKeyKeys: Set<String> = ["fields", "name", "map"]
    static let indexKeys: Set<String> = ["fields", "unique", "name", "type", "sort", "ops", "clientName"]
    static let relationKeys: Set<String> = [
        "name", "type", "entity", "target", "field", "foreignKey", "fields", "references", "onDelete", "onUpdate", "optional", "description", "relationName",
        "renamedFrom", "map",
    ]
    static let aclKeys: Set<String> = Set(ACLOperation.allCases.map(\.rawValue) + ["rowLevel", "readableWhen"])

    /// Parses `text`, reporting positions against `file`.
    ///
    /// - Returns: the entities that could be read (possibly partial) and all diagnostics.
    public static func parse(_ text: String, file: String) -> (entities: [Entity], diagnostics: [Diagnostic]) {
        let root: Node?
        do {
            // Keys and names need no typing, so the document is composed without Yams' regular
            // expressions (half of its time); values whose YAML type matters are typed one by one
            // with the default rules by YAMLNodeReader.typed(_:).
            root = try Yams.compose(yaml: text, .basic)
        } catch {
            return ([], [YAMLErrorTranslation.diagnostic(for: error, file: file, text: text)])
        }
        var reader = YAMLNodeReader(file: file)
        guard let root else {
            reader.error(.missingKey, "the file is empty", hint: "declare 'entities:' with at least one entity", at: .start(of: file))
            return ([], reader.diagnostics)
        }
        let entities = readDocument(root, reader: &reader)
        return (entities, reader.diagnostics)
    }

    static func readDocument(_ root: Node, reader: inout YAMLNodeReader) -> [Entity] {
        guard let pairs = reader.pairs(of: root, context: "the document", known: topLevelKeys) else { return [] }
        guard let entitiesNode = pairs.first(where: { $0.key == "entities" })?.value else {
            reader.error(.missingKey, "the document has no 'entities' key", hint: "start the file with 'entities:'", at: root)
            return []
        }
        guard case .sequence(let items) = entitiesNode else {
            reader.error(.wrongShape, "'entities' must be a list, found \(YAMLNodeReader.kindName(entitiesNode))",
                         hint: "write each entity as a list item starting with '- name:'", at: entitiesNode)
            return []
        }
        let enums = pairs.first(where: { $0.key == "enums" }).map { readEnums($0.value, reader: &reader) } ?? [:]
        let entities = items.compactMap { readEntity($0, enums: enums, reader: &reader) }
        for entity in entities {
            if let declared = enums[entity.name] {
                reader.error(.nameCollision, "'\(entity.name)' is both an entity and an enum of this file",
                             hint: "Prisma keeps models and enums in one namespace: rename one of them", at: declared.node)
            }
        }
        return entities
    }

    /// An enum type as declared under `enums:`: its values in order, and where it is written.
    struct EnumDeclaration {
        var values: [String]
        var node: Node
        /// `map:` the type's name in the database (Prisma's `@@map`).
        var typeMap: String?
        /// `schema:` the database schema of a host enum the package uses (Prisma's `@@schema`).
        var schema: String?
        /// Value → database label, from `- VALUE: label` items (Prisma's `@map`).
        var valueMap: [String: String]?
    }

    /// `enums: { Role: [USER, ADMIN] }`: enum types the file's fields may name as their `type:`.
    /// Names and values follow Prisma's identifier rule, so they are the same words in the
    /// database, the Prisma schema and the generated client.
    static func readEnums(_ node: Node, reader: inout YAMLNodeReader) -> [String: EnumDeclaration] {
        if case .scalar = node, node.null != nil { return [:] }
        guard case .mapping(let mapping) = node else {
            reader.error(.wrongShape, "'enums' must be a mapping of enum names to their values, found \(YAMLNodeReader.kindName(node))",
                         hint: "write 'enums: { Role: [USER, ADMIN] }'", at: node)
            return [:]
        }
        var enums: [String: EnumDeclaration] = [:]
        for (keyNode, value) in mapping {
            guard let name = reader.string(keyNode, context: "an enum name") else { continue }
            guard Identifier.isValid(name) else {
                reader.error(.invalidIdentifier, "enum name '\(YAMLNodeReader.printable(name))' is not a valid identifier",
                             hint: "start with a letter; use letters, digits and '_'", at: keyNode)
                continue
            }
            if FieldType(spelling: name) != nil || Identifier.reservedModelNames.contains(name) {
                reader.error(.reservedName, "'\(name)' cannot name an enum: it is a field type or a name Prisma reserves", hint: "choose another name, e.g. \(name)Kind", at: keyNode)
                continue
            }
            guard let (items, typeMap, labels, schema) = readEnumBody(value, name: name, reader: &reader) else { continue }
            if items.isEmpty {
                reader.error(.invalidConstraint, "enum '\(name)' has no values", hint: "list at least one value", at: value)
                continue
            }
            var seen: Set<String> = []
            var valid = true
            var labelsSeen: [String: String] = [:]
            for item in items {
                let label = labels[item.value] ?? item.value
                if let other = labelsSeen[label], other != item.value {
                    reader.error(.duplicateName, "values '\(other)' and '\(item.value)' of enum '\(name)' are both stored as '\(YAMLNodeReader.printable(label))'",
                                 hint: "give each value its own database label", at: item.node)
                    valid = false
                }
                labelsSeen[label] = item.value
                if !Identifier.isValid(item.value) {
                    reader.error(.invalidIdentifier, "value '\(YAMLNodeReader.printable(item.value))' of enum '\(name)' is not a valid identifier",
                                 hint: "Prisma enum values start with a letter and use letters, digits and '_'", at: item.node)
                    valid = false
                } else if !seen.insert(item.value).inserted {
                    reader.error(.duplicateName, "enum '\(name)' lists '\(item.value)' twice", hint: "remove one of them", at: item.node)
                    valid = false
                }
            }
            if valid {
                enums[name] = EnumDeclaration(values: items.map(\.value), node: keyNode, typeMap: typeMap, schema: schema, valueMap: labels.isEmpty ? nil : labels)
            }
        }
        return enums
    }

    /// An enum's body: its values (`[USER, ADMIN]`), or `{ map: user_role, values: [USER, { ADMIN: admin }] }`
    /// when the database names the type or a value otherwise, with `schema: auth` for a host enum
    /// kept in another database schema. A value written `ADMIN: admin` (a one-key mapping) is
    /// stored as the label `admin`.
    static func readEnumBody(_ node: Node, name: String, reader: inout YAMLNodeReader)
        -> (values: [(value: String, node: Node)], typeMap: String?, labels: [String: String], schema: String?)? {
        var valuesNode = node
        var typeMap: String?
        var schema: String?
        if case .mapping = node {
            guard let pairs = reader.pairs(of: node, context: "enum '\(name)'", known: ["map", "values", "schema"]) else { return nil }
            guard let values = pairs.first(where: { $0.key == "values" }) else {
                reader.error(.missingKey, "enum '\(name)' has no 'values'", hint: "write 'values: [A, B]' beside 'map:'", at: node)
                return nil
            }
            valuesNode = values.value
            if let map = pairs.first(where: { $0.key == "map" }) {
                guard let text = reader.string(map.value, context: "'map' of enum '\(name)'"), databaseName(text, of: "enum '\(name)'", at: map.value, reader: &reader) else { return nil }
                typeMap = text
            }
            if let pair = pairs.first(where: { $0.key == "schema" }) {
                guard let text = reader.string(pair.value, context: "'schema' of enum '\(name)'"),
                      databaseName(text, of: "the schema of enum '\(name)'", at: pair.value, reader: &reader) else { return nil }
                // The connection's schema is where package types are made anyway.
                schema = text == PrimaryKeys.connectionSchema ? nil : text
            }
        }
        guard case .sequence(let sequence) = valuesNode else {
            return reader.stringList(valuesNode, context: "the values of enum '\(name)'").map { ($0, typeMap, [:], schema) }
        }
        var values: [(value: String, node: Node)] = []
        var labels: [String: String] = [:]
        for item in sequence {
            if case .mapping(let mapping) = item {
                guard mapping.count == 1, let (key, label) = mapping.first,
                      let value = reader.string(key, context: "a value of enum '\(name)'"),
                      let text = reader.string(label, context: "the database label of '\(YAMLNodeReader.printable(value))'") else {
                    if mapping.count != 1 {
                        reader.error(.wrongShape, "a value of enum '\(name)' written as a mapping must have one key: the value, mapped to its database label",
                                     hint: "write '- ADMIN: admin'", at: item)
                    }
                    return nil
                }
                guard databaseName(text, of: "value '\(YAMLNodeReader.printable(value))' of enum '\(name)'", at: label, reader: &reader) else { return nil }
                values.append((value, key))
                labels[value] = text
            } else if let value = reader.string(item, context: "each item of the values of enum '\(name)'") {
                values.append((value, item))
            }
        }
        return (values, typeMap, labels, schema)
    }

    /// Whether `text` can name something in the database: not empty, nothing `TerminalText` finds unsafe (control characters, direction overrides), at
    /// most 63 bytes (PostgreSQL cuts longer names and enum labels).
    static func databaseName(_ text: String, of subject: String, at node: Node, reader: inout YAMLNodeReader) -> Bool {
        if text.isEmpty {
            reader.error(.invalidConstraint, "the database name of \(subject) is empty", hint: "write a name, or remove the map", at: node)
            return false
        }
        if TerminalText.containsUnsafe(text) {
            reader.error(.controlCharacter, "the database name of \(subject) contains a control character", hint: "remove it", at: node)
            return false
        }
        if text.utf8.count > 63 {
            reader.error(.invalidConstraint, "the database name of \(subject) is \(text.utf8.count) bytes; PostgreSQL keeps 63",
                         hint: "shorten it to 63 bytes or fewer", at: node)
            return false
        }
        return true
    }

    static func readEntity(_ node: Node, enums: [String: EnumDeclaration] = [:], reader: inout YAMLNodeReader) -> Entity? {
        guard let pairs = reader.pairs(of: node, context: "an entity", known: entityKeys) else { return nil }
        guard let nameNode = pairs.first(where: { $0.key == "name" })?.value,
              let name = reader.string(nameNode, context: "the entity's 'name'")
        else {
            if !pairs.contains(where: { $0.key == "name" }) {
                reader.error(.missingKey, "entity has no 'name'", hint: "add 'name: MyEntity'", at: node)
            }
            return nil
        }
        var entity = Entity(name: name, location: reader.location(nameNode))
        var sawFields = false
        for (key, _, value) in pairs {
            switch key {
            case "description":
                entity.documentation = value.string
            case "map":
                entity.table = reader.string(value, context: "the 'map' of entity '\(name)'")
                entity.tableLocation = reader.location(value)
            case "renamedFrom":
                entity.renamedFrom = reader.string(value, context: "the 'renamedFrom' of entity '\(name)'")
                entity.renamedFromLocation = reader.location(value)
            case "primaryKey":
                readPrimaryKey(value, into: &entity, reader: &reader)
            case "checksum":
                if case .scalar(let scalar) = value, value.null == nil { entity.declaredChecksum = scalar.string }
            case "fields":
                sawFields = true
                (entity.fields, entity.unreadableFields) = readFields(value, entity: name, enums: enums, reader: &reader)
            case "indexes":
                entity.indexes = readList(value, context: "'indexes' of \(name)", reader: &reader) { readIndex($0, reader: &$1) }
            case "relations":
                entity.relations = readList(value, context: "'relations' of \(name)", reader: &reader) { readRelation($0, reader: &$1) }
            case "acl":
                entity.acl = readACL(value, reader: &reader)
            default:
                break // name, version
            }
        }
        if !sawFields {
            reader.error(.missingKey, "entity '\(name)' has no 'fields'", hint: "declare at least a primary key field", at: nameNode)
        }
        return entity
    }

    static func readList<T>(_ node: Node, context: String, reader: inout YAMLNodeReader,
                            _ item: (Node, inout YAMLNodeReader) -> T?) -> [T] {
        if case .scalar = node, node.null != nil { return [] }
        guard case .sequence(let items) = node else {
            reader.error(.wrongShape, "\(context) must be a list, found \(YAMLNodeReader.kindName(node))", at: node)
            return []
        }
        return items.compactMap { item($0, &reader) }
    }

    // MARK: - Fields

    /// The fields that could be read, and the names of those that could not (already reported).
    static func readFields(_ node: Node, entity: String, enums: [String: EnumDeclaration], reader: inout YAMLNodeReader) -> ([Field], Set<String>) {
        var unreadable: Set<String> = []
        switch node {
        case .mapping(let mapping):
            // Seed format: `fields: { id: { type: cuid } }`.
            var fields: [Field] = []
            fields.reserveCapacity(mapping.count)
            for (keyNode, value) in mapping {
                guard let name = reader.string(keyNode, context: "a field name") else { continue }
                if let field = readField(name: name, nameNode: keyNode, body: value, listForm: false, enums: enums, reader: &reader) {
                    fields.append(field)
                } else {
                    unreadable.insert(name)
                }
            }
            return (fields, unreadable)
        case .sequence(let items):
            // List format: `fields: [ { name: id, type: String } ]`.
            var fields: [Field] = []
            fields.reserveCapacity(items.count)
            for item in items {
                guard case .mapping(let mapping) = item else {
                    reader.error(.wrongShape, "each field of \(entity) must be a mapping with 'name' and 'type'", at: item)
                    continue
                }
                guard let nameNode = mapping["name"] else {
                    reader.error(.missingKey, "a field of \(entity) has no 'name'", hint: "add 'name: myField'", at: item)
                    continue
                }
                guard let name = reader.string(nameNode, context: "a field's 'name'") else { continue }
                if let field = readField(name: name, nameNode: nameNode, body: item, listForm: true, enums: enums, reader: &reader) {
                    fields.append(field)
                } else {
                    unreadable.insert(name)
                }
            }
            return (fields, unreadable)
        default:
            reader.error(.wrongShape, "'fields' of \(entity) must be a mapping or a list, found \(YAMLNodeReader.kindName(node))", at: node)
            return ([], [Entity.everyField])
        }
    }

    static func readField(name: String, nameNode: Node, body: Node, listForm: Bool, enums: [String: EnumDeclaration], reader: inout YAMLNodeReader) -> Field? {
        let known = listForm ? fieldKeys.union(["name"]) : fieldKeys
        guard let pairs = reader.pairs(of: body, context: "field '\(name)'", known: known) else { return nil }
        guard let typePair = pairs.first(where: { $0.key == "type" }) else {
            reader.error(.missingKey, "field '\(name)' has no 'type'",
                         hint: "add 'type:' with one of \(FieldType.allCases.map(\.rawValue).joined(separator: ", "))", at: nameNode)
            return nil
        }
        guard let written = reader.string(typePair.value, context: "the type of '\(name)'") else { return nil }
        // `String[]`: a list of the type before the brackets.
        let isList = written.hasSuffix("[]")
        let spelling = isList ? String(written.dropLast(2)) : written
        let declaredEnum = enums[spelling]
        guard let type = FieldType(spelling: spelling) ?? declaredEnum.map({ _ in .string }) else {
            reader.error(.unknownFieldType, "unknown field type '\(YAMLNodeReader.printable(spelling))'",
                         hint: Suggestion.hint(for: spelling, in: FieldType.acceptedSpellings + enums.keys.sorted())
                             ?? "use one of \(FieldType.allCases.map(\.rawValue).joined(separator: ", ")), or declare it under 'enums:'",
                         at: typePair.value)
            return nil
        }
        var field = Field(name: name, type: type, location: reader.location(nameNode))
        field.isList = isList
        if let declaredEnum {
            field.enumType = spelling
            field.enumValues = declaredEnum.values
            field.enumTypeMap = declaredEnum.typeMap
            field.enumSchema = declaredEnum.schema
            field.enumValueMap = declaredEnum.valueMap
            if let written = pairs.first(where: { $0.key == "enum" }) {
                reader.error(.invalidConstraint, "field '\(name)' has the enum type \(spelling), whose values are declared under 'enums:'",
                             hint: "remove 'enum:' here, or change the values of \(spelling)", at: written.value)
            }
        }
        for (key, _, value) in pairs {
            field.keyLocations[key] = reader.location(value)
            let context = "'\(key)' of field '\(name)'"
            switch key {
            case "required": field.required = reader.bool(value, context: context)
            case "nullable", "optional":
                if let flag = reader.bool(value, context: context) {
                    field.nullable = flag
                    field.keyLocations["nullable"] = reader.location(value)
                }
            case "primary": field.isPrimary = reader.bool(value, context: context) ?? false
            case "generated": field.isGenerated = reader.bool(value, context: context) ?? false
            case "version": field.idVersion = reader.nonNegativeInt(value, context: context)
            case "updatedAt": field.isUpdatedAt = reader.bool(value, context: context) ?? false
            case "unique": field.isUnique = reader.bool(value, context: context) ?? false
            case "index": field.isIndexed = reader.bool(value, context: context) ?? false
            case "default" where field.isList:
                if case .sequence(let items) = value {
                    field.listDefault = items.compactMap { reader.scalarValue($0, context: "an element of \(context)") }
                } else {
                    reader.error(.wrongShape, "the default of the list '\(name)' must be a list, found \(YAMLNodeReader.kindName(value))",
                                 hint: "write default: [] for the empty list, or default: [a, b]", at: value)
                }
            case "default":
                if case .mapping = value {
                    field.databaseDefault = reader.databaseDefault(value, field: name)
                } else {
                    field.defaultValue = reader.scalarValue(value, context: context)
                }
            case "maxLength":
                if let length = reader.nonNegativeInt(value, context: context) {
                    if length == 0 {
                        reader.error(.invalidConstraint, "'maxLength' of field '\(name)' must be at least 1", at: value)
                    } else {
                        field.maxLength = length
                    }
                }
            case "enum" where field.enumType == nil:
                if let values = reader.stringList(value, context: context) {
                    field.enumValues = values.map(\.value)
                    if values.isEmpty {
                        reader.error(.invalidConstraint, "'enum' of field '\(name)' is empty", hint: "list the allowed values", at: value)
                    }
                }
            case "min": field.minimum = reader.number(value, context: context)
            case "max": field.maximum = reader.number(value, context: context)
            case "description": field.documentation = value.string
            case "renamedFrom": field.renamedFrom = reader.string(value, context: context)
            case "map": field.column = reader.string(value, context: context)
            case "db":
                if let text = reader.string(value, context: context) {
                    if let native = NativeType(parsing: text) {
                        field.nativeType = native
                    } else {
                        reader.error(.invalidConstraint, "'db' of field '\(name)' is not a native type such as Uuid or Timestamptz(6)",
                                     hint: "write Prisma's @db. name without '@db.', e.g. db: Timestamptz(6)", at: value)
                    }
                }
            default: break // type, name
            }
        }
        return field
    }

    /// `primaryKey: [a, b]`, or `primaryKey: { fields: [a, b], name: …, map: … }` with the key's
    /// Prisma Client name and constraint name (`fields` may be left out when a field says `primary: true`).
    static func readPrimaryKey(_ node: Node, into entity: inout Entity, reader: inout YAMLNodeReader) {
        entity.compoundKeyLocation = reader.location(node)
        guard case .mapping = node else {
            entity.compoundKey = reader.stringList(node, context: "the 'primaryKey' of entity '\(entity.name)'")?.map(\.value)
            return
        }
        guard let pairs = reader.pairs(of: node, context: "the 'primaryKey' of entity '\(entity.name)'", known: primaryKeyKeys) else { return }
        for (key, _, value) in pairs {
            switch key {
            case "fields":
                entity.compoundKey = reader.stringList(value, context: "the 'fields' of the 'primaryKey' of entity '\(entity.name)'")?.map(\.value)
                entity.compoundKeyLocation = reader.location(value)
            case "name":
                entity.keyClientName = reader.string(value, context: "the 'name' of the 'primaryKey' of entity '\(entity.name)'")
                entity.keyNameLocations[key] = reader.location(value)
            case "map":
                entity.keyConstraintName = reader.string(value, context: "the 'map' of the 'primaryKey' of entity '\(entity.name)'")
                entity.keyNameLocations[key] = reader.location(value)
            default: break
            }
        }
    }

    // MARK: - Indexes, relations, ACL

    static func readIndex(_ node: Node, reader: inout YAMLNodeReader) -> Index? {
        guard let pairs = reader.pairs(of: node, context: "an index", known: indexKeys) else { return nil }
        guard let fieldsNode = pairs.first(where: { $0.key == "fields" })?.value else {
            reader.error(.missingKey, "index has no 'fields'", hint: "add 'fields: [column, ...]'", at: node)
            return nil
        }
        guard let fields = reader.stringList(fieldsNode, context: "the index's 'fields'") else { return nil }
        if fields.isEmpty {
            reader.error(.invalidConstraint, "index has an empty 'fields' list", at: fieldsNode)
            return nil
        }
        var index = Index(fields: fields.map(\.value), isUnique: false, location: reader.location(node))
        for (key, _, value) in pairs {
            index.keyLocations[key] = reader.location(value)
            switch key {
            case "unique": index.isUnique = reader.bool(value, context: "the index's 'unique'") ?? false
            case "name": index.name = reader.string(value, context: "the index's 'name'")
            case "clientName": index.clientName = reader.string(value, context: "the index's 'clientName'")
            case "type":
                guard let text = reader.string(value, context: "the index's 'type'") else { continue }
                guard let method = IndexMethod(rawValue: text) ?? IndexMethod.allCases.first(where: { $0.sql == text }) else {
                    reader.error(.invalidConstraint, "unknown index type '\(YAMLNodeReader.printable(text))'",
                                 hint: Suggestion.hint(for: text, in: IndexMethod.allCases.map(\.rawValue))
                                     ?? "use one of \(IndexMethod.allCases.map(\.rawValue).joined(separator: ", ")) (Prisma's type: argument)", at: value)
                    continue
                }
                index.method = method
            case "sort", "ops":
                guard case .mapping(let mapping) = value else {
                    reader.error(.wrongShape, "the index's '\(key)' must map column names to \(key == "sort" ? "Asc or Desc" : "operator classes"), found \(YAMLNodeReader.kindName(value))",
                                 hint: key == "sort" ? "write 'sort: { createdAt: Desc }'" : "write 'ops: { email: gin_trgm_ops }'", at: value)
                    continue
                }
                for (columnNode, settingNode) in mapping {
                    guard let column = reader.string(columnNode, context: "a column of the index's '\(key)'"),
                          let setting = reader.string(settingNode, context: "the '\(key)' of \(column)") else { continue }
                    index.keyLocations["\(key).\(column)"] = reader.location(columnNode)
                    if key == "sort" {
                        switch setting {
                        case "Desc", "desc": index.descending.insert(column)
                        case "Asc", "asc": break
                        default:
                            reader.error(.invalidConstraint, "the sort of \(column) is '\(YAMLNodeReader.printable(setting))'", hint: "use Asc or Desc", at: settingNode)
                        }
                    } else if Identifier.isOperatorClass(setting) {
                        index.operatorClasses[column] = setting
                    } else {
                        reader.error(.invalidIdentifier, "'\(YAMLNodeReader.printable(setting))' is not an operator class name",
                                     hint: "write the class as PostgreSQL names it, e.g. gin_trgm_ops or text_pattern_ops", at: settingNode)
                    }
                }
            default: break
            }
        }
        return index
    }

    static func readRelation(_ node: Node, reader: inout YAMLNodeReader) -> Relation? {
        guard let pairs = reader.pairs(of: node, context: "a relation", known: relationKeys) else { return nil }
        func value(_ keys: String...) -> (key: String, node: Node)? {
            for key in keys { if let pair = pairs.first(where: { $0.key == key }) { return (key, pair.value) } }
            return nil
        }
        for (first, second) in [("entity", "target"), ("field", "foreignKey"), ("field", "fields"), ("foreignKey", "fields")] {
            if let duplicate = pairs.first(where: { $0.key == second }), pairs.contains(where: { $0.key == first }) {
                reader.error(.duplicateName, "relation has both '\(first)' and its alias '\(second)'", hint: "keep one of them", at: duplicate.keyNode)
            }
        }
        guard let nameNode = value("name")?.node, let name = reader.string(nameNode, context: "the relation's 'name'") else {
            if value("name") == nil { reader.error(.missingKey, "relation has no 'name'", hint: "add 'name: author'", at: node) }
            return nil
        }
        guard let kindNode = value("type")?.node else {
            reader.error(.missingKey, "relation '\(name)' has no 'type'", hint: "use 'type: belongsTo' or 'type: hasMany'", at: nameNode)
            return nil
        }
        guard let kindText = reader.string(kindNode, context: "the type of relation '\(name)'") else { return nil }
        guard let kind = Relation.Kind(rawValue: kindText) else {
            reader.error(.invalidRelationKind, "unknown relation type '\(YAMLNodeReader.printable(kindText))'",
                         hint: Suggestion.hint(for: kindText, in: Relation.Kind.allCases.map(\.rawValue)) ?? "use belongsTo, hasMany or manyToMany",
                         at: kindNode)
            return nil
        }
        guard let targetPair = value("entity", "target") else {
            reader.error(.missingKey, "relation '\(name)' has no 'entity'", hint: "add 'entity: OtherEntity'", at: nameNode)
            return nil
        }
        guard let target = reader.string(targetPair.node, context: "the target of relation '\(name)'") else { return nil }
        var fieldName: String?
        if let fieldPair = value("field", "foreignKey") {
            fieldName = reader.string(fieldPair.node, context: "'\(fieldPair.key)' of relation '\(name)'")
        }
        // `fields: [a, b]` is a foreign key of several columns (one, `fields: [a]`, is `field: a`).
        var fieldNames: [String]?
        if fieldName == nil, let fieldsPair = value("fields") {
            fieldNames = reader.stringList(fieldsPair.node, context: "'fields' of relation '\(name)'")?.map(\.value)
            if fieldNames?.isEmpty == true {
                reader.error(.missingKey, "'fields' of relation '\(name)' is empty", hint: "list the foreign-key fields, e.g. 'fields: [ownerId]'", at: fieldsPair.node)
            }
            fieldName = fieldNames?.first
        }
        var relation = Relation(name: name, kind: kind, target: target, field: fieldName, location: reader.location(nameNode))
        if let fieldNames, fieldNames.count > 1 { relation.fields = fieldNames }
        for (key, _, value) in pairs {
            relation.keyLocations[key] = reader.location(value)
            switch key {
            case "entity", "target": relation.keyLocations["entity"] = reader.location(value)
            case "field", "foreignKey", "fields": relation.keyLocations["field"] = reader.location(value)
            case "references": relation.references = reader.stringList(value, context: "'references' of relation '\(name)'")?.map(\.value)
            case "onDelete", "onUpdate":
                guard let text = reader.string(value, context: "'\(key)' of relation '\(name)'") else { continue }
                guard let action = ReferentialAction(rawValue: text) else {
                    reader.error(.invalidReferentialAction, "unknown referential action '\(YAMLNodeReader.printable(text))' in '\(key)'",
                                 hint: Suggestion.hint(for: text, in: ReferentialAction.allCases.map(\.rawValue))
                                     ?? "use one of \(ReferentialAction.allCases.map(\.rawValue).joined(separator: ", "))",
                                 at: value)
                    continue
                }
                if key == "onDelete" { relation.onDelete = action } else { relation.onUpdate = action }
            case "optional": relation.optional = reader.bool(value, context: "'optional' of relation '\(name)'")
            case "relationName": relation.relationName = reader.string(value, context: "'relationName' of relation '\(name)'")
            case "renamedFrom": relation.renamedFrom = reader.string(value, context: "'renamedFrom' of relation '\(name)'")
            case "map": relation.map = reader.string(value, context: "'map' of relation '\(name)'")
            case "description": relation.documentation = value.string
            default: break
            }
        }
        if kind == .belongsTo, fieldName == nil, value("field", "foreignKey") == nil, value("fields") == nil {
            reader.error(.missingKey, "belongsTo relation '\(name)' has no 'field'",
                         hint: "name the local foreign-key column with 'field: \(target.prefix(1).lowercased() + target.dropFirst())Id'", at: nameNode)
            return nil
        }
        return relation
    }

    static func readACL(_ node: Node, reader: inout YAMLNodeReader) -> AccessControl? {
        guard case .mapping(let mapping) = node else {
            reader.error(.wrongShape, "'acl' must be a mapping of operations to roles, found \(YAMLNodeReader.kindName(node))", at: node)
            return nil
        }
        var acl = AccessControl(rules: [:], rowLevel: nil, location: reader.location(node))
        for (keyNode, value) in mapping {
            guard let key = reader.string(keyNode, context: "an ACL key") else { continue }
            if key == "rowLevel" || key == "readableWhen" {
                let source = reader.string(value, context: "'\(key)'").map(RowLevelSource.init(text:))
                if key == "rowLevel" { acl.rowLevel = source } else { acl.readableWhen = source }
                acl.keyLocations[key] = reader.location(value)
                continue
            }
            guard let operation = ACLOperation(rawValue: key) else {
                reader.error(.unknownACLOperation, "unknown ACL operation '\(YAMLNodeReader.printable(key))'",
                             hint: Suggestion.hint(for: key, in: aclKeys.sorted()) ?? "use create, read, update, delete, rowLevel or readableWhen",
                             at: keyNode)
                continue
            }
            acl.keyLocations[key] = reader.location(value)
            if let roles = reader.stringList(value, context: "'acl.\(key)'") {
                acl.rules[operation] = roles.map(\.value)
                for (index, role) in roles.enumerated() {
                    acl.keyLocations["\(key)#\(index)"] = reader.location(role.node)
                }
            }
        }
        return acl
    }
}
