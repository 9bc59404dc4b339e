import Foundation
import SchemaCLI
import Testing

@Suite struct CLITests {
    /// A workspace with two packages, one relation to a host model and a small host schema.
    static func makeWorkspace(_ extra: [String: String] = [:]) -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("schema-cli-\(UUID().uuidString)")
        var files: [String: String] = [
            "prisma/schema.prisma": "datasource db {\n  provider = \"sqlite\"\n}\n\nmodel User {\n  id String @id\n}\n",
            "packages/notes/seed/metadata.json": #"{"packageId": "notes", "schema": {"entities": ["Note"], "path": "schema/entities.yaml"}}"#,
            "packages/notes/seed/schema/entities.yaml": """
                entities:
                  - name: Note
                    fields:
                      id: { type: cuid, primary: true, generated: true }
                      authorId: { type: string }
                      body: { type: string, maxLength: 500 }
                    relations:
                      - { name: author, type: belongsTo, entity: User, field: authorId, onDelete: Cascade }
                """,
            "packages/plain/seed/metadata.json": #"{"packageId": "plain"}"#,
        ]
        files.merge(extra) { $1 }
        for (path, contents) in files {
            let url = root.appendingPathComponent(path)
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? contents.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func validateSucceedsOnAValidWorkspace() async {
        let root = Self.makeWorkspace()
        let result = await SchemaCommand.capture(["validate", "--root", root.path])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ok: 1 packages, 1 entity definitions"))
        #expect(!result.stdout.contains("\u{1B}["))
    }

    @Test func validateJSONHasTheDocumentedShape() async throws {
        let root = Self.makeWorkspace()
        let result = await SchemaCommand.capture(["validate", "--root", root.path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["packages"] as? [String] == ["notes"])
        let entities = try #require(object["entities"] as? [[String: Any]])
        #expect(entities.first?["name"] as? String == "Note")
        #expect(entities.first?["package"] as? String == "notes")
        #expect((entities.first?["checksum"] as? String)?.count == 64)
        #expect((object["diagnostics"] as? [Any])?.isEmpty == true)
    }

    @Test func validateReportsErrorsWithPositionsAndExitsOne() async throws {
        let root = Self.makeWorkspace(["packages/broken/seed/schema/entities.yaml": "entities:\n  - name: Bad\n    fields:\n      id: { type: strng, primary: true }\n"])
        let result = await SchemaCommand.capture(["validate", "--root", root.path])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("packages/broken/seed/schema/entities.yaml:4:19: error[E012]: unknown field type 'strng' (did you mean 'string'?)"))
        let json = await SchemaCommand.capture(["validate", "--root", root.path, "--json"])
        #expect(json.exitCode == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let diagnostic = try #require((object["diagnostics"] as? [[String: Any]])?.first { $0["code"] as? String == "E012" })
        #expect(diagnostic["severity"] as? String == "error")
        #expect(diagnostic["line"] as? Int == 4)
        #expect(diagnostic["column"] as? Int == 19)
        #expect(diagnostic["file"] as? String == "packages/broken/seed/schema/entities.yaml")
    }

    @Test func validateSelectedPackagesAndUnknownOnes() async {
        let root = Self.makeWorkspace(["packages/broken/seed/schema/entities.yaml": "entities: 3\n"])
        #expect(await SchemaCommand.capture(["validate", "notes", "--root", root.path]).exitCode == 0)
        let unknown = await SchemaCommand.capture(["validate", "nots", "--root", root.path])
        #expect(unknown.exitCode == 1)
        #expect(unknown.stderr.contains("error[E001]"))
        #expect(unknown.stderr.contains("did you mean 'notes'?"))
    }

    @Test func usageErrorsExitTwo() async {
        #expect(await SchemaCommand.capture(["validate", "--root", "/definitely/not/here"]).exitCode == 2)
        #expect(await SchemaCommand.capture(["nonsense"]).exitCode == 2)
        #expect(await SchemaCommand.capture(["preview"]).exitCode == 2)
        #expect(await SchemaCommand.capture(["--help"]).exitCode == 0)
    }

    @Test func previewPrintsModelsWithChecksumsAndHostBackRelations() async {
        let root = Self.makeWorkspace()
        let result = await SchemaCommand.capture(["preview", "notes", "--root", root.path])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("// Note · checksum "))
        #expect(result.stdout.contains("model Note {"))
        #expect(result.stdout.contains("author   User   @relation(fields: [authorId], references: [id], onDelete: Cascade)"))
        #expect(result.stdout.contains("// Fields the host model User needs for these relations:"))
        #expect(result.stdout.contains("//  notes Note[]"))
        let missing = await SchemaCommand.capture(["preview", "nope", "--root", root.path])
        #expect(missing.exitCode == 1)
    }

    @Test func checksumPrintsTabSeparatedLines() async throws {
        let root = Self.makeWorkspace()
        let result = await SchemaCommand.capture(["checksum", "notes", "--root", root.path])
        #expect(result.exitCode == 0)
        let line = try #require(result.stdout.split(separator: "\n").first)
        let parts = line.split(separator: "\t")
        #expect(parts.first == "Note")
        #expect(parts.last?.count == 64)
        let single = await SchemaCommand.capture(["checksum", "notes", "Note", "--root", root.path])
        #expect(single.stdout == result.stdout)
        let unknown = await SchemaCommand.capture(["checksum", "notes", "Nope", "--root", root.path])
        #expect(unknown.exitCode == 1)
        #expect(unknown.stderr.contains("error[E006]: package notes defines no entity 'Nope'"), "\(unknown.stderr)")
    }

    @Test func builtBinaryHonoursExitCodesAndNoColor() throws {
        let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/schema").standardizedFileURL
        // scripts/test.sh builds the binary first; without it this test cannot say anything, so it fails.
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "\(binary.path) is not built: run `swift build` (scripts/test.sh does)")
        let root = Self.makeWorkspace(["packages/broken/seed/schema/entities.yaml": "entities:\n  - name: Bad\n"])
        let process = Process()
        process.executableURL = binary
        process.arguments = ["validate", "--root", root.path]
        process.environment = ["NO_COLOR": "1", "PATH": "/usr/bin:/bin"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(text.contains("error[E005]"))
        #expect(!text.contains("\u{1B}["))
    }
}

extension CLITests {
    /// `validate PACKAGE` reports on that package only: shared entities of other packages stay out.
    @Test func validatingOnePackageReportsOnlyWhatConcernsIt() async throws {
        let tag = "entities:\n  - name: Tag\n    fields:\n      id: { type: cuid, primary: true }\n      label: { type: string }\n"
        let root = Self.makeWorkspace([
            "packages/left/seed/schema/entities.yaml": tag,
            "packages/right/seed/schema/entities.yaml": tag,
        ])
        func shared(_ arguments: [String]) async throws -> [String] {
            let result = await SchemaCommand.capture(["validate"] + arguments + ["--root", root.path, "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            return (object["shared"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        }
        #expect(try await shared([]) == ["Tag"])
        #expect(try await shared(["left"]) == ["Tag"])
        #expect(try await shared(["notes"]).isEmpty)
    }
}

extension CLITests {
    /// Package names on the command line are matched against the folders under packages/, never
    /// joined into a path: a name that climbs out finds nothing, even when the target exists.
    @Test(arguments: ["../outside", "../../etc", "/etc", "notes/../outside", "..", "notes/../../outside"])
    func packageNamesCannotLeaveThePackagesFolder(_ name: String) async {
        let root = Self.makeWorkspace([
            // A valid schema one level above packages/: reachable by "../outside" if names were paths.
            "outside/seed/schema/entities.yaml": "entities:\n  - name: Secret\n    fields:\n      id: { type: cuid, primary: true }\n",
        ])
        for command in ["preview", "checksum", "validate"] {
            let result = await SchemaCommand.capture([command, name, "--root", root.path])
            #expect(result.exitCode == 1, "\(command) \(name)")
            #expect(result.stderr.contains("E001"), "\(command) \(name): \(result.stderr)")
            #expect(!result.stdout.contains("Secret"), "\(command) \(name) read a file outside packages/")
        }
    }

    /// The example's prisma.config.ts is what `schema registry prisma-config` prints: the list of
    /// registry tables Prisma must leave alone cannot fall behind the registry.
    @Test func theExamplePrismaConfigListsTheRegistryTables() async throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples/workspace/prisma.config.ts")
        let printed = await SchemaCommand.capture(["registry", "prisma-config"])
        #expect(printed.exitCode == 0)
        #expect(try String(contentsOf: example, encoding: .utf8) == printed.stdout, "regenerate it: schema registry prisma-config > Examples/workspace/prisma.config.ts")
        #expect(printed.stdout.contains(#""_schema_audit""#) && printed.stdout.contains("externalTables: true"))
    }

    /// `import-prisma` writes models as entities.yaml, which validates; what it cannot carry goes to stderr.
    @Test func importPrismaWritesAPackageAndNamesWhatItCannotCarry() async throws {
        let root = Self.makeWorkspace()
        let prisma = root.appendingPathComponent("host.prisma")
        try """
            datasource db {
              provider = "postgresql"
            }

            enum Level {
              LOW
              HIGH
            }

            enum Mood {
              HAPPY @map("happy")
            }

            model Account {
              id        String   @id @default(cuid())
              email     String   @unique @db.VarChar(200)
              level     Level
              mood      Mood?
              updatedAt DateTime @updatedAt
              posts     Post[]
            }

            model Post {
              id        String  @id @default(cuid())
              accountId String
              account   Account @relation(fields: [accountId], references: [id], onDelete: Cascade)

              @@index([accountId])
            }
            """.write(to: prisma, atomically: true, encoding: .utf8)
        let result = await SchemaCommand.capture(["import-prisma", prisma.path])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("      email: { type: string, unique: true, maxLength: 200 }"), "\(result.stdout)")
        #expect(result.stdout.contains("      - { name: account, type: belongsTo, entity: Post, field: accountId, onDelete: Cascade }") == false)
        #expect(result.stdout.contains("      - { name: account, type: belongsTo, entity: Account, field: accountId, onDelete: Cascade }"), "\(result.stdout)")
        #expect(result.stdout.contains("      - { name: posts, type: hasMany, entity: Post, field: accountId }"), "\(result.stdout)")
        #expect(result.stdout.hasPrefix("enums:\n  Level: [LOW, HIGH]\n") && result.stdout.contains("      level: { type: Level }"), "\(result.stdout)")
        // An enum whose values have database labels is carried with them.
        #expect(result.stdout.contains(#"  Mood: [{ HAPPY: "happy" }]"#) && result.stdout.contains("      mood: { type: Mood, nullable: true }")
                && !result.stderr.contains("Mood"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("      updatedAt: { type: datetime, updatedAt: true }"), "\(result.stdout)")
        #expect(!result.stderr.contains("updatedAt"), "@updatedAt is carried over: \(result.stderr)")
        let yaml = root.appendingPathComponent("packages/imported/seed/schema/entities.yaml")
        try FileManager.default.createDirectory(at: yaml.deletingLastPathComponent(), withIntermediateDirectories: true)
        try result.stdout.write(to: yaml, atomically: true, encoding: .utf8)
        try #"{"packageId": "imported"}"#.write(to: root.appendingPathComponent("packages/imported/seed/metadata.json"), atomically: true, encoding: .utf8)
        let validate = await SchemaCommand.capture(["validate", "imported", "--root", root.path])
        #expect(validate.exitCode == 0, "\(validate.stdout)\(validate.stderr)")
    }

    /// A schema folder (Prisma's multi-file schema: `schema.prisma` beside `models/*.prisma`) is
    /// imported as the one schema Prisma reads: a relation and an enum across files come through.
    @Test func importPrismaReadsASchemaFolder() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("import-folder-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("prisma")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("models"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "datasource db {\n  provider = \"postgresql\"\n}\n\nenum Level {\n  LOW\n  HIGH\n}\n\nenum Unused {\n  A\n}\n".write(to: folder.appendingPathComponent("schema.prisma"), atomically: true, encoding: .utf8)
        try "model Account {\n  id    String @id\n  email String @unique @db.Citext\n  level Level\n  posts Post[]\n}\n".write(to: folder.appendingPathComponent("models/account.prisma"), atomically: true, encoding: .utf8)
        try "model Post {\n  id        String  @id\n  accountId String\n  account   Account @relation(fields: [accountId], references: [id])\n\n  @@index([accountId], name: \"post_account_idx\")\n}\n"
            .write(to: folder.appendingPathComponent("models/post.prisma"), atomically: true, encoding: .utf8)
        let result = await SchemaCommand.capture(["import-prisma", folder.path])
        #expect(result.exitCode == 0, "\(result.stderr)")
        // Prisma Migrate creates every enum; a package only those its fields use: the other is named, not dropped.
        #expect(result.stderr.contains("enum Unused: no model uses it") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stdout.contains("      email: { type: string, unique: true, db: \"Citext\" }"), "\(result.stdout)")
        // `name:` on @@index is the index's database name (Prisma 2's spelling of `map:`, still honoured by Prisma Migrate).
        #expect(result.stdout.contains("      - fields: [accountId]\n        name: \"post_account_idx\""), "\(result.stdout)")
        #expect(result.stdout.hasPrefix("enums:\n  Level: [LOW, HIGH]\n") && result.stdout.contains("      level: { type: Level }"), "\(result.stdout)")
        #expect(result.stdout.contains("      - { name: account, type: belongsTo, entity: Account, field: accountId }"), "\(result.stdout)")
        #expect(result.stdout.contains("      - { name: posts, type: hasMany, entity: Post, field: accountId }"), "\(result.stdout)")
        let empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let nothing = await SchemaCommand.capture(["import-prisma", empty.path])
        #expect(nothing.exitCode != 0 && nothing.stderr.contains("has no .prisma file"), "\(nothing.stderr)")
    }

    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples/workspace").standardizedFileURL

    @Test func diagramFormatsRenderTheExample() async throws {
        let example = Self.example
        let mermaid = await SchemaCommand.capture(["diagram", "--root", example.path])
        #expect(mermaid.exitCode == 0)
        #expect(mermaid.stdout.contains("  BlogComment }o--|| BlogPost : \"post, onDelete: Cascade\""), "\(mermaid.stdout)")
        let only = await SchemaCommand.capture(["diagram", "media", "--root", example.path])
        #expect(only.stdout.contains("MediaItem {") && !only.stdout.contains("BlogPost {"))
        let unknown = await SchemaCommand.capture(["diagram", "meda", "--root", example.path])
        #expect(unknown.exitCode == 2 && unknown.stderr.contains("did you mean 'media'?"))
    }

    static let graphviz = ChildProcess.which("dot")

    @Test(.enabled(if: graphviz != nil, "Graphviz (dot) is not installed: apt-get install graphviz"))
    func graphvizRendersTheExamplesDOT() async throws {
        let dot = await SchemaCommand.capture(["diagram", "--format", "dot", "--root", Self.example.path])
        let graphviz = try #require(Self.graphviz)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("example-\(UUID().uuidString).dot")
        try dot.stdout.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, svg) = try ChildProcess.run(graphviz, ["-Tsvg", file.path])
        #expect(status == 0, "Graphviz refused the DOT: \(svg)")
        #expect(svg.contains("<svg") && svg.contains("BlogPost") && svg.contains("package blog"))
    }
}
