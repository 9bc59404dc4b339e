import Yams

/// Turns Yams' errors into diagnostics with the position libyaml reported.
enum YAMLErrorTranslation {
    /// - Parameter text: the document, to recognize a common mistake on the line the error names.
    static func diagnostic(for error: any Error, file: String, text: String = "") -> Diagnostic {
        guard let yamlError = error as? YamlError else {
            return .error(.yamlSyntax, "could not parse YAML: \(error)", at: .start(of: file))
        }
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            // `{ type: string[] }`: brackets end a flow value; a list type there must be quoted.
            let line = text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(max(mark.line - 1, 0)).first ?? ""
            if line.range(of: #"type:\s*[A-Za-z_][A-Za-z0-9_]*\[\]"#, options: .regularExpression) != nil {
                return .error(.yamlSyntax, message, hint: "inside { … } a list type must be quoted: type: \"string[]\"", at: at(mark))
            }
            return .error(.yamlSyntax, message, hint: "check indentation and quoting", at: at(mark))
        case .reader(let problem, let offset, _, _):
            return .error(.yamlSyntax, "invalid YAML input: \(problem)\(offset.map { " at byte \($0)" } ?? "")", at: .start(of: file))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .error(.duplicateName, "duplicate key\(duplicates.count == 1 ? "" : "s") \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in a mapping",
                          hint: "each key may appear once; remove or rename the repeated one", at: at(context.mark))
        default:
            return .error(.yamlSyntax, "could not parse YAML: \(yamlError)", at: .start(of: file))
        }
    }
}
