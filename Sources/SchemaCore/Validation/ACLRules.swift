/// Rules about an entity's ACL: roles and the row-level expression.
enum ACLRules {
    static func check(_ entity: Entity, knownRoles: [String], catalog: EntityCatalog) -> [Diagnostic] {
        guard let acl = entity.acl else { return [] }
        var diagnostics: [Diagnostic] = []
        for operation in ACLOperation.allCases {
            for (index, role) in (acl.rules[operation] ?? []).enumerated() where !knownRoles.contains(role) {
                if TerminalText.containsUnsafe(role) {
                    diagnostics.append(ValueRules.controlCharacter(in: "a role of acl.\(operation.rawValue)", of: entity.name,
                                                                   at: acl.keyLocations["\(operation.rawValue)#\(index)"] ?? acl.location))
                    continue
                }
                diagnostics.append(.warning(.unknownRole, "unknown role '\(YAMLNodeReader.printable(role))' in acl.\(operation.rawValue) of \(entity.name); it grants nothing",
                                            hint: (Suggestion.hint(for: role, in: knownRoles).map { $0 + " " } ?? "")
                                                + "or add it to \"extraRoles\" in schema.config.json",
                                            at: acl.keyLocations["\(operation.rawValue)#\(index)"] ?? acl.location))
            }
        }
        if let source = acl.rowLevel {
            let location = acl.keyLocations["rowLevel"] ?? acl.location
            let rule = checkRule(source, key: "rowLevel", of: entity, at: location, catalog: catalog)
            diagnostics += rule.diagnostics
            if let expression = rule.expression {
                diagnostics += checkOwnership(expression, of: entity, at: location)
            }
        }
        if let source = acl.readableWhen {
            diagnostics += checkRule(source, key: "readableWhen", of: entity, at: acl.keyLocations["readableWhen"] ?? acl.location, catalog: catalog).diagnostics
        }
        return diagnostics
    }

    /// `rowLevel` decides who owns a row. An alternative that does not compare a field with
    /// `$user.id` holds for rows of many users; treating it as ownership would let anyone update or
    /// delete them through `self`, so it is ignored for ownership, and said so.
    static func checkOwnership(_ expression: RowLevelExpression, of entity: Entity, at location: SourceLocation) -> [Diagnostic] {
        expression.alternatives.filter { !$0.identifiesUser }.map { alternative in
            .warning(.rowLevelNotOwnership,
                     "rowLevel of \(entity.name): '\(YAMLNodeReader.printable(alternative.canonicalText))' does not compare a field with $user.id, so it cannot decide who owns a row; self and owner ignore it",
                     hint: "rowLevel says who owns a row; to let everyone read such rows, write readableWhen: \"\(YAMLNodeReader.printable(alternative.canonicalText))\"",
                     at: location)
        }
    }

    /// Parses and resolves one rule (`rowLevel` or `readableWhen`); returns its expression when it parses.
    static func checkRule(_ source: RowLevelSource, key: String, of entity: Entity, at location: SourceLocation,
                          catalog: EntityCatalog) -> (expression: RowLevelExpression?, diagnostics: [Diagnostic]) {
        let diagnostics = checkRowLevel(source, key: key, of: entity, at: location, catalog: catalog)
        return (source.rule?.expression, diagnostics)
    }

    static func checkRowLevel(_ source: RowLevelSource, key: String, of entity: Entity, at location: SourceLocation, catalog: EntityCatalog) -> [Diagnostic] {
        func at(_ column: Int) -> SourceLocation {
            // The expression is usually a quoted scalar: skip the opening quote.
            SourceLocation(file: location.file, line: location.line, column: location.column + column)
        }
        let expression: RowLevelExpression
        switch source.parsed {
        case .failure(let failure):
            return [.error(.rowLevelSyntax, "\(key) of \(entity.name): \(failure.message)",
                           hint: "write comparisons such as \"authorId = $user.id\" joined by AND/OR", at: at(failure.column))]
        case .success(let rule):
            expression = rule.expression
        }
        var diagnostics: [Diagnostic] = []
        for comparison in expression.comparisons {
            if case .text(let text) = comparison.operand, TerminalText.containsUnsafe(text) {
                diagnostics.append(ValueRules.controlCharacter(in: "a text in \(key)", of: entity.name, at: at(comparison.column)))
            }
            var paths = [comparison.path]
            if case .path(let other) = comparison.operand { paths.append(other) }
            for path in paths {
                if let problem = resolve(path, in: entity, catalog: catalog) {
                    diagnostics.append(.error(.rowLevelUnknownName, "\(key) of \(entity.name): \(problem.message)", hint: problem.hint, at: at(comparison.column)))
                }
            }
        }
        return diagnostics
    }

    /// Checks that `path` names a field, or a belongsTo relation and a field of its target.
    static func resolve(_ path: [String], in entity: Entity, catalog: EntityCatalog) -> (message: String, hint: String?)? {
        if path.count == 1 {
            if entity.field(named: path[0]) != nil || entity.isUnreadable(field: path[0]) { return nil }
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
