/// A package entity with the name of a model of the host's base schema.
enum HostSchemaRules {
    static func check(_ definitions: [ValidationReport.EntityDefinition], host: PrismaSchema?) -> (overlaps: [ValidationReport.HostOverlap], diagnostics: [Diagnostic]) {
        guard let host else { return ([], []) }
        var overlaps: [ValidationReport.HostOverlap] = []
        var diagnostics: [Diagnostic] = []
        let byName = Dictionary(grouping: definitions, by: \.entity.name)
        for name in byName.keys.sorted() {
            guard let group = byName[name], let model = host.model(named: name) else { continue }
            let packageView = HostComparable(group[0].canonical)
            let hostView = HostComparable(model, schema: host)
            let differences = packageView.differences(from: hostView, packageName: group[0].packageId)
            overlaps.append(.init(name: name, packages: group.map(\.packageId), differences: differences))
            for definition in group {
                if differences.isEmpty {
                    diagnostics.append(.warning(.hostModelOverlap, "entity \(name) is also a model of the host schema (\(model.location)); they are structurally equal",
                                                hint: "the package's table is the host's table; it will not be created again", at: definition.entity.location))
                } else {
                    diagnostics.append(.error(.hostModelConflict, "entity \(name) is also a model of the host schema (\(model.location)) and differs: "
                                                + differences.joined(separator: "; "),
                                              hint: "make the entity match the host model, or rename it", at: definition.entity.location))
                }
            }
        }
        return (overlaps, diagnostics)
    }
}

/// An entity as Prisma sees it, so a package entity and a host model can be compared.
/// Constraints Prisma cannot express for every provider (maxLength, enum, min/max, ACL) are left out.
struct HostComparable: Equatable {
    struct Column: Equatable { var type: String; var optional: Bool; var defaultValue: String? }
    struct ForeignKey: Equatable { var target: String; var fields: [String]; var onDelete: String }

    var columns: [String: Column] = [:]
    var indexes: Set<String> = []
    var belongsTo: [String: ForeignKey] = [:]
    var lists: [String: String] = [:]

    init(_ entity: CanonicalEntity) {
        for field in entity.fields {
            columns[field.name] = Column(type: field.type.prismaType, optional: field.optional, defaultValue: PrismaRenderer.defaultExpression(for: field))
        }
        for index in entity.indexes { indexes.insert(Self.indexKey(index.fields, unique: index.unique)) }
        for relation in entity.relations {
            switch relation.kind {
            case .belongsTo:
                belongsTo[relation.name] = ForeignKey(target: relation.target, fields: relation.field.map { [$0] } ?? [],
                                                      onDelete: relation.onDelete?.rawValue ?? "Restrict")
            case .hasMany:
                lists[relation.name] = relation.target
            }
        }
    }

    init(_ model: PrismaModel, schema: PrismaSchema) {
        for field in model.fields {
            if field.isScalar || schema.enums.contains(field.type) {
                columns[field.name] = Column(type: field.type, optional: field.isOptional,
                                             defaultValue: field.attribute("default")?.positional.first.map(Self.compact))
                if field.attribute("unique") != nil { indexes.insert(Self.indexKey([field.name], unique: true)) }
            } else if field.isList {
                lists[field.name] = field.type
            } else if let relation = field.attribute("relation"), let fields = relation.named["fields"].flatMap(PrismaAttribute.nameList) {
                let optional = fields.contains { model.field(named: $0)?.isOptional ?? false }
                belongsTo[field.name] = ForeignKey(target: field.type, fields: fields, onDelete: relation.named["onDelete"] ?? (optional ? "SetNull" : "Restrict"))
            }
        }
        for attribute in model.blockAttributes where attribute.name == "index" || attribute.name == "unique" {
            if let fields = attribute.fieldList { indexes.insert(Self.indexKey(fields, unique: attribute.name == "unique")) }
        }
        // A plain index duplicated by a unique one adds nothing, as in the canonical form.
        for key in indexes where key.hasPrefix("index ") && indexes.contains("unique " + key.dropFirst("index ".count)) {
            indexes.remove(key)
        }
    }

    static func indexKey(_ fields: [String], unique: Bool) -> String {
        "\(unique ? "unique" : "index") [\(fields.joined(separator: ", "))]"
    }

    static func compact(_ text: String) -> String {
        text.filter { !$0.isWhitespace }
    }

    func differences(from host: HostComparable, packageName: String) -> [String] {
        var lines: [String] = []
        for name in Set(columns.keys).union(host.columns.keys).sorted() {
            switch (columns[name], host.columns[name]) {
            case (let column?, nil): lines.append("\(packageName) has `\(name): \(column.type)\(column.optional ? "?" : "")`, the host model lacks it")
            case (nil, let column?): lines.append("the host model has `\(name): \(column.type)\(column.optional ? "?" : "")`, \(packageName) lacks it")
            case (let mine?, let theirs?):
                if mine.type != theirs.type { lines.append("`\(name)`: type \(mine.type) in \(packageName), \(theirs.type) in the host model") }
                if mine.optional != theirs.optional {
                    lines.append("`\(name)`: \(mine.optional ? "optional" : "required") in \(packageName), \(theirs.optional ? "optional" : "required") in the host model")
                }
                if mine.defaultValue.map(Self.compact) != theirs.defaultValue {
                    lines.append("`\(name)`: default \(mine.defaultValue ?? "none") in \(packageName), \(theirs.defaultValue ?? "none") in the host model")
                }
            default: break
            }
        }
        for key in indexes.subtracting(host.indexes).sorted() { lines.append("\(packageName) has \(key), the host model lacks it") }
        for key in host.indexes.subtracting(indexes).sorted() { lines.append("the host model has \(key), \(packageName) lacks it") }
        for name in Set(belongsTo.keys).union(host.belongsTo.keys).sorted() where belongsTo[name] != host.belongsTo[name] {
            switch (belongsTo[name], host.belongsTo[name]) {
            case (let mine?, nil): lines.append("\(packageName) has relation `\(name)` to \(mine.target), the host model lacks it")
            case (nil, let theirs?): lines.append("the host model has relation `\(name)` to \(theirs.target), \(packageName) lacks it")
            case (let mine?, let theirs?):
                lines.append("relation `\(name)`: \(mine.target)(\(mine.fields.joined(separator: ", ")), onDelete \(mine.onDelete)) in \(packageName), "
                             + "\(theirs.target)(\(theirs.fields.joined(separator: ", ")), onDelete \(theirs.onDelete)) in the host model")
            default: break
            }
        }
        // Host list fields are back-relations implied by the other side; only declared hasMany must match.
        for name in lists.keys.sorted() where lists[name] != host.lists[name] {
            lines.append("\(packageName) has hasMany `\(name)` to \(lists[name] ?? ""), the host model \(host.lists[name] == nil ? "lacks it" : "points elsewhere")")
        }
        return lines
    }
}
