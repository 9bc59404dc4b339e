/// The one escaping path for text written into Prisma schema files: names, string literals and
/// comments. Whatever a package file or a registry row holds, it cannot end a comment, close a
/// block or open a new one (a `generator` block runs its `provider` as a command).
public enum PrismaText {
    /// A Prisma string literal: `"…"` with `"` and `\` escaped, line breaks as `\n` and other
    /// control characters removed (validation refuses them in values, so only a tampered registry
    /// row can carry them).
    public static func string(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            default: if !TerminalText.isUnsafe(scalar) { escaped.unicodeScalars.append(scalar) }
            }
        }
        return escaped + "\""
    }

    /// The text of a `//` or `///` comment, on one line: line breaks and other control characters
    /// are shown escaped, so the comment cannot end early.
    public static func comment(_ text: String) -> String {
        TerminalText.escape(text)
    }

    /// A model, field, relation or index name. Validated names are identifiers and come out
    /// unchanged; anything else (only a tampered registry row can hold it) has every character
    /// outside `[A-Za-z0-9_]` replaced by `_`, so it stays one token.
    public static func identifier(_ name: String) -> String {
        if Identifier.isValid(name) { return name }
        let cleaned = String(name.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_") ? Character(scalar) : "_"
        })
        guard let first = cleaned.unicodeScalars.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first) else { return "X" + cleaned }
        return cleaned
    }
}
