import Foundation
import SchemaCore
import Testing

/// Loading and validation run on every core; what they report must not depend on how many there
/// are, or on which package a thread happened to reach first.
struct ParallelValidationTests {
    static let packageCount = 24
    static let padded = 3

    /// Package `pkgNN`: one entity with an unknown type and an index on a misspelled field, and
    /// an entity `Shared` that every package defines identically except pkg07. The first three
    /// packages end with a large valid entity `PadNN`, so that they finish last: results kept in
    /// the order work finished in would come out of package order.
    static func files(in root: URL) {
        for index in 0..<packageCount {
            let name = String(format: "pkg%02d", index)
            let padding = index < padded ? "  - name: Pad\(index)\n    fields:\n      id: { type: cuid, primary: true }\n"
                + (0..<3_000).map { "      extra\($0): { type: string, maxLength: 40 }\n" }.joined() : ""
            TestSupport.write("""
                entities:
                  - name: Thing\(index)
                    fields:
                      id: { type: cuid, primary: true }
                      label: { type: string }
                      total: { type: strng }
                    indexes:
                      - fields: [lable]
                  - name: Shared
                    fields:
                      id: { type: cuid, primary: true }
                      note: { type: string, maxLength: \(index == 7 ? 90 : 80) }
                \(padding)
                """, to: "packages/\(name)/seed/schema/entities.yaml", in: root)
            let exported = ["Thing\(index)", "Shared"] + (index < padded ? ["Pad\(index)"] : [])
            TestSupport.write(#"{"packageId": "\#(name)", "schema": {"path": "schema/entities.yaml", "entities": [\#(exported.map { "\"\($0)\"" }.joined(separator: ", "))]}}"#,
                              to: "packages/\(name)/seed/metadata.json", in: root)
        }
    }

    static func report(root: URL, threads: Int) -> ValidationReport {
        Validator.validate(WorkspaceLoader(root: root).load(threads: threads), threads: threads)
    }

    @Test func manyThreadsReportExactlyWhatOneThreadReports() {
        TestSupport.withTemporaryDirectory { root in
            Self.files(in: root)
            let serial = Self.report(root: root, threads: 1)
            // Written out from the fixture, not from a run: per package, in package order, the
            // unknown type (line 6), the misspelled index field (line 8) and, for pkg07 and the
            // package it is compared with (pkg00), the conflicting `Shared` (line 9).
            var expected: [String] = []
            for index in 0..<Self.packageCount {
                let file = String(format: "packages/pkg%02d/seed/schema/entities.yaml", index)
                if index == 0 || index == 7 {
                    expected.append("\(file):9 E060 packages that share an entity must define it identically; coordinate one definition or rename one entity")
                }
                expected.append("\(file):6 E012 did you mean 'string'?")
                expected.append("\(file):8 E030 did you mean 'label'?")
            }
            let shown = serial.diagnostics.map { "\($0.location.file):\($0.location.line) \($0.code.rawValue) \($0.hint.map { $0 } ?? "nil")" }
            #expect(shown.sorted() == expected.sorted(), "\(shown)")
            #expect(serial.definitions.map(\.packageId) == (0..<Self.packageCount).flatMap { index in
                Array(repeating: String(format: "pkg%02d", index), count: index < Self.padded ? 3 : 2) }, "definitions in package order")
            for _ in 0..<5 {
                let parallel = Self.report(root: root, threads: 8)
                #expect(parallel.diagnostics == serial.diagnostics)
                #expect(parallel.definitions.map(\.entity.name) == serial.definitions.map(\.entity.name))
                #expect(parallel.definitions == serial.definitions)
                #expect(parallel.shared == serial.shared && parallel.packages == serial.packages)
            }
        }
    }

    /// A budget shared by all packages would give its suggestions to whichever packages threads
    /// reached first; each package has a share of its own, so identical packages get identical hints.
    @Test func eachPackageHasItsOwnShareOfTheSuggestionBudget() {
        TestSupport.withTemporaryDirectory { root in
            for index in 0..<Self.packageCount {
                var lines = ["entities:", "  - name: Wide\(index)", "    fields:", "      id: { type: cuid, primary: true }"]
                for field in 0..<40 { lines.append("      column\(field)x: { type: string }") }
                lines.append("    indexes:")
                for field in 0..<40 { lines.append("      - fields: [column\(field)y]") }
                TestSupport.write(lines.joined(separator: "\n") + "\n", to: String(format: "packages/p%02d/seed/schema/entities.yaml", index), in: root)
            }
            let budget = Suggestion.Budget(limit: 300)
            let report = Suggestion.$budget.withValue(budget) { Self.report(root: root, threads: 8) }
            let hinted = Dictionary(grouping: report.diagnostics.filter { $0.code == .indexFieldMissing }, by: \.location.file)
                .mapValues { $0.filter { $0.hint != nil }.count }
            #expect(hinted.count == Self.packageCount)
            let counts = Set(hinted.values)
            #expect(counts.count == 1, "every package gets the same number of suggestions: \(hinted)")
            #expect((counts.first ?? 0) > 0 && (counts.first ?? 40) < 40, "the share bounds each package's suggestions: \(counts)")
            // Comparisons cost what their tables hold, so a share is spent to within one comparison.
            #expect(budget.used <= Self.packageCount * 300 && budget.used > Self.packageCount * 250, "each package spent its share: \(budget.used)")
        }
    }
}
