/// A `rowLevel` rule, parsed once where it is read and shared by everything that uses it: the
/// checksum (through its canonical text), the validator, the ACL evaluator and the row-level
/// security renderer. Stored as its canonical text, which parses back to the same expression.
public struct RowLevelRule: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The parsed rule.
    public let expression: RowLevelExpression

    /// Wraps a parsed expression.
    public init(_ expression: RowLevelExpression) {
        self.expression = expression
    }

    /// Parses `text`; throws the parser's failure (with its column) when it is not a rule.
    public init(parsing text: String) throws {
        self.init(try RowLevelParser.parse(text).get())
    }

    /// The canonical text: what the checksum covers and the registry stores.
    public var canonicalText: String { expression.canonicalText }

    public var description: String { canonicalText }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "rowLevel '\(text)' does not parse: \(error)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(canonicalText)
    }
}

/// A `rowLevel` value as written in a file: its text and what parsing it gave.
public struct RowLevelSource: Hashable, Sendable {
    /// The text as written.
    public var text: String
    /// The parsed rule, or where and why parsing failed.
    public var parsed: Result<RowLevelRule, RowLevelParser.Failure>

    /// Parses `text` once.
    public init(text: String) {
        self.text = text
        parsed = RowLevelParser.parse(text).map(RowLevelRule.init)
    }

    /// The rule, when the text parses.
    public var rule: RowLevelRule? { try? parsed.get() }
}
