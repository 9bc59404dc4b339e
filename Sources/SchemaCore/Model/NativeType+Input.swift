extension NativeType {
    /// The text PostgreSQL takes as input for a column of this type, as a regular expression over
    /// the whole value, for the types whose input is a pattern (`Uuid`, `Bit(n)`, `VarBit(n)`);
    /// nil for the others.
    ///
    /// One description serves both checks of a value against the type: a default at validation
    /// (``problem(withDefault:)``) and stored rows before a text column becomes this type
    /// (`NativeConversion`, which runs it in PostgreSQL with `~`). The expression is written in
    /// what PostgreSQL's regular expressions and Swift's `Regex` read alike, and matched here code
    /// point by code point, as PostgreSQL matches.
    public var inputPattern: String? {
        switch name {
        case "Uuid":
            // 32 hexadecimal digits, a hyphen allowed after any group of four, braces allowed around
            // (PostgreSQL's documented input forms).
            let digits = "[0-9A-Fa-f]{4}(-?[0-9A-Fa-f]{4}){7}"
            return "^(\(digits)|\\{\(digits)\\})$"
        case "Bit":
            return arguments.first.map { "^[01]{\($0)}$" }
        case "VarBit":
            return "^[01]" + (arguments.first.map { "{0,\($0)}" } ?? "*") + "$"
        default:
            return nil
        }
    }

    /// Whether `text` is input this type takes, by ``inputPattern``; true for a type without one.
    public func takes(_ text: String) -> Bool {
        guard let pattern = inputPattern else { return true }
        guard let expression = try? Regex(pattern) else { return false }
        return text.wholeMatch(of: expression.matchingSemantics(.unicodeScalar)) != nil
    }

    /// How many characters `text` has as PostgreSQL counts them (`char_length`): code points,
    /// not the grapheme clusters Swift's `count` gives (a letter with a combining accent is two).
    public static func characterCount(_ text: String) -> Int {
        text.unicodeScalars.count
    }
}
