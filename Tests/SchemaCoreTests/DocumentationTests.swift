import Foundation
import SchemaCore
import Testing

/// The reference in docs/ keeps up with the code: every diagnostic, risk and error code is
/// documented in docs/codes.md, and every relative link of the README and docs/ leads to a file.
struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Every risk code the planner can attach, read from the sources (`code: "DS102"`).
    static func riskCodes() throws -> Set<String> {
        var codes: Set<String> = []
        let sources = root.appendingPathComponent("Sources")
        for case let file as URL in FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) ?? FileManager.DirectoryEnumerator()
        where file.pathExtension == "swift" {
            let source = try String(contentsOf: file, encoding: .utf8)
            for match in source.matches(of: /code: "([A-Z]{2}[0-9]{3})"/) { codes.insert(String(match.output.1)) }
        }
        return codes
    }

    @Test func everyCodeIsDocumented() throws {
        let codes = try Self.text("docs/codes.md")
        let missing = DiagnosticCode.allCases.map(\.rawValue).filter { !codes.contains($0) }
            + SchemaError.Code.allCases.map(\.rawValue).filter { !codes.contains("`\($0)`") }
            + (try Self.riskCodes()).sorted().filter { !codes.contains($0) }
        #expect(try !Self.riskCodes().isEmpty, "the risk codes were found in the sources")
        #expect(missing.isEmpty, "not in docs/codes.md: \(missing)")
    }

    @Test func everyRelativeLinkLeadsToAFile() throws {
        var broken: [String] = []
        let documents = ["README.md"] + (try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs").path))
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        for document in documents {
            let folder = Self.root.appendingPathComponent(document).deletingLastPathComponent()
            for match in try Self.text(document).matches(of: /\]\(([^)#\s]+)(#[^)]*)?\)/) {
                let target = String(match.output.1)
                if target.hasPrefix("http") { continue }
                if !FileManager.default.fileExists(atPath: folder.appendingPathComponent(target).path) { broken.append("\(document): \(target)") }
            }
        }
        #expect(broken.isEmpty, "\(broken)")
    }
}
