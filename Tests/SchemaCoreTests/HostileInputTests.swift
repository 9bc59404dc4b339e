import Foundation
import SchemaCore
import Testing

/// The hostile suite, the parts that need no database: what a hostile package author, or a row
/// edited in the registry, can make the pure pipeline do. Each test names the finding of issue 9
/// it reproduces; the registry and review-server parts are in `HostileRegistryTests` and
/// `HostileServerTests`.
@Suite struct HostileInputTests {
    /// Text that would end a comment, close the model and open a generator whose provider runs.
    /// (No `//`: tree-sitter's Prisma grammar reads `//` inside a string as a comment, a limit of
    /// that grammar, not of Prisma's parser; `slashes` covers it with ours.)
    static let breakout = "x\n}\ngenerator pwn {\n  provider = \"sh -c 'touch /tmp/pwned'\"\n}\nmodel Injected {\n  id String @id\n"
    static let slashes = "https://example.com/*x*/ // }"

    /// Finding 1: package text becomes Prisma blocks. Validation refuses control characters in
    /// enum values, defaults, roles and rule literals (E027)...
    @Test(arguments: [
        "      kind: { type: string, enum: [\"a\\n}\\ngenerator pwn {\", b] }",
        "      kind: { type: string, default: \"a\\u001b[2J\" }",
        "      kind: { type: string, enum: [\"plain\", \"\\u202Eevil\"] }",
    ])
    func finding01ControlCharactersInValuesAreRefused(_ line: String) {
        let report = TestSupport.validate("entities:\n  - name: Styled\n    fields:\n      id: { type: cuid, primary: true }\n" + line + "\n")
        #expect(report.diagnostics.map(\.code).contains(.controlCharacter), "\(report.diagnostics)")
        #expect(report.hasErrors)
    }

    /// ...and whatever a structure holds (an edited registry row has its checksum recomputed by
    /// whoever edited it), the Prisma output keeps its block structure: checked by parsing it back,
    /// with our parser here and with tree-sitter's Prisma grammar when it is installed.
    @Test func finding01NoStructureTextChangesThePrismaBlocks() throws {
        let evil = CanonicalEntity(
            name: "Note\n}\ngenerator pwn {", fields: [
                CanonicalField(name: "id", type: .cuid, optional: false, primary: true, generated: true),
                CanonicalField(name: "kind", type: .string, optional: false, defaultValue: .string(Self.breakout), enumValues: [Self.breakout, "*/", "}"]),
                CanonicalField(name: "ref\"}", type: .string, optional: true, maxLength: 10),
                CanonicalField(name: "url", type: .string, optional: false, defaultValue: .string(Self.slashes)),
            ],
            indexes: [CanonicalIndex(fields: ["kind"], unique: false, name: "idx\") }\ngenerator x {")],
            relations: [], acl: nil)
        let host = TestSupport.hostSchema
        let fragment = PrismaArtifacts.fragment([evil], host: host, fingerprint: "f")
        let merged = PrismaArtifacts.merged(baseText: TestSupport.hostSchemaText, host: host, entities: [evil])
        for text in [fragment, merged] {
            let parsed = PrismaSchemaParser.parse(text, file: "out.prisma")
            #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)\n\(text)")
            #expect(!text.contains("generator pwn") || !text.split(separator: "\n").contains { $0.hasPrefix("generator") }, "\(text)")
            #expect(!text.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("generator") })
            #expect(!text.split(separator: "\n").contains { $0.hasPrefix("model Injected") })
        }
        let model = try #require(PrismaSchemaParser.parse(fragment, file: "f").schema.models.first)
        #expect(PrismaSchemaParser.parse(fragment, file: "f").schema.models.map(\.name) == ["Note___generator_pwn__"])
        #expect(model.field(named: "url")?.attribute("default")?.positional == [#""https://example.com/*x*/ // }""#])
        #expect(model.fields.map(\.name) == ["id", "kind", "ref__", "url"])
        // tree-sitter's grammar reads `//` in strings as a comment: check it without that field.
        var withoutSlashes = evil
        withoutSlashes.fields.removeAll { $0.name == "url" }
        let checked = PrismaArtifacts.merged(baseText: TestSupport.hostSchemaText, host: host, entities: [withoutSlashes])
        #expect(PrismaSchemaParser.parse(merged, file: "m").schema.models.map(\.name) == ["User", "Tenant", "Note___generator_pwn__"])
        if let blocks = try PrismaGrammar.blocks(of: checked) {
            #expect(blocks == ["datasource db", "model User", "model Tenant", "model Note___generator_pwn__"], "\(blocks)")
        }
    }

    /// Finding 8: rowLevel was used as the ownership test, so `OR status = 'published'` made every
    /// user an owner of every published post. Ownership now uses only the alternatives that compare
    /// a field with $user.id (W044 says so), and visibility is readableWhen.
    @Test func finding08PublishedPostsAreNotEveryonesToEdit() throws {
        let legacy = TestSupport.validate("""
            entities:
              - name: BlogPost
                fields:
                  id: { type: cuid, primary: true }
                  authorId: { type: string }
                  status: { type: string }
                acl:
                  read: [public]
                  update: [self, moderator]
                  delete: [self, admin]
                  rowLevel: "authorId = $user.id OR status = 'published'"
            """)
        #expect(legacy.diagnostics.map(\.code) == [.rowLevelNotOwnership])
        let post = try #require(legacy.definitions.first?.canonical)
        let published: [String: RowValue] = ["id": .text("p1"), "authorId": .text("author"), "status": .text("published")]
        let stranger = AccessPrincipal(id: "someone", roles: ["user"])
        for operation in [ACLOperation.update, .delete] {
            #expect(!ACLEvaluator.evaluate(operation, on: post, by: stranger, row: published).allowed, "\(operation)")
            #expect(ACLEvaluator.evaluate(operation, on: post, by: AccessPrincipal(id: "author", roles: ["user"]), row: published).allowed)
        }
        // The bundled example says which is which.
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples/workspace/packages/blog/seed/schema/entities.yaml")
        let text = try String(contentsOf: example, encoding: .utf8)
        let state = DesiredState.resolve(.inMemory(["blog": text], baseSchema: TestSupport.hostSchema))
        #expect(state.report.diagnostics.filter { $0.code == .rowLevelNotOwnership }.isEmpty)
        let blogPost = try #require(state.report.definitions.first { $0.entity.name == "BlogPost" }?.canonical)
        #expect(blogPost.acl?.readableWhen?.canonicalText == "status = 'published'")
        #expect(!ACLEvaluator.evaluate(.update, on: blogPost, by: stranger, row: published).allowed)
        #expect(ACLEvaluator.evaluate(.read, on: blogPost, by: .anonymous, row: published).allowed)
        #expect(!ACLEvaluator.evaluate(.read, on: blogPost, by: .anonymous, row: published.merging(["status": .text("draft")]) { $1 }).allowed)
    }

    /// Finding 11: "did you mean" was quadratic: thousands of misspelled references against
    /// thousands of fields took minutes. Comparisons are budgeted per validation.
    @Test func finding11SuggestionsHaveABoundedCost() {
        var lines = ["entities:", "  - name: Big", "    fields:", "      id: { type: cuid, primary: true }"]
        for index in 0..<2_500 { lines.append("      field\(index)abc: { type: string }") }
        lines.append("    indexes:")
        // Same length as the fields, one letter off: every one is a plausible typo of many fields.
        for index in 0..<2_500 { lines.append("      - fields: [field\(index)abd]") }
        let budget = Suggestion.Budget(limit: 50_000)
        let report = Suggestion.$budget.withValue(budget) { TestSupport.validate(lines.joined(separator: "\n")) }
        let missing = report.diagnostics.filter { $0.code == .indexFieldMissing }
        #expect(missing.count == 2_500)
        #expect(budget.used > 45_000 && budget.used <= 50_000, "the budget is what bounds the work: \(budget.used)")
        // The first references still get their suggestion; once the budget is spent, none do.
        #expect(missing.first?.hint == "did you mean 'field0abc'?")
        #expect(missing.filter { $0.hint != nil }.count < 100)
    }

    /// Issue 19: a 344 KB file of names made of combining marks took 38 s to validate: each name
    /// is one character of hundreds of bytes, so the length filters let every pair through, each
    /// comparison normalized both, and fields were looked up by a scan per reference. Such names
    /// are never compared, comparisons are budgeted by their cost, and look-ups are hashed.
    @Test func combiningMarkNamesCostNoComparison() {
        let marks = String((0..<150).map { Character(UnicodeScalar(0x300 + $0 % 100)!) })
        var lines = ["entities:", "  - name: Big", "    fields:", "      id: { type: cuid, primary: true }"]
        for index in 0..<300 { lines.append("      f\(marks)\(index): { type: string }") }
        lines.append("    indexes:")
        for index in 0..<300 { lines.append("      - fields: [g\(marks)\(index)]") }
        let budget = Suggestion.Budget()
        let report = Suggestion.$budget.withValue(budget) { TestSupport.validate(lines.joined(separator: "\n")) }
        #expect(report.diagnostics.filter { $0.code == .indexFieldMissing }.count == 300)
        #expect(budget.used == 0, "names longer than any identifier are not compared: \(budget.used) cells")
    }

    /// Finding 12: names with escape sequences printed raw could hide output such as DESTRUCTIVE.
    @Test func finding12TerminalTextIsEscaped() {
        #expect(TerminalText.escape("blog\u{1B}[2K\r") == "blog\\u{1b}[2K\\u{d}")
        #expect(TerminalText.escape("a\u{202E}b") == "a\\u{202e}b")
        #expect(TerminalText.escape("plain — ünïcode 🙂") == "plain — ünïcode 🙂")
    }

    /// Finding 13: metadata.json was read through a symlink that leaves the package.
    @Test func finding13MetadataBehindAnEscapingSymlinkIsRefused() {
        TestSupport.withTemporaryDirectory { root in
            TestSupport.write(TestSupport.simpleEntities, to: "packages/shop/seed/schema/entities.yaml", in: root)
            TestSupport.write(#"{"packageId": "shop", "secret": "outside"}"#, to: "outside/secret.json", in: root)
            try? FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("packages/shop/seed/metadata.json").path,
                                                        withDestinationPath: root.appendingPathComponent("outside/secret.json").path)
            let workspace = WorkspaceLoader(root: root).load()
            let refusal = workspace.diagnostics.first { $0.code == .metadataPathEscapes }
            #expect(refusal?.message.contains("metadata.json resolves outside the package") == true, "\(workspace.diagnostics)")
        }
    }

    /// Issue 19: a package folder that is itself a symbolic link to a folder outside the root was
    /// loaded (and a diagnostic's snippet could print a line of a file it reached).
    @Test func aPackageFolderLinkedOutsideTheRootIsSkipped() {
        TestSupport.withTemporaryDirectory { root in
            TestSupport.write(TestSupport.simpleEntities, to: "packages/shop/seed/schema/entities.yaml", in: root)
            TestSupport.write(TestSupport.simpleEntities.replacingOccurrences(of: "Note", with: "Stranger"), to: "elsewhere/evil/seed/schema/entities.yaml", in: root)
            try? FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("packages/evil").path,
                                                        withDestinationPath: root.appendingPathComponent("elsewhere/evil").path)
            let workspace = WorkspaceLoader(root: root).load()
            #expect(workspace.packages.map(\.packageId) == ["shop"], "\(workspace.packages.map(\.packageId))")
            #expect(workspace.diagnostics.contains { $0.code == .metadataPathEscapes && $0.message.contains("package folder 'evil'") }, "\(workspace.diagnostics)")
        }
    }
}

/// tree-sitter's Prisma grammar, through `scripts/prisma-blocks.py` in `.venv-tools`
/// (`scripts/tools-venv.sh` installs it; `.ci/run` does): an independent check of what we render.
enum PrismaGrammar {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL
    static let python = root.appendingPathComponent(".venv-tools/bin/python")

    /// The top-level blocks of `text` ("model User"), or nil (with a note) when the grammar is not installed.
    /// - Throws: when the text does not parse.
    static func blocks(of text: String) throws -> [String]? {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            print("tree-sitter Prisma check skipped: .venv-tools is not installed (scripts/tools-venv.sh)")
            return nil
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("prisma-\(UUID().uuidString).prisma")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = python
        process.arguments = [root.appendingPathComponent("scripts/prisma-blocks.py").path, file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        try #require(process.terminationStatus == 0, "tree-sitter could not parse the output: \(lines)")
        return lines
    }
}
