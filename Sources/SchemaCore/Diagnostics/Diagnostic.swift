/// One problem found in the input, reported like a compiler diagnostic.
///
/// Rendered as `file:line:column: error[E012]: message (hint)`.
public struct Diagnostic: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    /// How serious a diagnostic is. Errors block scanning and applying; warnings do not.
    public enum Severity: String, Hashable, Sendable, Codable, Comparable {
        case warning
        case error

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            lhs == .warning && rhs == .error
        }
    }

    /// Error or warning.
    public var severity: Severity
    /// A stable code such as `E012`, documented in the README.
    public var code: DiagnosticCode
    /// What is wrong, in one sentence.
    public var message: String
    /// The individual differences or items the message sums up (a conflict's 20–30 differences),
    /// shown one per line on a terminal and joined into ``text`` elsewhere.
    public var details: [String]
    /// How to fix it, when there is something specific to say.
    public var hint: String?
    /// Where the problem is.
    public var location: SourceLocation

    /// Creates a diagnostic.
    public init(_ severity: Severity, _ code: DiagnosticCode, _ message: String, details: [String] = [], hint: String? = nil, at location: SourceLocation) {
        self.severity = severity
        self.code = code
        self.message = message
        self.details = details
        self.hint = hint
        self.location = location
    }

    /// Shorthand for an error.
    public static func error(_ code: DiagnosticCode, _ message: String, details: [String] = [], hint: String? = nil, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, code, message, details: details, hint: hint, at: location)
    }

    /// Shorthand for a warning.
    public static func warning(_ code: DiagnosticCode, _ message: String, hint: String? = nil, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, code, message, hint: hint, at: location)
    }

    /// The message with its details on one line: what JSON and non-terminal output show.
    public var text: String {
        details.isEmpty ? message : message + ": " + details.joined(separator: "; ")
    }

    /// The compiler-style one-line rendering.
    public var description: String {
        var line = "\(location): \(severity.rawValue)[\(code.rawValue)]: \(text)"
        if let hint { line += " (\(hint))" }
        return line
    }
}

extension Array where Element == Diagnostic {
    /// Whether any diagnostic is an error.
    public var containsErrors: Bool { contains { $0.severity == .error } }

    /// Diagnostics ordered by file, line, column, then code, so output is stable.
    public func sortedForDisplay() -> [Diagnostic] {
        sorted {
            ($0.location.file, $0.location.line, $0.location.column, $0.code.rawValue, $0.message)
                < ($1.location.file, $1.location.line, $1.location.column, $1.code.rawValue, $1.message)
        }
    }
}
