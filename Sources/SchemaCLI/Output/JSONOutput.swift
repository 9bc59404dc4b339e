import Foundation
import SchemaCore

/// Shapes of the `--json` output. Field names are part of the CLI's stable interface.
enum JSONOutput {
    struct DiagnosticJSON: Encodable {
        var severity: String
        var code: String
        var message: String
        var hint: String?
        var file: String
        var line: Int
        var column: Int

        init(_ diagnostic: Diagnostic) {
            severity = diagnostic.severity.rawValue
            code = diagnostic.code.rawValue
            message = diagnostic.message
            hint = diagnostic.hint
            file = diagnostic.location.file
            line = diagnostic.location.line
            column = diagnostic.location.column
        }
    }

    /// An item that was not approved, rejected or applied, and why.
    struct RefusalJSON: Encodable {
        var id: String
        var reason: String
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension Console {
    /// Prints diagnostics compiler-style on stderr (stdout stays clean for the command's output).
    func printDiagnostics(_ diagnostics: [Diagnostic]) {
        for diagnostic in diagnostics {
            let severity = diagnostic.severity == .error ? paint("error", .red) : paint("warning", .yellow)
            var line = "\(paint(diagnostic.location.description, .bold)): \(severity)[\(diagnostic.code.rawValue)]: \(diagnostic.message)"
            if let hint = diagnostic.hint { line += paint(" (\(hint))", .dim) }
            err(line)
        }
    }
}
