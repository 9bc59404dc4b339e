/// Rules about an entity's ACL: roles and the row-level expression.
enum ACLRules {
    static func check(_ entity: Entity, knownRoles: [String], catalog: EntityCatalog) -> [Diagnostic] {
        guard let acl = entity.acl else { return [] }
        var diagnostics: [Diagnostic] = []
        for operation in ACLOperation.allCases {
            for (index, role) in (acl.rules[operation] ?? []).enumerated() where !knownRoles.contains(role) {
                diagnostics.append(.warning(.unknownRole, "unknown role '\(YAMLNodeReader.printable(role))' in acl.\(operation.rawValue) of \(entity.name); it grants nothing",
                                            hint: (Suggestion.hint(for: role, in: knownRoles).map { $0 + " " } ?? "")
                                                + "or add it to \"extraRoles\" in schema.config.json",
                                            at: acl.keyLocations["\(operation.rawValue)#\(index)"] ?? acl.location))
            }
        }
        if let source = acl.rowLevel {
            diagnostics += checkRowLevel(source, of: entity, at: acl.keyLocations["rowLevel"] ?? acl.location, catalog: catalog)
        }
        return diagnostics
    }

    static func checkRowLevel(_ source: RowLevelSource, of entity: Entity, at location: SourceLocation, catalog: EntityCatalog) -> [Diagnostic] {
        func at(_ column: Int) -> SourceLocation {
            // The expression is usually a quoted scalar: skip the opening quote.
            SourceLocation(file: location.file, line: location.line, column: location.column + column)
        }
        let expression: RowLevelExpression
        switch source.parsed {
        case .failure(let failure):
            return [.error(.rowLevelSyntax, "rowLevel of \(entity.name): \(failure.message)",
                           hint: "write comparisons such as \"authorId = $user.id\" joined by AND/OR", at: at(failure.column))]
        case .success(let rule):
            expression = rule.expression
        }
        var diagnostics: [Diagnostic] = []
        for comparison in expression.comparisons {
            var paths = [comparison.path]
            if case .path(let other) = comparison.operand { paths.append(other) }
            for path in paths {
                if let problem = resolve(path, in: entity, catalog: catalog) {
                    diagnostics.append(.error(.rowLevelUnknownName, "rowLevel of \(entity.name): \(problem.message)", hint: problem.hint, at: at(comparison.column)))
                }
            }
        }
        return diagnostics
    }

    /// Checks that `path` names a field, or a belongsTo relation and a field of its target.
    static func resolve(_ path: [String], in entity: Entity, catalog: EntityCatalog) -> (message: String, hint: String?)? {
        if path.count == 1 {
            if entity.field(named: path[0]) != nil { return nil }
            return ("'\(path[0])' is not a field of \(entity.name)", Suggestion.hint(for: path[0], in: entity.fields.map(\.name)))
        }
        guard let relation = entity.relations.first(where: { $0.name == path[0] && $0.kind == .belongsTo }) else {
            return ("'\(path[0])' is not a belongsTo relation of \(entity.name)",
                    Suggestion.hint(for: path[0], in: entity.relations.filter { $0.kind == .belongsTo }.map(\.name)))
        }
        if catalog.hasField(path[1], in: relation.target) == false {
            return ("'\(path[1])' is not a field of \(relation.target) (through relation '\(relation.name)')", nil)
        }
        return nil
    }
}
