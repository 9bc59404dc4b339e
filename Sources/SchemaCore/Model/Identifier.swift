/// Rules for names of entities, fields, relations and indexes.
public enum Identifier {
    /// The longest name accepted: PostgreSQL truncates identifiers beyond 63 bytes.
    public static let maximumLength = 63

    /// Prisma's naming rule `[A-Za-z][A-Za-z0-9_]*`, within ``maximumLength``.
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= maximumLength,
              ("a"..."z").contains(first) || ("A"..."Z").contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// A name the database gives a column or an index (a field's `map:`, an index's `name:`): an
    /// identifier that may also begin with `_`, as Prisma's `@map`/`map:` names may
    /// (`_jackson_index_key_store`); always quoted in SQL. (A table's name may not: `_` begins
    /// the join tables of implicit many-to-many relations.)
    public static func isDatabaseName(_ name: String) -> Bool {
        guard name.hasPrefix("_") else { return isValid(name) }
        let rest = name.drop { $0 == "_" }
        return name.utf8.count <= maximumLength && rest.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
            && !rest.isEmpty
    }

    /// An enum type's name: a valid identifier, as Prisma takes it (PascalCase is its convention,
    /// not its rule: formbricks declares `enum displayOptions`). A field's `type:` is read as a
    /// field type first, so the parser refuses an enum named like one (E013). The parser, the
    /// JSON Schema and import-prisma hold enums to it.
    public static func isEnumName(_ name: String) -> Bool {
        isValid(name)
    }

    /// An operator class name as written in `ops:`: `[a-z_][a-z0-9_]*`, within ``maximumLength``
    /// (it is written into SQL unquoted, as PostgreSQL's own names are).
    public static func isOperatorClass(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= maximumLength, ("a"..."z").contains(first) || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// Names Prisma refuses or mangles as model names: its own types, its scalar types and JavaScript keywords.
    public static let reservedModelNames: Set<String> = [
        "PrismaClient", "Prisma", "String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes",
        "Unsupported", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else",
        "enum", "export", "extends", "false", "finally", "for", "function", "if", "implements", "import", "in", "instanceof",
        "interface", "let", "new", "null", "package", "private", "protected", "public", "return", "super", "switch", "this",
        "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield",
    ]

    /// Field names Prisma Client reserves for its filter operators.
    public static let reservedFieldNames: Set<String> = ["AND", "OR", "NOT"]
}
