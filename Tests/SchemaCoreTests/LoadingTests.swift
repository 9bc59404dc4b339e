import Foundation
import SchemaCore
import Testing

@Suite struct LoadingTests {
    @Test func mapAndListFormsLoadTheSameEntity() throws {
        let map = try #require(TestSupport.entity("""
            entities:
              - name: Item
                fields:
                  id: { type: cuid, primary: true, generated: true }
                  label: { type: String, required: false }
                relations:
                  - { name: owner, type: belongsTo, entity: User, field: label }
            """))
        let list = try #require(TestSupport.entity("""
            entities:
              - name: Item
                fields:
                  - { name: id, type: cuid, primary: true, generated: true }
                  - { name: label, type: string, nullable: true }
                relations:
                  - { name: owner, type: belongsTo, target: User, foreignKey: label }
            """))
        #expect(CanonicalEntity(map) == CanonicalEntity(list))
        #expect(list.relations.first?.target == "User")
        #expect(list.relations.first?.field == "label")
    }

    @Test(arguments: [
        ("String", FieldType.string), ("Int", .int), ("BigInt", .bigint), ("Float", .float), ("Boolean", .boolean),
        ("Json", .json), ("DateTime", .datetime), ("datetime", .datetime), ("cuid", .cuid), ("uuid", .uuid),
    ])
    func typeSpellingsFold(_ spelling: String, _ expected: FieldType) throws {
        let entity = try #require(TestSupport.entity("entities:\n  - name: T\n    fields:\n      id: { type: \(spelling), primary: true }\n"))
        #expect(entity.fields.first?.type == expected)
    }

    @Test func inertKeysAreAcceptedAndIgnored() {
        let report = TestSupport.validate("""
            # yaml-language-server: $schema=whatever
            entities:
              - name: Quiet
                version: "1.0"
                description: "docs"
                checksum: null
                fields:
                  id: { type: cuid, primary: true, description: "the key" }
            """)
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
    }

    // MARK: - Hostile and broken input

    @Test func malformedYAMLReportsTheLine() {
        let report = TestSupport.validate("entities:\n  - name: A\n    fields:\n      id: {type: cuid\n  - name: B\n")
        let diagnostic = report.diagnostics.first
        #expect(diagnostic?.code == .yamlSyntax)
        #expect((4...5).contains(diagnostic?.location.line ?? 0))
    }

    @Test func tabsAndDuplicateKeysAreDiagnostics() {
        let duplicate = TestSupport.validate("entities:\n  - name: A\n    name: B\n    fields:\n      id: { type: cuid, primary: true }\n")
        #expect(duplicate.diagnostics.first?.code == .duplicateName)
        #expect(duplicate.diagnostics.first?.location.line ?? 0 >= 2)
        let tabs = TestSupport.validate("entities:\n\t- name: A\n")
        #expect(tabs.diagnostics.first?.code == .yamlSyntax)
        #expect(tabs.diagnostics.first?.location.line == 2)
    }

    @Test func aliasBombIsHarmless() {
        // Each level multiplies by 9: walking it naively would visit 9^9 nodes.
        var yaml = "a: &a [x, x, x, x, x, x, x, x, x]\n"
        let letters = Array("bcdefghi")
        var previous = "a"
        for letter in letters {
            yaml += "\(letter): &\(letter) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
            previous = String(letter)
        }
        yaml += "entities:\n  - name: Bomb\n    fields:\n      id: { type: cuid, primary: true, enum: *i }\n"
        let clock = ContinuousClock()
        let start = clock.now
        let report = TestSupport.validate(yaml)
        #expect(clock.now - start < .seconds(5))
        #expect(report.diagnostics.filter { $0.code == .unknownKey }.map(\.location.line) == Array(1...9))
        // The enum list is rejected without expanding the 9^9 leaves behind it: its items are the
        // lists anchored at `h` (line 8), not strings, and an enum does not apply to a cuid anyway.
        #expect(report.diagnostics.contains { $0.code == .wrongShape && $0.location.line == 8 && $0.message.contains("found a list") },
                "\(report.diagnostics)")
        #expect(report.diagnostics.contains { $0.code == .constraintOnWrongType && $0.message.contains("'enum' applies to strings") })
    }

    @Test func hostileNamesAreRejectedNotExecuted() {
        let names = ["x\"; DROP TABLE users; --", "a b", "Robert'); DROP TABLE Students;--", "../../etc/passwd", "名前", String(repeating: "A", count: 64)]
        for name in names {
            let yaml = "entities:\n  - name: '\(name.replacingOccurrences(of: "'", with: "''"))'\n    fields:\n      id: { type: cuid, primary: true }\n"
            let report = TestSupport.validate(yaml)
            #expect(report.diagnostics.map(\.code) == [.invalidIdentifier], "\(name): \(report.diagnostics)")
            #expect(report.diagnostics.first?.location.line == 2)
        }
        let field = TestSupport.validate("entities:\n  - name: Ok\n    fields:\n      id: { type: cuid, primary: true }\n      'x\"; DROP TABLE users; --': { type: string }\n")
        #expect(field.diagnostics.map(\.code) == [.invalidIdentifier])
        #expect(field.diagnostics.first?.location.line == 5)
    }

    @Test func sqlKeywordsAreFineAsNames() {
        let report = TestSupport.validate("""
            entities:
              - name: Order
                fields:
                  id: { type: cuid, primary: true }
                  key: { type: string }
                  order: { type: int }
                  type: { type: string }
                  select: { type: boolean }
            """)
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
    }

    @Test func deepNestingAndHugeScalarsDoNotCrash() {
        let deep = "entities:\n  - name: Deep\n    fields:\n      id: " + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000) + "\n"
        let deepReport = TestSupport.validate(deep)
        #expect(deepReport.hasErrors)
        let huge = "entities:\n  - name: '" + String(repeating: "x", count: 1_000_000) + "'\n    fields:\n      id: { type: cuid, primary: true }\n"
        let hugeReport = TestSupport.validate(huge)
        #expect(hugeReport.diagnostics.map(\.code) == [.invalidIdentifier])
        #expect((hugeReport.diagnostics.first?.message.count ?? 0) < 300)
    }

    // MARK: - Files on disk

    @Test func tenMegabyteFileIsRefusedWithADiagnostic() {
        TestSupport.withTemporaryDirectory { root in
            let filler = String(repeating: "# padding padding padding padding padding padding padding padding\n", count: 160_000)
            TestSupport.write("entities:\n" + filler, to: "packages/big/seed/schema/entities.yaml", in: root)
            let workspace = WorkspaceLoader(root: root).load()
            let diagnostic = workspace.diagnostics.first { $0.code == .unreadableFile }
            #expect(diagnostic?.location == SourceLocation(file: "packages/big/seed/schema/entities.yaml", line: 1, column: 1))
            #expect(diagnostic?.message.contains("MiB") == true)
        }
    }

    /// A folder name is printed, stored and used in paths: one with escape sequences, spaces or
    /// other oddities is reported and skipped, and its schema is not read.
    @Test func packageFoldersWithUnusableNamesAreSkipped() {
        TestSupport.withTemporaryDirectory { root in
            for name in ["good_one", "bad\u{1B}[2Jname", "with space", ".hidden", "-dash"] {
                TestSupport.write(TestSupport.simpleEntities, to: "packages/\(name)/seed/schema/entities.yaml", in: root)
            }
            let workspace = WorkspaceLoader(root: root).load()
            #expect(workspace.packages.map(\.packageId) == ["good_one"])
            let skipped = workspace.diagnostics.filter { $0.code == .invalidPackageName }
            #expect(skipped.count == 3, "\(skipped)")
            #expect(skipped.allSatisfy { !$0.message.contains("\u{1B}") }, "the escape sequence must be shown escaped")
            #expect(skipped.contains { $0.message.contains("bad\\u{1b}[2Jname") })
        }
    }

    @Test func invalidUTF8ReportsItsLine() {
        TestSupport.withTemporaryDirectory { root in
            let url = root.appendingPathComponent("packages/bad/seed/schema/entities.yaml")
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            var bytes = Array("entities:\n  - name: A\n    description: \"".utf8)
            bytes += [0xC3, 0x28]
            bytes += Array("\"\n".utf8)
            try? Data(bytes).write(to: url)
            let workspace = WorkspaceLoader(root: root).load()
            let diagnostic = workspace.diagnostics.first { $0.code == .unreadableFile }
            #expect(diagnostic?.location.line == 3)
            #expect(diagnostic?.location.column == 19)
        }
    }

    @Test func crlfFilesLoadLikeLFFiles() throws {
        try TestSupport.withTemporaryDirectory { root in
            TestSupport.write(TestSupport.simpleEntities.replacingOccurrences(of: "\n", with: "\r\n"), to: "packages/a/seed/schema/entities.yaml", in: root)
            TestSupport.write(TestSupport.simpleEntities, to: "packages/b/seed/schema/entities.yaml", in: root)
            let workspace = WorkspaceLoader(root: root).load()
            let a = try #require(workspace.package("a")?.entities.first)
            let b = try #require(workspace.package("b")?.entities.first)
            #expect(Checksum(of: CanonicalEntity(a)) == Checksum(of: CanonicalEntity(b)))
        }
    }
}
