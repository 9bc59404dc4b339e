/// Rules about strings written into a file as values (enum values, defaults, roles, rule literals):
/// they reach SQL, Prisma and terminals, so they may not carry control characters.
enum ValueRules {
    /// E027 for `what` of `owner`.
    static func controlCharacter(in what: String, of owner: String, at location: SourceLocation) -> Diagnostic {
        .error(.controlCharacter, "\(what) of \(owner) contains a control character",
               hint: "remove line breaks, tabs, escape sequences and direction overrides from values; write them as plain text",
               at: location)
    }

    /// E027 for the enum values and string default of `field`.
    static func check(_ field: Field) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if let values = field.enumValues, values.contains(where: TerminalText.containsUnsafe) {
            diagnostics.append(controlCharacter(in: "an enum value", of: "'\(field.name)'", at: field.location(of: "enum")))
        }
        if case .string(let text) = field.defaultValue, TerminalText.containsUnsafe(text) {
            diagnostics.append(controlCharacter(in: "the default", of: "'\(field.name)'", at: field.location(of: "default")))
        }
        return diagnostics
    }
}
