import Foundation

/// Renders package entities as Prisma models, including the back-relation fields the other side needs.
///
/// Rendering works on canonical entities only, so the Prisma text of an applied snapshot is the
/// same whichever package file it came from.
public struct PrismaRenderer: Sendable {
    /// The datasource provider; native types such as `@db.VarChar(n)` are used only for `postgresql`.
    public let provider: String?
    /// Every package entity known (targets of relations, owners of back-relation fields).
    public let universe: [CanonicalEntity]
    /// The host's base schema.
    public let host: PrismaSchema?
    /// Package entities by name.
    let byName: [String: CanonicalEntity]
    /// Relation names and back-relation fields, planned once for the whole universe.
    let relationPlan: RelationPlan

    /// Creates a renderer, planning relation names and back-relation fields for all of `universe`.
    /// - Complexity: O(entities + relations).
    public init(provider: String?, universe: [CanonicalEntity], host: PrismaSchema?) {
        // Join tables of many-to-many relations have no model: the relations' list fields say them.
        let universe = universe.filter { !$0.isJoinTable }
        self.provider = provider
        self.universe = universe
        self.host = host
        let byName = Dictionary(universe.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.byName = byName
        self.relationPlan = Self.planRelations(universe: universe, byName: byName, host: host)
    }

    // MARK: - Public API

    /// One model block, optionally preceded by `header` comment lines.
    public func model(_ entity: CanonicalEntity, header: [String] = []) -> String {
        let plan = relationPlan
        var lines = header.map { "// " + PrismaText.comment($0) }
        for line in (entity.presentation?.documentation).map(Self.docLines) ?? [] { lines.append("/// " + line) }
        lines.append("model \(PrismaText.identifier(entity.name)) {")
        var rows: [[String]] = []
        var documentation: [String: [String]] = [:]
        // Constraint names, index methods and operator classes are PostgreSQL's: Prisma refuses
        // them for other providers (a key's `map:` on SQLite's, which has none).
        let postgres = provider == "postgresql" || provider == "postgres"
        let keyMap = postgres ? entity.keyMap : nil
        for field in entity.fieldsInDeclaredOrder {
            var attributes: [String] = []
            if field.primary && entity.compoundKey == nil { attributes.append("@id" + (keyMap.map { "(map: \(PrismaText.string($0)))" } ?? "")) }
            if let expression = Self.defaultExpression(for: field) { attributes.append("@default(\(expression))") }
            if field.updatedAt { attributes.append("@updatedAt") }
            if entity.indexes.contains(where: { $0.unique && $0.fields == [field.name] && $0.name == nil && $0.clientName == nil && $0.layout == CanonicalIndex(fields: [field.name], unique: true).layout }) {
                attributes.append("@unique")
            }
            // uuid stays TEXT (no @db.Uuid): a foreign key declared as `string` must have the same column type.
            if postgres, let length = field.maxLength { attributes.append("@db.VarChar(\(length))") }
            if postgres, let native = field.nativeType { attributes.append("@db.\(native)") }
            if let column = field.column { attributes.append("@map(\(PrismaText.string(column)))") }
            // A list is never optional in Prisma (its column is nullable all the same).
            rows.append([PrismaText.identifier(field.name), (field.enumType.map(PrismaText.identifier) ?? field.type.prismaType) + (field.list ? "[]" : field.optional ? "?" : ""),
                         attributes.joined(separator: " ")])
            var notes = (entity.presentation?.fieldDocumentation[field.name]).map(Self.docLines) ?? []
            if field.enumType == nil, let values = field.enumValues { notes.append("one of: \(values.joined(separator: ", "))") }
            if let length = field.maxLength, !postgres { notes.append("at most \(length) characters") }
            if let minimum = field.minimum { notes.append("min \(CanonicalNumber.format(minimum))") }
            if let maximum = field.maximum { notes.append("max \(CanonicalNumber.format(maximum))") }
            if !notes.isEmpty { documentation[PrismaText.identifier(field.name)] = notes }
        }
        for relation in entity.relations {
            switch relation.kind {
            case .belongsTo:
                guard relation.field != nil else { continue }
                let fields = relation.foreignKeyFields
                let optional = fields.contains { entity.field(named: $0)?.optional ?? false }
                var arguments: [String] = []
                if let name = plan.relationNames[RelationKey(entity: entity.name, relation: relation.name)] { arguments.append(PrismaText.string(name)) }
                arguments.append("fields: [\(fields.map(PrismaText.identifier).joined(separator: ", "))]")
                let references = relation.references ?? primaryKeyNames(of: relation.target)
                arguments.append("references: [\((references.isEmpty ? ["id"] : references).map(PrismaText.identifier).joined(separator: ", "))]")
                if let action = relation.onDelete { arguments.append("onDelete: \(action.rawValue)") }
                if let action = relation.onUpdate, action != .Cascade { arguments.append("onUpdate: \(action.rawValue)") }
                if postgres, let map = relation.map { arguments.append("map: \(PrismaText.string(map))") }
                rows.append([PrismaText.identifier(relation.name), PrismaText.identifier(relation.target) + (optional ? "?" : ""),
                             "@relation(\(arguments.joined(separator: ", ")))"])
            case .manyToMany:
                let name = entity.presentation?.relationNames[relation.name]
                rows.append([PrismaText.identifier(relation.name), PrismaText.identifier(relation.target) + "[]", name.map { "@relation(\(PrismaText.string($0)))" } ?? ""])
            case .hasMany:
                var attribute = ""
                let owner = plan.hasManyOwners[RelationKey(entity: entity.name, relation: relation.name)]
                if let owner, let name = plan.relationNames[owner] {
                    attribute = "@relation(\(PrismaText.string(name)))"
                }
                // The other side of a unique foreign key is one row at most: Prisma's one-to-one.
                let single = owner.map { plan.oneToOne.contains($0) } ?? false
                rows.append([PrismaText.identifier(relation.name), PrismaText.identifier(relation.target) + (single ? "?" : "[]"), attribute])
            }
        }
        for back in plan.backFields[entity.name] ?? [] {
            rows.append([back.field, back.type, back.relationName.map { "@relation(\(PrismaText.string($0)))" } ?? ""])
        }
        let nameWidth = rows.map { $0[0].count }.max() ?? 0
        let typeWidth = rows.map { $0[1].count }.max() ?? 0
        for row in rows {
            for note in documentation[row[0]] ?? [] { lines.append("  /// " + PrismaText.comment(note)) }
            var line = "  " + row[0].padding(toLength: nameWidth, withPad: " ", startingAt: 0) + " " + row[1]
            if !row[2].isEmpty { line = line.padding(toLength: 2 + nameWidth + 1 + typeWidth, withPad: " ", startingAt: 0) + " " + row[2] }
            lines.append(line)
        }
        let indexLines = entity.indexes.compactMap { index -> String? in
            if index.unique && index.fields.count == 1 && index.name == nil && index.clientName == nil && index.layout == CanonicalIndex(fields: index.fields, unique: true).layout { return nil }
            let columns = index.fields.map { field -> String in
                var arguments: [String] = []
                if index.descending?.contains(field) == true { arguments.append("sort: Desc") }
                if postgres, let opclass = index.operatorClasses?[field] {
                    arguments.append("ops: " + (PrismaOperatorClass.prismaNames[opclass] ?? "raw(\(PrismaText.string(opclass)))"))
                }
                return PrismaText.identifier(field) + (arguments.isEmpty ? "" : "(" + arguments.joined(separator: ", ") + ")")
            }
            let type = postgres ? index.method.map { ", type: \($0.rawValue)" } ?? "" : ""
            let clientName = index.unique ? index.clientName.map { ", name: \(PrismaText.string($0))" } ?? "" : ""
            let map = index.name.map { ", map: \(PrismaText.string($0))" } ?? ""
            return "  @@\(index.unique ? "unique" : "index")([\(columns.joined(separator: ", "))]\(clientName)\(type)\(map))"
        }
        var blockLines = entity.compoundKey.map { key in
            ["  @@id([\(key.map(PrismaText.identifier).joined(separator: ", "))]" + (entity.keyName.map { ", name: \(PrismaText.string($0))" } ?? "")
                + (keyMap.map { ", map: \(PrismaText.string($0))" } ?? "") + ")"]
        } ?? []
        blockLines += indexLines
        if let table = entity.table { blockLines.append("  @@map(\(PrismaText.string(table)))") }
        blockLines += schemaLine
        if !blockLines.isEmpty {
            lines.append("")
            lines += blockLines
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    /// The `enum` blocks the package entities' fields name, except those the host's schema
    /// declares itself, sorted by name; a value stored under another label has `@map`, a type
    /// of another database name `@@map`.
    public var enumBlocks: [String] {
        var declarations: [String: CanonicalField] = [:]
        for entity in universe {
            for field in entity.fields {
                if let type = field.enumType, host?.enumValues[type] == nil, declarations[type] == nil { declarations[type] = field }
            }
        }
        return declarations.keys.sorted().map { type in
            let field = declarations[type]
            let labels = field?.enumValueMap ?? [:]
            let values = (field?.enumValues ?? []).map { value in "  " + PrismaText.identifier(value) + (labels[value].map { " @map(\(PrismaText.string($0)))" } ?? "") }
            let attributes = (field?.enumTypeMap.map { ["  @@map(\(PrismaText.string($0)))"] } ?? []) + schemaLine
            return (["enum \(PrismaText.identifier(type)) {"] + values + (attributes.isEmpty ? [] : [""] + attributes) + ["}"]).joined(separator: "\n")
        }
    }

    /// `@@schema("public")` when the host's datasource lists database schemas (Prisma's
    /// multi-schema then wants one on every model and enum): the schema package tables and types
    /// are made in (``PrismaSchema/packageSchema``).
    var schemaLine: [String] {
        guard let host, !host.schemas.isEmpty else { return [] }
        return ["  @@schema(\(PrismaText.string(host.packageSchema)))"]
    }

    /// Fields that host models need so that relations from package entities are valid Prisma:
    /// model name → field lines (`  forumPosts ForumPost[]`).
    public var hostBackRelationFields: [String: [String]] {
        var result: [String: [String]] = [:]
        for (model, fields) in relationPlan.backFields where host?.model(named: model) != nil && byName[model] == nil {
            result[model] = fields.map { "  \($0.field) \($0.type)" + ($0.relationName.map { " @relation(\(PrismaText.string($0)))" } ?? "") }
        }
        return result
    }

    /// The Prisma expression inside `@default(...)` for a field, if it has one.
    public static func defaultExpression(for field: CanonicalField) -> String? {
        if field.list, let values = field.listDefault {
            var element = field
            element.list = false
            return "[" + values.compactMap { value in
                element.defaultValue = value
                return defaultExpression(for: element)
            }.joined(separator: ", ") + "]"
        }
        if field.generated {
            switch field.type {
            case .cuid: return "cuid(\(field.idVersion.map(String.init) ?? ""))"
            case .uuid: return "uuid(\(field.idVersion.map(String.init) ?? ""))"
            case .int, .bigint: return "autoincrement()"
            default: return nil
            }
        }
        if let computed = field.databaseDefault { return "dbgenerated(\(PrismaText.string(computed.rawValue)))" }
        guard let value = field.defaultValue else { return nil }
        switch value {
        case .string(let text):
            if field.type == .datetime && text == "now" { return "now()" }
            // An enum's value is written bare: `@default(ADMIN)` (validation keeps it an identifier).
            if field.enumType != nil { return PrismaText.identifier(text) }
            return PrismaText.string(text)
        case .integer(let number): return field.type == .float ? CanonicalNumber.format(Double(number)) : String(number)
        case .float(let number): return CanonicalNumber.format(number)
        case .bool(let flag): return flag ? "true" : "false"
        }
    }

    // MARK: - Relation planning

    struct RelationKey: Hashable {
        var entity: String
        var relation: String
    }

    struct BackField: Hashable {
        var field: String
        var type: String
        var relationName: String?
    }

    struct RelationPlan {
        /// belongsTo relations that need an explicit relation name.
        var relationNames: [RelationKey: String] = [:]
        /// hasMany relation → the belongsTo it pairs with.
        var hasManyOwners: [RelationKey: RelationKey] = [:]
        /// Back-relation fields to add to a model, for belongsTo relations nobody declared a hasMany for.
        var backFields: [String: [BackField]] = [:]
        /// belongsTo relations whose foreign key is unique: their other side is `Model?`, not a list.
        var oneToOne: Set<RelationKey> = []
    }

    /// The fields of `model`'s primary key (a key of several fields too), package entity or host model.
    func primaryKeyNames(of model: String) -> [String] {
        if let entity = byName[model] { return entity.compoundKey ?? entity.primaryKey.map { [$0.name] } ?? [] }
        return host?.model(named: model)?.primaryKey ?? []
    }

    static func existingFieldNames(of model: String, byName: [String: CanonicalEntity], host: PrismaSchema?) -> Set<String> {
        if let entity = byName[model] {
            return Set(entity.fields.map(\.name) + entity.relations.map(\.name))
        }
        return Set(host?.model(named: model)?.fields.map(\.name) ?? [])
    }

    static func planRelations(universe: [CanonicalEntity], byName: [String: CanonicalEntity], host: PrismaSchema?) -> RelationPlan {
        var plan = RelationPlan()
        let owned = universe.filter { host?.model(named: $0.name) == nil }
        // Pairs of models joined by more than one relation need names, but one of them may stay
        // unnamed (Prisma tells it apart from the named ones), as may the only one; a model
        // related to itself gets one.
        var unnamedCounts: [Set<String>: Int] = [:]
        for entity in owned {
            for relation in entity.relations where relation.kind == .belongsTo && entity.presentation?.relationNames[relation.name] == nil {
                unnamedCounts[[entity.name, relation.target], default: 0] += 1
            }
        }
        var used: [String: Set<String>] = [:]
        for entity in owned {
            for relation in entity.relations where relation.kind == .belongsTo {
                let key = RelationKey(entity: entity.name, relation: relation.name)
                let declared = entity.presentation?.relationNames[relation.name]
                let needsName = declared != nil || relation.target == entity.name || (unnamedCounts[[entity.name, relation.target]] ?? 0) > 1
                let name = declared ?? "\(entity.name)_\(relation.name)"
                if needsName { plan.relationNames[key] = name }
                // A key whose columns are unique (or the entity's primary key) points from one row at most.
                let single = relation.field != nil && (entity.indexes.contains { $0.unique && Set($0.fields) == Set(relation.foreignKeyFields) }
                                                        || (relation.fields != nil && entity.compoundKey.map(Set.init) == Set(relation.foreignKeyFields)))
                if single { plan.oneToOne.insert(key) }
                // Does the target declare the other side? (By relation name when there is one.)
                if let target = byName[relation.target],
                   let back = target.relations.first(where: { candidate in
                       candidate.kind == .hasMany && candidate.target == entity.name && (candidate.field == nil || candidate.field == relation.field)
                           && (!needsName || target.presentation?.relationNames[candidate.name].map { $0 == name } ?? (declared == nil))
                   }) {
                    plan.hasManyOwners[RelationKey(entity: target.name, relation: back.name)] = key
                    continue
                }
                // A host model may already carry the back field: an unnamed one for an unnamed
                // relation, or one with the same relation name.
                if let model = host?.model(named: relation.target), model.fields.contains(where: { field in
                    guard field.type == entity.name, field.isList != single else { return false }
                    return needsName ? field.relationName == name : field.attribute("relation") == nil
                }) {
                    continue
                }
                var taken = used[relation.target] ?? existingFieldNames(of: relation.target, byName: byName, host: host)
                let base = (single ? Self.lowerFirst(entity.name) : Self.lowerFirst(Self.plural(entity.name))) + (needsName ? "By" + Self.upperFirst(relation.name) : "")
                let candidate = Self.freeName(base, taken: &taken)
                used[relation.target] = taken
                plan.backFields[relation.target, default: []].append(BackField(field: PrismaText.identifier(candidate),
                                                                               type: PrismaText.identifier(entity.name) + (single ? "?" : "[]"),
                                                                               relationName: plan.relationNames[key]))
            }
        }
        planManyToMany(owned, byName: byName, host: host, into: &plan)
        return plan
    }

    /// The list fields Prisma needs on the other side of each implicit many-to-many that side
    /// does not declare (a package entity's, or a host model's that lacks it), added to `plan`.
    static func planManyToMany(_ owned: [CanonicalEntity], byName: [String: CanonicalEntity], host: PrismaSchema?, into plan: inout RelationPlan) {
        var used: [String: Set<String>] = [:]
        for entity in owned {
            for relation in entity.relations where relation.kind == .manyToMany {
                let name = entity.presentation?.relationNames[relation.name]
                // The other side: another many-to-many of the target to this entity, with the same name.
                if let target = byName[relation.target], target.relations.contains(where: { candidate in
                    candidate.kind == .manyToMany && candidate.target == entity.name && !(target.name == entity.name && candidate.name == relation.name)
                        && target.presentation?.relationNames[candidate.name] == name
                }) {
                    continue
                }
                if byName[relation.target] == nil, let model = host?.model(named: relation.target), model.fields.contains(where: { field in
                    field.type == entity.name && field.isList
                        && field.relationName == name
                }) {
                    continue
                }
                var taken = used[relation.target]
                    ?? existingFieldNames(of: relation.target, byName: byName, host: host).union((plan.backFields[relation.target] ?? []).map(\.field))
                let base = lowerFirst(plural(entity.name)) + (relation.target == entity.name ? "Of" + upperFirst(relation.name) : "")
                let candidate = Self.freeName(base, taken: &taken)
                used[relation.target] = taken
                plan.backFields[relation.target, default: []].append(BackField(field: PrismaText.identifier(candidate), type: PrismaText.identifier(entity.name) + "[]",
                                                                               relationName: name))
            }
        }
    }

    /// `base`, or `base2`, `base3`, … : the first that is not `taken`, which it joins.
    static func freeName(_ base: String, taken: inout Set<String>) -> String {
        var candidate = base
        var suffix = 2
        while taken.contains(candidate) {
            candidate = base + String(suffix)
            suffix += 1
        }
        taken.insert(candidate)
        return candidate
    }

    static func lowerFirst(_ text: String) -> String { text.prefix(1).lowercased() + text.dropFirst() }

    /// A description as `///` lines: one per line of text, never empty.
    static func docLines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { PrismaText.comment(String($0).trimmingCharacters(in: .whitespaces)) }
            .filter { !$0.isEmpty }
    }
    static func upperFirst(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }

    static func plural(_ word: String) -> String {
        if word.hasSuffix("y"), let before = word.dropLast().last, !"aeiou".contains(before) { return word.dropLast() + "ies" }
        if word.hasSuffix("s") || word.hasSuffix("x") || word.hasSuffix("ch") || word.hasSuffix("sh") { return word + "es" }
        return word + "s"
    }
}
