import Foundation
import SchemaCore
import Testing

/// Every rule has a fixture in `Fixtures/rules` whose first line says which diagnostic it must
/// produce and where: `# expect: E012 7:15 did you mean 'string'`.
@Suite struct ValidationRuleFixtureTests {
    struct Expectation: CustomStringConvertible {
        var file: String
        var code: String
        var line: Int
        var column: Int
        var hint: String?
        var description: String { file }
    }

    static let fixtures: [Expectation] = {
        let directory = TestSupport.fixtures.appendingPathComponent("rules")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        return names.compactMap { name in
            guard let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8),
                  let header = text.split(separator: "\n").first, header.hasPrefix("# expect: ")
            else { return nil }
            let words = header.dropFirst("# expect: ".count).split(separator: " ", maxSplits: 2).map(String.init)
            let position = words[1].split(separator: ":").compactMap { Int($0) }
            return Expectation(file: name, code: words[0], line: position[0], column: position[1], hint: words.count > 2 ? words[2] : nil)
        }
    }()

    @Test func everyRuleCodeHasAFixture() {
        let covered = Set(Self.fixtures.map(\.code))
        let perEntityCodes: [DiagnosticCode] = [
            .yamlSyntax, .wrongShape, .missingKey, .unknownKey, .invalidIdentifier, .unknownFieldType, .reservedName, .duplicateName,
            .primaryKeyCount, .contradictoryOptionality, .constraintOnWrongType, .generatedOnWrongType, .defaultTypeMismatch,
            .defaultNotInEnum, .invalidConstraint, .indexFieldMissing, .relationFieldMissing, .relationTypeMismatch,
            .setNullOnRequired, .hasManyWithoutBackReference, .relationTargetUnknown, .invalidRelationKind, .unknownACLOperation,
            .unknownRole, .rowLevelSyntax, .rowLevelUnknownName, .staleChecksum,
        ]
        #expect(Self.fixtures.count >= perEntityCodes.count)
        for code in perEntityCodes {
            #expect(covered.contains(code.rawValue), "no fixture for \(code.rawValue)")
        }
    }

    @Test(arguments: fixtures)
    func fixtureProducesItsDiagnostic(_ expectation: Expectation) throws {
        let text = try String(contentsOf: TestSupport.fixtures.appendingPathComponent("rules/\(expectation.file)"), encoding: .utf8)
        let report = TestSupport.validate(text)
        let matching = report.diagnostics.filter { $0.code.rawValue == expectation.code }
        let found = try #require(matching.first, "\(expectation.file): expected \(expectation.code), got \(report.diagnostics.map(\.description))")
        #expect(found.location.line == expectation.line && found.location.column == expectation.column,
                "\(expectation.file): \(found.description)")
        if let hint = expectation.hint {
            #expect(found.hint?.contains(hint) == true, "\(expectation.file): hint was \(found.hint ?? "nil")")
        }
        #expect(found.severity == (expectation.code.hasPrefix("W") ? .warning : .error))
        // Every fixture is otherwise valid: the rule under test is the only kind of problem.
        #expect(Set(report.diagnostics.map(\.code.rawValue)) == [expectation.code], "\(report.diagnostics.map(\.description))")
    }

    @Test func validFileHasNoDiagnostics() {
        let report = TestSupport.validate("""
            entities:
              - name: Article
                fields:
                  id: { type: uuid, primary: true, generated: true }
                  authorId: { type: string, nullable: true, index: true }
                  title: { type: string, maxLength: 200, default: "Untitled" }
                  status: { type: string, enum: [draft, live], default: draft }
                  score: { type: float, min: 0, max: 5, default: 1 }
                  publishedAt: { type: datetime, default: now }
                  meta: { type: json, default: "{}" }
                relations:
                  - { name: author, type: belongsTo, entity: User, field: authorId, onDelete: SetNull }
                acl:
                  read: [public]
                  update: [self, admin]
                  rowLevel: "authorId = $user.id OR (status = 'live' AND score != 0)"
            """)
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics.map(\.description))")
    }
}
