/// Enum types across packages and the host. An enum type is one PostgreSQL type and one Prisma
/// `enum` block, whichever package declares it, so every declaration must list the same values in
/// the same order, and its name may not be taken by a model (Prisma keeps models and enums in one
/// namespace; PostgreSQL gives every table a type of its name).
enum EnumTypeRules {
    /// - Parameter byName: every definition, grouped by entity name.
    static func check(_ byName: [String: [ValidationReport.EntityDefinition]], host: PrismaSchema?) -> [Diagnostic] {
        var declarations: [String: [(values: [String], field: Field, packageId: String)]] = [:]
        for name in byName.keys.sorted() {
            for definition in byName[name] ?? [] {
                for field in definition.entity.fields {
                    guard let type = field.enumType, let values = field.enumValues else { continue }
                    declarations[type, default: []].append((values, field, definition.packageId))
                }
            }
        }
        var diagnostics: [Diagnostic] = []
        for type in declarations.keys.sorted() {
            guard let uses = declarations[type], let first = uses.first else { continue }
            let reference: (values: [String], origin: String)
            if let hostValues = host?.enumValues[type] {
                reference = (hostValues, "the host schema's enum \(type)")
            } else {
                reference = (first.values, "\(first.packageId)'s \(type)")
            }
            for use in uses where use.values != reference.values {
                diagnostics.append(.error(.enumTypeConflict,
                                          "enum \(type) of field '\(use.field.name)' (\(use.packageId)) lists \(use.values.joined(separator: ", ")); \(reference.origin) lists \(reference.values.joined(separator: ", "))",
                                          hint: "an enum type is one database type: declare the same values in the same order everywhere", at: use.field.location(of: "type")))
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
