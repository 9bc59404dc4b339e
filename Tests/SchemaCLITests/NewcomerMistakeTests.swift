import Foundation
import SchemaCLI
import Testing

/// The mistakes a newcomer or an operator makes by hand: each gets a clear message and the right
/// exit status, and creates nothing.
@Suite struct NewcomerMistakeTests {
    /// Every file and folder under `root`, hidden ones included.
    static func contents(of root: URL) -> Set<String> {
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        var paths: Set<String> = []
        while let path = enumerator?.nextObject() as? String { paths.insert(path) }
        return paths
    }

    @Test(arguments: ["postgress://app:secret-pw@db:5432/app", "mysql://app:secret-pw@db/app", "postgresq://app:secret-pw@db/app", "mongodb+srv://app:secret-pw@x/y"])
    func anUnknownURLSchemeIsAUsageErrorThatShowsNoPassword(_ url: String) async {
        let root = CLITests.makeWorkspace()
        let before = Self.contents(of: root)
        for command in ["status", "scan", "apply", "list"] {
            let result = await SchemaCommand.capture([command, "--root", root.path, "--database-url", url])
            #expect(result.exitCode == 2, "\(command) \(url): \(result.stderr)")
            #expect(result.stderr.contains("unknown scheme") && result.stderr.contains("postgres://USER:PASSWORD@HOST:PORT/DATABASE"), "\(result.stderr)")
            #expect(!(result.stdout + result.stderr).contains("secret-pw"), "the password is printed")
        }
        #expect(Self.contents(of: root) == before, "a mistyped URL created files")
        let typo = await SchemaCommand.capture(["status", "--root", root.path, "--database-url", "postgress://app:secret-pw@db/app"])
        #expect(typo.stderr.contains("Did you mean 'postgres:'?"))
    }

    @Test func readOnlyCommandsCreateNoDatabaseOrFolder() async {
        let root = CLITests.makeWorkspace()
        let before = Self.contents(of: root)
        for command in [["status"], ["list"], ["plan"], ["drift"], ["audit"], ["generate"], ["admin", "list"], ["status", "--json"]] {
            let result = await SchemaCommand.capture(command + ["--root", root.path])
            #expect(result.exitCode == 1, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("no registry database at") && result.stderr.contains("`schema scan` creates it"), "\(command): \(result.stderr)")
        }
        #expect(Self.contents(of: root) == before, "a read-only command created \(Self.contents(of: root).subtracting(before))")
    }

    @Test func aRootWithoutPackagesIsAUsageErrorNamingTheRootMeant() async {
        let workspace = CLITests.makeWorkspace()
        let inside = await SchemaCommand.capture(["validate", "--root", workspace.appendingPathComponent("packages").path])
        #expect(inside.exitCode == 2)
        #expect(inside.stderr.contains("did you mean --root \(workspace.path)?"), "\(inside.stderr)")

        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("schema-parent-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        try? FileManager.default.moveItem(at: workspace, to: parent.appendingPathComponent("app"))
        let before = Self.contents(of: parent)
        for command in ["scan", "apply", "validate"] {
            let result = await SchemaCommand.capture([command, "--root", parent.path])
            #expect(result.exitCode == 2, "\(command)")
            #expect(result.stderr.contains("no packages/ folder") && result.stderr.contains("did you mean --root \(parent.path)/app?"), "\(result.stderr)")
        }
        #expect(Self.contents(of: parent) == before, "a wrong root got files")
    }

    @Test func unknownCommandsGetASuggestionAndTheToolHasAVersion() async {
        let typo = await SchemaCommand.capture(["sacn"])
        #expect(typo.exitCode == 2)
        #expect(typo.stderr.contains("'sacn' is not a schema command. Did you mean 'scan'?"), "\(typo.stderr)")
        let approve = await SchemaCommand.capture(["aprove", "all", "--as", "alice"])
        #expect(approve.exitCode == 2)
        #expect(approve.stderr.contains("Did you mean 'approve'?") && !approve.stderr.contains("--as"), "\(approve.stderr)")
        let version = await SchemaCommand.capture(["--version"])
        #expect(version.exitCode == 0)
        #expect(version.stdout.contains("registry format"), "\(version.stdout)")
    }

    @Test func theFirstStepsSayWhatToRunNext() async {
        let root = CLITests.makeWorkspace()
        func run(_ arguments: [String]) async -> (exitCode: Int32, stdout: String, stderr: String) {
            await SchemaCommand.capture(arguments + ["--root", root.path])
        }
        #expect(await run(["scan"]).exitCode == 0)
        let status = await run(["status"])
        #expect(status.stdout.contains("applied entities: none yet"), "\(status.stdout)")
        #expect(status.stdout.contains("admins: none (create one with `schema admin add NAME`)"))
        let approve = await run(["approve", "all", "--as", "alice"])
        #expect(approve.exitCode == 1)
        #expect(approve.stderr.contains("there are no admins yet; add the first with `schema admin add NAME`"), "\(approve.stderr)")
        #expect(await run(["admin", "add", "alice"]).exitCode == 0)
        #expect(await run(["approve", "all", "--as", "alice"]).exitCode == 0)
        #expect(await run(["status"]).stdout.contains("apply needed: 1 approved change(s) wait; run `schema apply`"))
        let wrongPackage = await run(["preview", "note"])
        #expect(wrongPackage.exitCode == 1)
        #expect(wrongPackage.stderr.contains("Did you mean 'notes'? Packages with a schema: notes"), "\(wrongPackage.stderr)")
        #expect(!wrongPackage.stderr.contains(":1:1"), "no made-up location")
    }

    /// A package whose entity conflicts with the host model in several ways.
    static func conflictingWorkspace() -> URL {
        CLITests.makeWorkspace([
            "packages/people/seed/schema/entities.yaml": """
                entities:
                  - name: User
                    fields:
                      id: { type: cuid, primary: true }
                      nickname: { type: string }
                      age: { type: int, nullable: true }
                """,
        ])
    }

    @Test func aTerminalShowsTheSourceLineACaretAndOneLinePerDifference() async throws {
        let root = Self.conflictingWorkspace()
        let terminal = await SchemaCommand.capture(["validate", "--root", root.path], terminal: true)
        #expect(terminal.exitCode == 1)
        let expected = """
            packages/people/seed/schema/entities.yaml:2:11: error[E070]: entity User is also a model of the host schema (prisma/schema.prisma:5:1) and differs:
               |
             2 |   - name: User
               |           ^
               - people has `age: Int?`, the host model lacks it
               - people has `nickname: String`, the host model lacks it
               = hint: make the entity match the host model, or rename it
            """
        #expect(terminal.stderr.contains(expected), "\(terminal.stderr)")

        let plain = await SchemaCommand.capture(["validate", "--root", root.path])
        #expect(plain.stderr.contains("and differs: people has `age: Int?`, the host model lacks it; people has `nickname: String`, the host model lacks it (make the entity match"),
                "\(plain.stderr)")
        #expect(!plain.stderr.contains("   |"))
        let json = await SchemaCommand.capture(["validate", "--root", root.path, "--json"], terminal: true)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let diagnostic = try #require((object["diagnostics"] as? [[String: Any]])?.first { $0["code"] as? String == "E070" })
        #expect(Set(diagnostic.keys) == ["severity", "code", "message", "hint", "file", "line", "column"], "the JSON shape is unchanged")
        #expect((diagnostic["message"] as? String)?.hasSuffix("and differs: people has `age: Int?`, the host model lacks it; people has `nickname: String`, the host model lacks it") == true)
    }

    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus/metabuilder").standardizedFileURL

    @Test(.enabled(if: FileManager.default.fileExists(atPath: corpus.path), "../shared/corpus/metabuilder is absent (a user's clone)"))
    func theRealCorpusOnATerminalShowsSnippetsAndOneLinePerDifference() async throws {
        let corpus = Self.corpus
        let result = await SchemaCommand.capture(["validate", "--root", corpus.path], terminal: true)
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("""
            packages/arcade_lobby/seed/schema/entities.yaml:6:11: error[E070]: entity Game is also a model of the host schema (prisma/schema.prisma:1012:1) and differs:
               |
             6 |   - name: Game
               |           ^
               - the host model has `achievements: String?`, arcade_lobby lacks it
            """), "\(result.stderr.prefix(3000))")
        let longest = result.stderr.split(separator: "\n").map(\.count).max() ?? 0
        #expect(longest < 400, "a difference list is still on one line (\(longest) characters)")
    }
}
