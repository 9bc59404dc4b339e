import Foundation

/// Parses a Prisma schema well enough to know its models, fields, attributes, enums and provider.
///
/// It is not a full PSL implementation: blocks it does not need (`generator`, `view`, `type`) are
/// skipped; malformed lines inside models are reported with their position.
public enum PrismaSchemaParser {
    /// Parses `text`, reporting positions against `file`.
    public static func parse(_ text: String, file: String) -> (schema: PrismaSchema, diagnostics: [Diagnostic]) {
        var schema = PrismaSchema(file: file)
        var diagnostics: [Diagnostic] = []
        let lines = SourceText.lines(blankBlockComments(text)).map(String.init)
        var block: (kind: String, name: String, line: Int)?
        var model: PrismaModel?

        for (offset, rawLine) in lines.enumerated() {
            let lineNumber = offset + 1
            let line = stripComment(rawLine).trimmingCharacters(in: .whitespaces)
            let indent = rawLine.prefix { $0 == " " || $0 == "\t" }.count
            if line.isEmpty { continue }
            guard let open = block else {
                let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                guard words.count >= 3, words.last == "{", ["model", "enum", "datasource", "generator", "view", "type"].contains(words[0]) else {
                    diagnostics.append(.error(.baseSchemaSyntax, "expected a block such as 'model Name {', found '\(YAMLNodeReader.printable(line))'",
                                              at: SourceLocation(file: file, line: lineNumber, column: indent + 1)))
                    continue
                }
                block = (words[0], words[1], lineNumber)
                if words[0] == "model" {
                    model = PrismaModel(name: words[1], fields: [], blockAttributes: [],
                                        location: SourceLocation(file: file, line: lineNumber, column: indent + 1), closingLine: lineNumber)
                } else if words[0] == "enum" {
                    schema.enums.append(words[1])
                    schema.enumValues[words[1]] = []
                }
                continue
            }
            if line == "}" {
                if var finished = model {
                    finished.closingLine = lineNumber
                    schema.models.append(finished)
                }
                model = nil
                block = nil
                continue
            }
            let location = SourceLocation(file: file, line: lineNumber, column: indent + 1)
            switch open.kind {
            case "datasource":
                let setting = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if setting.count == 2 {
                    let value = setting[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    switch setting[0] {
                    case "provider": schema.provider = value
                    case "relationMode", "referentialIntegrity": schema.relationMode = value
                    case "schemas": schema.schemas = PrismaAttribute.nameList(setting[1])?.map(PrismaAttribute.literal) ?? []
                    default: break
                    }
                }
            case "model":
                if line.hasPrefix("@@") {
                    if let attribute = parseAttributes(line, location: location, diagnostics: &diagnostics).first {
                        model?.blockAttributes.append(attribute)
                    }
                } else if let field = parseField(line, location: location, diagnostics: &diagnostics) {
                    model?.fields.append(field)
                }
            case "enum":
                // `VALUE`, `VALUE @map("value")`; block attributes (`@@map`, `@@schema`) are not values.
                let attributes = parseAttributes(line, location: location, diagnostics: &diagnostics)
                let map = attributes.first { $0.name == "map" }.flatMap { $0.positional.first ?? $0.named["name"] }.map(PrismaAttribute.literal)
                if line.hasPrefix("@@") {
                    if let map { schema.enumTypeMaps[open.name] = map }
                    if let databaseSchema = attributes.first(where: { $0.name == "schema" }).flatMap({ $0.positional.first ?? $0.named["name"] }).map(PrismaAttribute.literal),
                       databaseSchema != PrimaryKeys.connectionSchema {
                        schema.enumSchemas[open.name] = databaseSchema
                    }
                } else if let value = line.split(separator: " ").first.map(String.init) {
                    schema.enumValues[open.name, default: []].append(value)
                    if let map, map != value { schema.enumValueMaps[open.name, default: [:]][value] = map }
                }
            default:
                break
            }
        }
        if let open = block {
            diagnostics.append(.error(.baseSchemaSyntax, "'\(open.kind) \(open.name)' is never closed", hint: "add the missing '}'",
                                      at: SourceLocation(file: file, line: open.line, column: 1)))
        }
        return (schema, diagnostics)
    }

    /// `text` with every `/* … */` comment (`/** … */` included, which Prisma accepts) replaced by
    /// spaces, its line breaks kept, so that positions in diagnostics stay those of the file. An
    /// unclosed comment runs to the end, as in Prisma. `/*` inside a string or after `//` is text.
    static func blankBlockComments(_ text: String) -> String {
        guard text.contains("/*") else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var inBlock = false, inString = false, inLineComment = false
        var previous: Character = "\n"
        for character in text {
            if inBlock {
                if previous == "*" && character == "/" {
                    inBlock = false
                    result.append(" ")
                    previous = " "
                    continue
                }
                result.append(character == "\n" ? "\n" : " ")
                previous = character
                continue
            }
            if character == "\n" { inString = false; inLineComment = false }
            if !inLineComment && character == "\"" && previous != "\\" { inString.toggle() }
            if !inString && !inLineComment && previous == "/" && character == "/" { inLineComment = true }
            if !inString && !inLineComment && previous == "/" && character == "*" {
                // The slash already written opens the comment: blank it too.
                result.removeLast()
                result.append("  ")
                inBlock = true
                previous = " "
                continue
            }
            result.append(character)
            previous = character
        }
        return result
    }

    /// Removes a `//` comment that is not inside a string.
    static func stripComment(_ line: String) -> String {
        var inString = false
        var previous: Character = " "
        for (offset, character) in line.enumerated() {
            if character == "\"" && previous != "\\" { inString.toggle() }
            if !inString && character == "/" && previous == "/" {
                return String(line.prefix(offset - 1))
            }
            previous = character
        }
        return line
    }

    static func parseField(_ line: String, location: SourceLocation, diagnostics: inout [Diagnostic]) -> PrismaField? {
        let name = line.prefix { !$0.isWhitespace }
        let afterName = line.dropFirst(name.count).drop { $0.isWhitespace }
        let typeText = afterName.prefix { !$0.isWhitespace && $0 != "@" }
        guard !name.isEmpty, !typeText.isEmpty else {
            diagnostics.append(.error(.baseSchemaSyntax, "expected 'name Type' in a model, found '\(YAMLNodeReader.printable(line))'", at: location))
            return nil
        }
        var type = String(typeText)
        var isOptional = false
        var isList = false
        if type.hasSuffix("?") { isOptional = true; type.removeLast() }
        if type.hasSuffix("[]") { isList = true; type.removeLast(2) }
        let rest = String(afterName.dropFirst(typeText.count))
        return PrismaField(name: String(name), type: type, isOptional: isOptional, isList: isList,
                           attributes: parseAttributes(rest, location: location, diagnostics: &diagnostics), location: location)
    }

    /// Parses `@a @b(x, y: z)` or `@@index([...])` into attributes.
    static func parseAttributes(_ text: String, location: SourceLocation, diagnostics: inout [Diagnostic]) -> [PrismaAttribute] {
        var attributes: [PrismaAttribute] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            guard characters[index] == "@" else { index += 1; continue }
            while index < characters.count && characters[index] == "@" { index += 1 }
            var name = ""
            while index < characters.count, characters[index].isLetter || characters[index].isNumber || characters[index] == "." || characters[index] == "_" {
                name.append(characters[index])
                index += 1
            }
            var arguments = ""
            if index < characters.count && characters[index] == "(" {
                var depth = 0
                var inString = false
                let start = index
                while index < characters.count {
                    let character = characters[index]
                    if character == "\"" && (index == 0 || characters[index - 1] != "\\") { inString.toggle() }
                    if !inString {
                        if character == "(" { depth += 1 }
                        if character == ")" { depth -= 1; if depth == 0 { break } }
                    }
                    index += 1
                }
                guard index < characters.count else {
                    diagnostics.append(.error(.baseSchemaSyntax, "unbalanced parentheses in '@\(name)'", at: location))
                    return attributes
                }
                arguments = String(characters[(start + 1)..<index])
                index += 1
            }
            var positional: [String] = []
            var named: [String: String] = [:]
            for argument in PrismaArgumentSplitter.split(arguments) {
                if let colon = PrismaArgumentSplitter.topLevelColon(in: argument) {
                    let key = String(argument[..<colon]).trimmingCharacters(in: .whitespaces)
                    named[key] = String(argument[argument.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                } else {
                    positional.append(argument)
                }
            }
            attributes.append(PrismaAttribute(name: name, positional: positional, named: named))
        }
        return attributes
    }
}

/// Splits attribute arguments at top-level commas, respecting brackets, parentheses and strings.
enum PrismaArgumentSplitter {
    static func split(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var inString = false
        var previous: Character = " "
        for character in text {
            if character == "\"" && previous != "\\" { inString.toggle() }
            if !inString {
                if character == "(" || character == "[" { depth += 1 }
                if character == ")" || character == "]" { depth -= 1 }
                if character == "," && depth == 0 {
                    parts.append(current.trimmingCharacters(in: .whitespaces))
                    current = ""
                    previous = character
                    continue
                }
            }
            current.append(character)
            previous = character
        }
        let last = current.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty { parts.append(last) }
        return parts
    }

    /// The position of a `name:` colon outside brackets and strings.
    static func topLevelColon(in text: String) -> String.Index? {
        var depth = 0
        var inString = false
        for index in text.indices {
            let character = text[index]
            if character == "\"" { inString.toggle() }
            if inString { continue }
            if character == "(" || character == "[" { depth += 1 }
            if character == ")" || character == "]" { depth -= 1 }
            if character == ":" && depth == 0 { return index }
        }
        return nil
    }
}
