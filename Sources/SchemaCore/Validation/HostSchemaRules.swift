/// A package entity with the name of a model of the host's base schema.
enum HostSchemaRules {
    /// - Parameter byName: every definition, grouped by entity name.
    static func check(_ byName: [String: [ValidationReport.EntityDefinition]], host: PrismaSchema?) -> (overlaps: [ValidationReport.HostOverlap], diagnostics: [Diagnostic]) {
        guard let host else { return ([], []) }
        var overlaps: [ValidationReport.HostOverlap] = []
        var diagnostics: [Diagnostic] = []
        if !host.schemas.isEmpty, !host.schemas.contains(host.packageSchema), let first = byName.keys.sorted().first, let definition = byName[first]?.first {
            diagnostics.append(.error(.hostSchemasWithoutPublic,
                                      "the host's datasource lists the database schemas \(host.schemas.joined(separator: ", ")) (\(host.file)); package tables are made in \(host.packageSchema), which Prisma would then not see",
                                      hint: "add \"\(host.packageSchema)\" to the datasource's schemas, or set \"packageSchema\" in schema.config.json to one of them", at: definition.entity.location))
        }
        for name in byName.keys.sorted() {
            guard let group = byName[name], let model = host.model(named: name) else { continue }
            let packageView = StructuralDifference.Shape(prismaViewOf: group[0].canonical)
            let hostView = StructuralDifference.Shape(model, schema: host, declaredLists: Set(packageView.relations.keys))
            let differences = StructuralDifference.describe(packageView, group[0].packageId, hostView, "the host model")
            overlaps.append(.init(name: name, packages: group.map(\.packageId), differences: differences))
            for definition in group {
                if differences.isEmpty {
                    diagnostics.append(.warning(.hostModelOverlap, "entity \(name) is also a model of the host schema (\(model.location)); they are structurally equal",
                                                hint: "the package's table is the host's table; it will not be created again", at: definition.entity.location))
                } else {
                    diagnostics.append(.error(.hostModelConflict, "entity \(name) is also a model of the host schema (\(model.location)) and differs",
                                              details: differences, hint: "make the entity match the host model, or rename it", at: definition.entity.location))
                }
            }
        }
        return (overlaps, diagnostics)
    }
}

extension StructuralDifference.Shape {
    /// An entity as Prisma sees it, to compare with a host model. What Prisma cannot express for
    /// every provider (maxLength, enum, min/max, ACL) and index names are left out; types are
    /// Prisma's (cuid, uuid and string are all `String`).
    init(prismaViewOf entity: CanonicalEntity) {
        self.init()
        for field in entity.fields {
            addColumn(field.name, type: field.enumType ?? field.type.prismaType, optional: field.optional,
                      defaultValue: PrismaRenderer.defaultExpression(for: field).map(Self.compact))
        }
        indexes = Set(entity.indexes.map { Self.summary($0.fields, unique: $0.unique, name: nil) })
        for relation in entity.relations {
            switch relation.kind {
            case .belongsTo:
                addForeignKey(relation.name, target: relation.target, fields: relation.foreignKeyFields,
                              onDelete: relation.onDelete?.rawValue ?? "Restrict")
            case .hasMany, .manyToMany:
                add(relation: relation.name, "list of \(relation.target)")
            }
        }
    }

    /// A host model. Host list fields are back-relations implied by the other side, so only those
    /// the package declares as hasMany (`declaredLists`) are compared.
    init(_ model: PrismaModel, schema: PrismaSchema, declaredLists: Set<String>) {
        self.init()
        for field in model.fields {
            if field.isScalar || schema.enums.contains(field.type) {
                addColumn(field.name, type: field.type, optional: field.isOptional,
                          defaultValue: field.attribute("default")?.positional.first.map(Self.compact))
                if field.attribute("unique") != nil { indexes.insert(Self.summary([field.name], unique: true, name: nil)) }
            } else if field.isList {
                if declaredLists.contains(field.name) { add(relation: field.name, "list of \(field.type)") }
            } else if let relation = field.attribute("relation"), let fields = relation.named["fields"].flatMap(PrismaAttribute.nameList) {
                let optional = fields.contains { model.field(named: $0)?.isOptional ?? false }
                addForeignKey(field.name, target: field.type, fields: fields, onDelete: relation.named["onDelete"] ?? (optional ? "SetNull" : "Restrict"))
            }
        }
        for attribute in model.blockAttributes where attribute.name == "index" || attribute.name == "unique" {
            if let fields = attribute.fieldList { indexes.insert(Self.summary(fields, unique: attribute.name == "unique", name: nil)) }
        }
    }

    mutating func addColumn(_ name: String, type: String, optional: Bool, defaultValue: String?) {
        fields[name] = Field(summary: "\(name): \(type)\(optional ? "?" : "")",
                             properties: [("type", type), ("", optional ? "optional" : "required"), ("default", defaultValue ?? "none")])
    }

    mutating func addForeignKey(_ name: String, target: String, fields: [String], onDelete: String) {
        add(relation: name, "\(target)(\(fields.joined(separator: ", "))), onDelete \(onDelete)")
    }

    static func compact(_ text: String) -> String {
        text.filter { !$0.isWhitespace }
    }
}
