/// A parsed `rowLevel` rule: comparisons joined by AND/OR, with parentheses.
///
/// The grammar is deliberately small so it can be evaluated in Swift and compiled to SQL safely:
/// ```
/// expression := term ("OR" term)*
/// term       := factor ("AND" factor)*
/// factor     := "(" expression ")" | comparison
/// comparison := path ("=" | "!=") operand
/// path       := identifier ("." identifier)?        -- a field, or relation.field
/// operand    := "$user." identifier | "true" | "false" | "null" | number | 'text' | path
/// ```
public indirect enum RowLevelExpression: Hashable, Sendable {
    case or([RowLevelExpression])
    case and([RowLevelExpression])
    case comparison(RowLevelComparison)

    /// The canonical text: single spaces, upper-case keywords, parentheses only where needed.
    /// Two rules that mean the same thing written differently print the same.
    public var canonicalText: String {
        switch self {
        case .or(let terms): terms.map(\.canonicalText).joined(separator: " OR ")
        case .and(let factors):
            factors.map { factor in
                if case .or = factor { return "(\(factor.canonicalText))" }
                return factor.canonicalText
            }.joined(separator: " AND ")
        case .comparison(let comparison): comparison.canonicalText
        }
    }

    /// The alternatives of the rule: its OR terms, or the rule itself when it has none.
    public var alternatives: [RowLevelExpression] {
        if case .or(let terms) = self { return terms }
        return [self]
    }

    /// Whether the expression can hold only for one user: it is, or ANDs, a comparison
    /// `path = $user.id` (an OR identifies the user only when each of its terms does).
    public var identifiesUser: Bool {
        switch self {
        case .comparison(let comparison): comparison.op == .equal && comparison.operand == .principal("id")
        case .and(let factors): factors.contains(where: \.identifiesUser)
        case .or(let terms): terms.allSatisfy(\.identifiesUser)
        }
    }

    /// What the rule says about ownership: the alternatives that identify the user. An alternative
    /// such as `status = 'published'` holds for rows of every user, so it cannot make anyone an
    /// owner; it is left out (and `validate` warns, W044). Nil when no alternative identifies the user.
    public var ownership: RowLevelExpression? {
        let owning = alternatives.filter(\.identifiesUser)
        switch owning.count {
        case 0: return nil
        case 1: return owning[0]
        default: return .or(owning)
        }
    }

    /// Every comparison in the expression.
    public var comparisons: [RowLevelComparison] {
        switch self {
        case .or(let items), .and(let items): items.flatMap(\.comparisons)
        case .comparison(let comparison): [comparison]
        }
    }
}

/// `path = operand` or `path != operand`.
public struct RowLevelComparison: Hashable, Sendable {
    /// `=` or `!=`.
    public enum Operator: String, Hashable, Sendable { case equal = "=", notEqual = "!=" }

    /// The left-hand side: a field, or `relation.field`.
    public var path: [String]
    /// The operator.
    public var op: Operator
    /// The right-hand side.
    public var operand: RowLevelOperand
    /// 1-based column of the comparison in the expression text.
    public var column: Int

    var canonicalText: String { "\(path.joined(separator: ".")) \(op.rawValue) \(operand.canonicalText)" }
}

/// The right-hand side of a comparison.
public enum RowLevelOperand: Hashable, Sendable {
    /// `$user.<attribute>`: a property of the acting principal (`id`, `role`, `tenantId`).
    case principal(String)
    case bool(Bool)
    case null
    case number(Double)
    case text(String)
    /// Another field of the row.
    case path([String])

    var canonicalText: String {
        switch self {
        case .principal(let attribute): "$user.\(attribute)"
        case .bool(let value): String(value)
        case .null: "null"
        case .number(let value): CanonicalNumber.format(value)
        case .text(let value): "'\(value.replacingOccurrences(of: "'", with: "''"))'"
        case .path(let path): path.joined(separator: ".")
        }
    }
}

/// Attributes of `$user` a rule may use.
public enum RowLevelPrincipal {
    /// The principal attributes the grammar accepts.
    public static let attributes = ["id", "role", "tenantId"]
}
