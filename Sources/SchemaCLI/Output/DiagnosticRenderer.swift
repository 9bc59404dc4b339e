import Foundation
import SchemaCore

/// Diagnostics as a person on a terminal reads them best: the compiler-style first line, the
/// source line with a caret under the column, one line per detail, then the hint.
///
/// Pure: the source lines come from the caller, so tests need no files. Non-terminal output and
/// `--json` keep the one-line form (``Diagnostic/description``), which scripts grep.
struct DiagnosticRenderer {
    /// Wraps text in colour when the console uses it.
    var paint: (String, ANSIColor) -> String

    /// The lines for `diagnostic`; `sourceLine` is the text of its line when the file could be read.
    func lines(for diagnostic: Diagnostic, sourceLine: String?) -> [String] {
        let severity = diagnostic.severity == .error ? paint("error", .red) : paint("warning", .yellow)
        let headline = diagnostic.details.isEmpty ? diagnostic.message : diagnostic.message + ":"
        var lines = ["\(paint(diagnostic.location.description, .bold)): \(severity)[\(diagnostic.code.rawValue)]: \(TerminalText.escape(headline))"]
        let number = String(diagnostic.location.line)
        let gutter = String(repeating: " ", count: number.count + 2)
        if let sourceLine {
            let shown = TerminalText.escape(sourceLine)
            lines.append(paint("\(gutter)|", .cyan))
            lines.append(paint(" \(number) |", .cyan) + " " + shown)
            lines.append(paint("\(gutter)|", .cyan) + " " + Self.caretPrefix(sourceLine, column: diagnostic.location.column) + paint("^", diagnostic.severity == .error ? .red : .yellow))
        }
        for detail in diagnostic.details {
            lines.append(paint("\(gutter)-", .cyan) + " " + TerminalText.escape(detail))
        }
        if let hint = diagnostic.hint {
            lines.append(paint("\(gutter)= hint:", .cyan) + " " + TerminalText.escape(hint))
        }
        return lines
    }

    /// Spaces up to `column` (1-based, in Unicode scalars as libyaml counts), keeping tabs so the
    /// caret lines up under the same character however the terminal expands them.
    static func caretPrefix(_ line: String, column: Int) -> String {
        String(line.unicodeScalars.prefix(max(0, column - 1)).map { $0 == "\t" ? "\t" : " " })
    }
}

/// Source files read once per output, for snippets.
final class SourceLines {
    private let root: URL?
    private var files: [String: [Substring]?] = [:]

    /// Files are resolved against `root` (the workspace root); nil reads nothing. Only files inside
    /// the root, symbolic links resolved, are read: a diagnostic must not print a line of a file
    /// a link points at (a key, a password file).
    init(root: URL?) {
        self.root = root
    }

    /// The text of `line` (1-based) of `file`, or nil when it cannot be read.
    func line(_ line: Int, of file: String) -> String? {
        guard let root else { return nil }
        if files[file] == nil {
            let url = (file.hasPrefix("/") ? URL(fileURLWithPath: file) : root.appendingPathComponent(file)).resolvingSymlinksInPath()
            let inside = url.path.hasPrefix(root.resolvingSymlinksInPath().path + "/")
            files[file] = inside ? (try? String(contentsOf: url, encoding: .utf8)).map(SourceText.lines) : nil
        }
        guard let lines = files[file] ?? nil, line >= 1, line <= lines.count else { return nil }
        return String(lines[line - 1])
    }
}
