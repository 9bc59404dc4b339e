import Foundation
import SchemaCore
import Testing

/// Whole rendered outputs (SQL for both dialects, the Prisma fragment and merged schema) compared
/// with reviewed files under `Fixtures/golden`. After an intended change, regenerate them with
/// `SCHEMA_UPDATE_GOLDEN=1 swift test --filter GoldenOutputTests` and review the diff in git.
@Suite struct GoldenOutputTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples/workspace").standardizedFileURL

    static func exampleState() throws -> DesiredState {
        let state = DesiredState.resolve(WorkspaceLoader(root: example).load())
        try #require(state.isValid, "\(state.errors)")
        return state
    }

    @Test(arguments: [SQLDialect.sqlite, .postgresql])
    func creatingTheExampleWorkspace(_ dialect: SQLDialect) throws {
        let state = try Self.exampleState()
        let changes = MigrationPlanner.plan(desired: state.entities, applied: [], dialect: dialect, host: state.host)
        Golden.check(changes.map { "-- \($0.entity) \($0.action.rawValue)\n\($0.statements.script)" }.joined(separator: "\n\n") + "\n",
                     "example-create.\(dialect.rawValue).sql")
    }

    @Test(arguments: [SQLDialect.sqlite, .postgresql])
    func alteringEveryKindOfColumn(_ dialect: SQLDialect) throws {
        let before = TestSupport.desired(PlanningTests.before)
        let after = TestSupport.desired(PlanningTests.before
            .replacingOccurrences(of: "      body: { type: string, nullable: true }", with: "      content: { type: string, nullable: true, renamedFrom: body }")
            .replacingOccurrences(of: "      score: { type: int, nullable: true }", with: "      score: { type: bigint, default: 0 }")
            .replacingOccurrences(of: "      legacy: { type: string, nullable: true }\n", with: "      rating: { type: float, min: 0, max: 5, default: 1 }\n")
            .replacingOccurrences(of: "maxLength: 100", with: "maxLength: 50")
            .replacingOccurrences(of: "      - fields: [title]", with: "      - fields: [title, rating]\n        unique: true"))
        let applied = before.entities.map { AppliedEntity(structure: $0.structure, checksum: $0.checksum, packages: $0.packages) }
        let change = try #require(MigrationPlanner.plan(desired: after.entities, applied: applied, dialect: dialect, host: after.host).first)
        let text = "-- operations\n" + change.operations.map { "-- \($0.summary)" }.joined(separator: "\n")
            + "\n-- risks\n" + change.risks.map { "-- \($0)" }.joined(separator: "\n")
            + "\n-- checks\n" + change.checks.map { "-- \(Self.partLabel($0.part, of: change.statements))\($0.kind.rawValue) \($0.description): \($0.countSQL)" }.joined(separator: "\n")
            + "\n" + Self.parts(change.statements) + "\n"
        Golden.check(text, "alter-post.\(dialect.rawValue).sql")
    }

    /// A rolled-out change's statements per part (``SQLStatement/Part``), each part by stage; one
    /// that applies whole, by stage only.
    static func parts(_ statements: [SQLStatement]) -> String {
        let parts = SQLStatement.Part.allCases.filter { part in statements.contains { $0.part == part } }
        guard parts != [.expand] else { return stages(statements) }
        return parts.map { part in "-- part: \(part.rawValue)\n" + stages(statements.filter { $0.part == part }) }.joined(separator: "\n")
    }

    /// `[part] ` when the change is rolled out, for its checks.
    static func partLabel(_ part: SQLStatement.Part, of statements: [SQLStatement]) -> String {
        statements.contains { $0.part != .expand } ? "[\(part.rawValue)] " : ""
    }

    /// Statements in execution order, under a header per stage, each with the lock it takes.
    static func stages(_ statements: [SQLStatement]) -> String {
        SQLStatement.Stage.allCases.compactMap { stage in
            let inStage = statements.ordered().filter { $0.stage == stage }
            guard !inStage.isEmpty else { return nil }
            return "-- stage: \(stage.rawValue)\n" + inStage.map { statement in
                (statement.lock.map { "-- lock: \($0)\n" } ?? "") + statement.sql + ";"
            }.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    @Test func theExamplesPrismaFragmentAndMergedSchema() throws {
        let state = try Self.exampleState()
        let structures = state.entities.map(\.structure)
        Golden.check(PrismaArtifacts.fragment(structures, host: state.host), "example.fragment.prisma")
        let base = try String(contentsOf: Self.example.appendingPathComponent("prisma/schema.prisma"), encoding: .utf8)
        let host = try #require(state.host)
        Golden.check(PrismaArtifacts.merged(baseText: base, host: host, entities: structures), "example.merged.prisma")
    }
}

/// Compares text with a reviewed file under `Fixtures/golden`.
enum Golden {
    static func check(_ actual: String, _ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let url = TestSupport.fixtures.appendingPathComponent("golden/\(name)")
        if ProcessInfo.processInfo.environment["SCHEMA_UPDATE_GOLDEN"] == "1" {
            // A rewrite is not a pass: the run fails until the new file is reviewed and the tests
            // run again without the variable.
            do {
                try actual.write(to: url, atomically: true, encoding: .utf8)
                Issue.record("rewrote golden file \(name): review the difference, then run again without SCHEMA_UPDATE_GOLDEN", sourceLocation: sourceLocation)
            } catch {
                Issue.record("cannot rewrite golden file \(name): \(error)", sourceLocation: sourceLocation)
            }
        } else if let expected = try? String(contentsOf: url, encoding: .utf8) {
            compare(actual, expected, name, sourceLocation: sourceLocation)
        } else {
            Issue.record("golden file \(name) is missing: run with SCHEMA_UPDATE_GOLDEN=1 and review it", sourceLocation: sourceLocation)
        }
    }

    static func compare(_ actual: String, _ expected: String, _ name: String, sourceLocation: Testing.SourceLocation) {
        if actual != expected {
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(actualLines, expectedLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(actualLines.count, expectedLines.count)
            Issue.record("""
                \(name) differs from the golden file at line \(first + 1):
                  expected: \(first < expectedLines.count ? String(expectedLines[first]) : "<end of file>")
                  actual:   \(first < actualLines.count ? String(actualLines[first]) : "<end of file>")
                (SCHEMA_UPDATE_GOLDEN=1 rewrites the file; review the diff)
                """, sourceLocation: sourceLocation)
        }
    }
}
