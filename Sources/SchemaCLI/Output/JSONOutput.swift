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
            message = diagnostic.text
            hint = diagnostic.hint
            file = diagnostic.location.file
            line = diagnostic.location.line
            column = diagnostic.location.column
        }
    }

    /// Indented for people; the shapes are stable for machines.
    static func encode<T: Encodable>(_ value: T) -> String {
        JSONText.encode(value, pretty: true)
    }
}

/// An item that was not approved, rejected or applied, and why, with the error code.
struct RefusalJSON: Encodable {
    var id: String
    var entity: String?
    var code: String
    var reason: String

    init(_ refusal: Refusal) {
        id = refusal.itemId
        entity = refusal.entity
        code = refusal.code.rawValue
        reason = refusal.message
    }

    /// `ID (Entity): reason` for people, escaped for the terminal.
    var line: String { TerminalText.escape("\(id)\(entity.map { " (\($0))" } ?? ""): \(reason)") }
}

extension Console {
    /// Prints diagnostics on stderr (stdout stays clean for the command's output): with source
    /// snippets and one line per detail on a terminal (files read from `root`), compiler-style
    /// single lines otherwise.
    func printDiagnostics(_ diagnostics: [Diagnostic], root: URL? = nil) {
        guard showsSnippets else {
            for diagnostic in diagnostics {
                let severity = diagnostic.severity == .error ? paint("error", .red) : paint("warning", .yellow)
                var line = "\(paint(diagnostic.location.description, .bold)): \(severity)[\(diagnostic.code.rawValue)]: \(TerminalText.escape(diagnostic.text))"
                if let hint = diagnostic.hint { line += paint(" (\(TerminalText.escape(hint)))", .dim) }
                err(line)
            }
            return
        }
        let renderer = DiagnosticRenderer(paint: paint)
        let sources = SourceLines(root: root)
        for diagnostic in diagnostics {
            let source = sources.line(diagnostic.location.line, of: diagnostic.location.file)
            err(renderer.lines(for: diagnostic, sourceLine: source).joined(separator: "\n") + "\n")
        }
    }
}
