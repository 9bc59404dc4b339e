/// A scalar written in a schema file (a default, a bound), typed the way YAML resolves it.
public enum ScalarValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)

    public var description: String {
        switch self {
        case .string(let text): "\"\(text)\""
        case .integer(let value): String(value)
        case .float(let value): CanonicalNumber.format(value)
        case .bool(let value): String(value)
        }
    }
}

extension ScalarValue {
    /// Whether `text` is a decimal number written plainly (`2.00`, `-0.5`, `10`): a decimal
    /// default kept as its digits, which SQL takes as they are.
    public static func isDecimalLiteral(_ text: String) -> Bool {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) } && digits.count <= 80
    }
}

private extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// Number formatting shared by the canonical encoding and rendering, so `0`, `0.0` and `0e0` agree.
public enum CanonicalNumber {
    /// Integral values within ±2^53 print without a fraction; others use Swift's shortest round-trip form.
    public static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        return String(value)
    }
}
