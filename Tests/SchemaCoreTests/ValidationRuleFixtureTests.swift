import Foundation
import SchemaCore
import Testing

/// Every rule has a fixture in `Fixtures/rules` whose first line says which diagnostic it must
/// produce and where: `# expect: E012 7:15 did you mean 'string'`.
@Suite struct ValidationRuleFixtureTests {
    struct Expectation: CustomStringConvertible, Sendable {
        var file: String
        var code: String
        var line: Int
        var column: Int
        var hint: String?
        /// Why the fixture's header could not be read; such a fixture fails instead of being skipped.
        var malformed: String?
        var description: String { file }
    }

    static let fixtures: [Expectation] = {
        let directory = TestSupport.fixtures.appendingPathComponent("rules")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        return names.map { name in
            var expectation = Expectation(file: name, code: "?", line: 0, column: 0)
            guard let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) else {
                expectation.malformed = "unreadable"
                return expectation
            }
            let header = text.split(separator: "\n").first.map(String.init) ?? ""
            let words = header.dropFirst("# expect: ".count).split(separator: " ", maxSplits: 2).map(String.init)
            let position = words.count > 1 ? words[1].split(separator: ":").compactMap { Int($0) } : []
            guard header.hasPrefix("# expect: "), words.count >= 2, position.count == 2, DiagnosticCode(rawValue: words[0]) != nil else {
                expectation.malformed = "the first line must be '# expect: CODE LINE:COLUMN [hint text]' with a known code, found '\(header)'"
                return expectation
            }
            expectation.code = words[0]
            expectation.line = position[0]
            expectation.column = position[1]
            expectation.hint = words.count > 2 ? words[2] : nil
            return expectation
        }
    }()

    /// Codes a single entities.yaml fixture cannot produce (they need other files, several packages
    /// or the command line), with the test that covers each.
    static let coveredElsewhere: [DiagnosticCode: String] = [
        .packageNotFound: "CLITests.validateSelectedPackagesAndUnknownOnes",
        .unreadableFile: "LoadingTests.tenMegabyteFileIsRefusedWithADiagnostic, LoadingTests.invalidUTF8ReportsItsLine",
        .entityNotFound: "CLITests.checksumPrintsTabSeparatedLines",
        .metadataInvalid: "MetadataTests.brokenMetadataJSONIsADiagnostic",
        .metadataPackageIdMismatch: "MetadataTests.packageIdMustMatchTheFolder",
        .metadataPathEscapes: "MetadataTests.pathsLeavingThePackageAreRefused",
        .metadataEntitiesMismatch: "MetadataTests.entityListMustMatchTheFile",
        .metadataSchemaUndeclared: "MetadataTests.undeclaredSchemaIsAWarningAndStillLoads",
        .crossPackageConflict: "CrossPackageAndHostTests.differingDefinitionsConflictWithFieldLevelDifferences",
        .hostModelConflict: "CrossPackageAndHostTests.hostModelOverlapCompatibleAndConflicting",
        .hostModelOverlap: "CrossPackageAndHostTests.hostModelOverlapCompatibleAndConflicting",
        .baseSchemaSyntax: "PrismaSchemaParserTests.unclosedBlockIsReported",
        .invalidPackageName: "LoadingTests.packageFoldersWithUnusableNamesAreSkipped",
        .enumTypeConflict: "EnumTypeTests.declarationsAgreeAcrossPackagesAndTheHost",
        .hostSchemasWithoutPublic: "PrismaHostSchemaTests.aRelationToAModelOfAnotherDatabaseSchemaNamesItsSchema",
    ]

    /// Every code the tool defines has a fixture here or a named test elsewhere: a new code
    /// without either fails this test.
    @Test func everyDiagnosticCodeIsCovered() {
        let fixtureCodes = Set(Self.fixtures.compactMap { DiagnosticCode(rawValue: $0.code) })
        for code in DiagnosticCode.allCases {
            #expect(fixtureCodes.contains(code) || Self.coveredElsewhere[code] != nil, "no fixture and no other test for \(code.rawValue) (\(code))")
        }
        for code in Self.coveredElsewhere.keys where fixtureCodes.contains(code) {
            Issue.record("\(code.rawValue) has a fixture: remove it from coveredElsewhere")
        }
    }

    @Test(arguments: fixtures)
    func fixtureProducesItsDiagnostic(_ expectation: Expectation) throws {
        if let malformed = expectation.malformed {
            Issue.record("\(expectation.file): \(malformed)")
            return
        }
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
                  rowLevel: "authorId = $user.id"
                  readableWhen: "status = 'live' AND score != 0"
            """)
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics.map(\.description))")
    }
}
