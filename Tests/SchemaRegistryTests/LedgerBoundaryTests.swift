import Foundation
import Testing

/// Exactly-once rests on a few registry rows (started marks, applied marks, approvals). Every
/// statement on a registry table lives in `Sources/SchemaRegistry/Ledger/`, behind a named method,
/// so that none of them is written twice or differently elsewhere.
struct LedgerBoundaryTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources").standardizedFileURL
    static let ledger = "SchemaRegistry/Ledger/"
    /// A registry table named in code: through `RegistryNames` or spelled out.
    static let tableReference = #"names\.(entities|queue|approvals|audit|admins|tokens|meta|lock|auditFunction|auditSequence)\b|_schema_(entities|queue|approvals|audit|admins|tokens|meta|lock)\b"#

    /// Lines outside the ledger's folder that name a registry table, as `path:line: text`.
    static func referencesOutsideLedger() throws -> [String] {
        var found: [String] = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where file.pathExtension == "swift" {
            let path = String(file.path.dropFirst(sources.path.count + 1))
            guard !path.hasPrefix(ledger) else { continue }
            for (number, line) in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                if code.hasPrefix("//") { continue }
                if line.range(of: tableReference, options: .regularExpression) != nil { found.append("\(path):\(number + 1): \(code)") }
            }
        }
        return found.sorted()
    }

    @Test func everyRegistryStatementIsInTheLedgerFolder() throws {
        try #require(FileManager.default.fileExists(atPath: Self.sources.appendingPathComponent(Self.ledger).path), "the sources are beside the tests")
        let outside = try Self.referencesOutsideLedger()
        #expect(outside.isEmpty, Comment(rawValue: "move these behind a named method in Sources/\(Self.ledger):\n" + outside.joined(separator: "\n")))
    }
}
