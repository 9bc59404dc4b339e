/// Enum types across packages and the host. An enum type is one PostgreSQL type and one Prisma
/// `enum` block, whichever package declares it, so every declaration must list the same values in
/// the same order, and its name may not be taken by a model (Prisma keeps models and enums in one
/// namespace; PostgreSQL gives every table a type of its name).
enum EnumTypeRules {
    /// - Parameter byName: every definition, grouped by entity name.
    static func check(_ byName: [String: [ValidationReport.EntityDefinition]], host: PrismaSchema?) -> [Diagnostic] {
        var declarations: [String: [(values: [String], field: Field, packageId: String)]] = [:]
        // Database type name → the enums declared under it: two enums may not share one type.
        var databaseNames: [String: Set<String>] = [:]
        for type in host?.enums ?? [] {
            databaseNames[EnumNames.qualified(host?.enumTypeMaps[type] ?? type, schema: host?.databaseSchema(ofEnum: type)), default: []].insert(type)
        }
        for name in byName.keys.sorted() {
            for definition in byName[name] ?? [] {
                for field in definition.entity.fields {
                    guard let type = field.enumType, let values = field.enumValues else { continue }
                    declarations[type, default: []].append((values, field, definition.packageId))
                    databaseNames[EnumNames.qualified(field.enumTypeMap ?? type, schema: field.enumSchema), default: []].insert(type)
                }
            }
        }
        let tables = Dictionary(byName.compactMap { name, definitions in definitions.first.map { ($0.entity.table ?? name, name) } }, uniquingKeysWith: { first, _ in first })
        var diagnostics: [Diagnostic] = []
        for type in declarations.keys.sorted() {
            guard let uses = declarations[type], let first = uses.first else { continue }
            let reference: (values: [String], names: EnumNames, origin: String)
            if let hostValues = host?.enumValues[type] {
                reference = (hostValues, EnumNames(type: host?.enumTypeMaps[type], values: host?.enumValueMaps[type] ?? [:], schema: host?.databaseSchema(ofEnum: type)),
                             "the host schema's enum \(type)")
            } else {
                reference = (first.values, EnumNames(first.field), "\(first.packageId)'s \(type)")
                // Package types are made in the connection's schema; another one is where a host keeps its own.
                if let schema = first.field.enumSchema {
                    diagnostics.append(.error(.enumTypeConflict,
                                              "enum \(type) says 'schema: \(schema)', but the host schema declares no enum \(type); a package's enum types are made in \(PrimaryKeys.connectionSchema)",
                                              hint: "remove 'schema:' (it names the database schema of a host enum the package uses), or declare the enum in the host schema",
                                              at: first.field.location(of: "type")))
                }
            }
            for use in uses {
                if use.values != reference.values {
                    diagnostics.append(.error(.enumTypeConflict,
                                              "enum \(type) of field '\(use.field.name)' (\(use.packageId)) lists \(use.values.joined(separator: ", ")); \(reference.origin) lists \(reference.values.joined(separator: ", "))",
                                              hint: "an enum type is one database type: declare the same values in the same order everywhere", at: use.field.location(of: "type")))
                } else if EnumNames(use.field) != reference.names {
                    diagnostics.append(.error(.enumTypeConflict,
                                              "enum \(type) of field '\(use.field.name)' (\(use.packageId)) is stored as \(EnumNames(use.field).describe(type)); \(reference.origin) as \(reference.names.describe(type))",
                                              hint: "an enum type is one database type: give it the same map, schema and value labels everywhere", at: use.field.location(of: "type")))
                }
            }
            let databaseName = EnumNames(first.field).type ?? type
            if let others = databaseNames[EnumNames.qualified(databaseName, schema: first.field.enumSchema)], others.count > 1 {
                diagnostics.append(.error(.enumTypeConflict, "enums \(others.sorted().joined(separator: " and ")) are both the database type \"\(databaseName)\"",
                                          hint: "give each enum a database name of its own ('map:' under enums:)", at: first.field.location(of: "type")))
            }
            if databaseName != type, first.field.enumSchema == nil, let entity = tables[databaseName] ?? (host?.models.first { ($0.tableName) == databaseName }?.name) {
                diagnostics.append(.error(.nameCollision, "enum \(type) is stored as the type \"\(databaseName)\", the name of \(entity)'s table",
                                          hint: "PostgreSQL gives every table a type of its name: choose another 'map:' for the enum", at: first.field.location(of: "type")))
            }
            if byName[type] != nil || host?.model(named: type) != nil {
                diagnostics.append(.error(.nameCollision, "enum \(type) has the name of \(byName[type] != nil ? "an entity" : "a host model")",
                                          hint: "Prisma keeps models and enums in one namespace and PostgreSQL gives every table a type of its name: rename the enum",
                                          at: first.field.location(of: "type")))
            }
        }
        return diagnostics
    }
}

/// How an enum type is named in the database: the type's map, its schema and the values' labels.
struct EnumNames: Equatable {
    var type: String?
    var values: [String: String]
    /// The database schema when it is not the connection's.
    var schema: String?

    init(type: String?, values: [String: String], schema: String? = nil) {
        self.type = type
        self.values = values.filter { $0.key != $0.value }
        self.schema = schema == PrimaryKeys.connectionSchema ? nil : schema
    }

    init(_ field: Field) {
        self.init(type: field.enumTypeMap.flatMap { $0 == field.enumType ? nil : $0 }, values: field.enumValueMap ?? [:], schema: field.enumSchema)
    }

    func describe(_ name: String) -> String {
        let labels = values.isEmpty ? "its values' own names" : values.sorted { $0.key < $1.key }.map { "\($0.key) → '\($0.value)'" }.joined(separator: ", ")
        return "type \"\(type ?? name)\"" + (schema.map { " in schema \"\($0)\"" } ?? "") + " with \(labels)"
    }

    /// A type's database name with its schema, for telling two types apart.
    static func qualified(_ name: String, schema: String?) -> String {
        schema.map { $0 + "." + name } ?? name
    }
}
