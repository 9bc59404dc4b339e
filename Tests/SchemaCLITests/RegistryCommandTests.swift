import Foundation
import SchemaCLI
import SchemaCore
import SchemaRegistry
import Testing

/// The registry commands in-process, on the default embedded SQLite database under the root.
@Suite(.serialized) struct RegistryCommandTests {
    func run(_ arguments: [String], root: URL) async -> (exitCode: Int32, stdout: String, stderr: String) {
        await SchemaCommand.capture(arguments + ["--root", root.path, "--database-url", "file:.schema/test.sqlite"])
    }

    /// A host whose schema is a folder (`prisma/schema/`, Prisma's multi-file schema) and uses
    /// multi-schema: the fragment a start writes is rendered with that host (its `@@schema`, the
    /// back-relation fields host models need), and `generate --merged` writes one schema of every
    /// file of the folder with those fields in the host's model, which reads back as one schema.
    @Test func aSchemaFolderHostGetsItsFragmentAndAMergedSchema() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("folder-host-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let files = [
            "prisma/schema/main.prisma": "datasource db {\n  provider = \"sqlite\"\n  url      = \"file:dev.db\"\n  schemas  = [\"app\", \"public\"]\n}\n",
            "prisma/schema/models/user.prisma": "model User {\n  id    String @id\n  email String\n\n  @@schema(\"public\")\n}\n",
            "packages/notes/seed/schema/entities.yaml": "entities:\n  - name: Note\n    fields:\n      id: { type: string, primary: true }\n      userId: { type: string }\n"
                + "    relations:\n      - { name: user, type: belongsTo, entity: User, field: userId }\n",
        ]
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        #expect(await run(["scan"], root: root).exitCode == 0)
        #expect(await run(["admin", "add", "alice"], root: root).exitCode == 0)
        #expect(await run(["approve", "all", "--as", "alice"], root: root).exitCode == 0)
        let apply = await run(["apply"], root: root)
        #expect(apply.exitCode == 0, "\(apply.stderr)")
        let fragment = try String(contentsOf: root.appendingPathComponent("prisma/generated-from-packages.prisma"), encoding: .utf8)
        #expect(fragment.contains(#"@@schema("public")"#) && fragment.contains("User.notes Note[]"), "\(fragment)")

        let mergedURL = root.appendingPathComponent("merged.prisma")
        let generate = await run(["generate", "--merged", mergedURL.path], root: root)
        #expect(generate.exitCode == 0, "\(generate.stderr)")
        let merged = try String(contentsOf: mergedURL, encoding: .utf8)
        let schema = PrismaSchemaParser.parse(merged, file: "merged.prisma").schema
        #expect(schema.schemas == ["app", "public"] && schema.models.map(\.name).sorted() == ["Note", "User"], "\(merged)")
        #expect(schema.model(named: "User")?.fields.map(\.name) == ["id", "email", "notes"], "\(merged)")
        #expect(merged.contains("// models/user.prisma"), "each file named where it begins: \(merged)")
    }

    @Test func fullFlowOnEmbeddedSQLite() async throws {
        let root = CLITests.makeWorkspace()
        let scan = await run(["scan", "--json"], root: root)
        #expect(scan.exitCode == 0, "\(scan.stderr)")
        let queued = try #require((try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any])?["queued"] as? [[String: Any]])
        #expect(queued.map { $0["entity"] as? String } == ["Note"])
        let id = try #require(queued.first?["id"] as? String)

        let list = await run(["list", "--verbose"], root: root)
        #expect(list.stdout.contains(id) && list.stdout.contains(#"CREATE TABLE "Note""#) && list.stdout.contains("model Note {"))

        #expect(await run(["approve", id, "--as", "eve"], root: root).exitCode == 1)
        #expect(await run(["admin", "add", "alice"], root: root).exitCode == 0)
        #expect(await run(["admin", "add", "eve"], root: root).exitCode == 1)
        #expect(await run(["approve", "nonexistent", "--as", "alice"], root: root).exitCode == 1)
        let approve = await run(["approve", id, "--as", "alice"], root: root)
        #expect(approve.exitCode == 0, "\(approve.stderr)")
        #expect(await run(["status"], root: root).stdout.contains("apply needed: 1 approved change(s) wait; run `schema apply`"))
        #expect(await run(["plan"], root: root).stdout.contains(#"CREATE TABLE "Note""#))

        let apply = await run(["apply"], root: root)
        #expect(apply.exitCode == 0, "\(apply.stderr)")
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("prisma/generated-from-packages.prisma").path))
        #expect(await run(["apply"], root: root).stdout.contains("nothing to apply"))
        #expect(await run(["scan"], root: root).stdout.contains("0 queued"))

        let merged = root.appendingPathComponent("merged.prisma")
        #expect(await run(["generate", "--merged", merged.path], root: root).exitCode == 0)
        let text = try String(contentsOf: merged, encoding: .utf8)
        #expect(text.contains("model User {\n  id String @id\n  // back-relations of package entities\n  notes Note[]\n}"))
        #expect(text.contains("model Note {"))
        #expect(text.hasPrefix("// Merged by `schema`") && text.contains("\n// fingerprint: "), "a start can tell it is current")

        // generate renders from the database and the base schema: a broken package file (which a
        // scan would refuse to queue) does not stop it.
        let packageFile = root.appendingPathComponent("packages/notes/seed/schema/entities.yaml")
        try "entities: [ {".write(to: packageFile, atomically: true, encoding: .utf8)
        let regenerated = await run(["generate", "--merged", merged.path], root: root)
        #expect(regenerated.exitCode == 0, "\(regenerated.stderr)")
        #expect(try String(contentsOf: merged, encoding: .utf8) == text)
        #expect(await run(["apply"], root: root).stdout.contains("nothing to apply"), "nothing approved: the broken file is not read")
        #expect(await run(["scan"], root: root).exitCode == 1)

        let audit = await run(["audit", "--json"], root: root)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
        #expect(entries.contains { $0["action"] as? String == "approve-denied" && $0["principal"] as? String == "eve" })
        #expect(entries.contains { $0["action"] as? String == "approve" && $0["principal"] as? String == "alice" })
    }

    /// `list --verbose` and `plan` show what a change does to the rows of the database before
    /// anyone approves: 3 titles longer than the new limit, 2 pairs the new unique index refuses,
    /// the rows a rebuild copies.
    @Test func listVerboseAndPlanShowTheDataImpactBeforeApproval() async throws {
        let yaml = "entities:\n  - name: Ticket\n    fields:\n      id: { type: string, primary: true }\n      title: { type: string }\n      code: { type: string }\n"
        let root = await applied(desk: yaml)
        let database = try SQLiteRegistryDatabase(path: root.appendingPathComponent(".schema/test.sqlite").path)
        let long = String(repeating: "t", count: 150)
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Ticket" ("id", "title", "code") VALUES ('t1', '\#(long)', 'A'), ('t2', '\#(long)', 'A'), ('t3', '\#(long)', 'B'), ('t4', 'short', 'B')"#)
        }
        database.close()
        let tightened = yaml.replacingOccurrences(of: "title: { type: string }", with: "title: { type: string, maxLength: 100 }")
            + "    indexes:\n      - fields: [code]\n        unique: true\n"
        try tightened.write(to: root.appendingPathComponent("packages/desk/seed/schema/entities.yaml"), atomically: true, encoding: .utf8)
        #expect(await run(["scan"], root: root).exitCode == 0)

        let list = await run(["list", "--verbose"], root: root)
        #expect(list.stdout.contains("BLOCKS APPLY: 3 rows of Ticket whose title breaks the new constraint"), "\(list.stdout)")
        #expect(list.stdout.contains("BLOCKS APPLY: 2 groups of rows of Ticket with the same (code), which the new unique index refuses (for example A; B)"), "\(list.stdout)")
        #expect(list.stdout.contains("copies 4 rows of Ticket copied into the rebuilt table"), "\(list.stdout)")
        let json = await run(["list", "--verbose", "--json"], root: root)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let checks = (items.first?["impact"] as? [String: Any])?["checks"] as? [[String: Any]] ?? []
        #expect(checks.filter { $0["kind"] as? String == "violations" }.compactMap { $0["count"] as? Int }.sorted() == [2, 3], "\(checks)")

        // Approved anyway, with a warning naming both problems; `plan` says the start will refuse
        // it (and lists no SQL for it), and the start refuses it with both counts, changing nothing.
        let approve = await run(["approve", "all", "--as", "alice"], root: root)
        #expect(approve.exitCode == 0)
        #expect(approve.stderr.contains("warning: the next start will refuse"), "\(approve.stderr)")
        #expect(approve.stderr.contains("3 rows of Ticket whose title") && approve.stderr.contains("2 groups of rows of Ticket with the same (code)"), "\(approve.stderr)")
        let plan = await run(["plan"], root: root)
        #expect(plan.stderr.contains("would refuse") && plan.stderr.contains("3 rows of Ticket whose title")
                    && plan.stderr.contains("2 groups of rows of Ticket with the same (code)"), "\(plan.stderr)")
        #expect(plan.stdout.contains("-- nothing to apply"), "\(plan.stdout)")
        let apply = await run(["apply", "--no-generate"], root: root)
        #expect(apply.exitCode == 1)
        #expect(apply.stderr.contains("3 rows of Ticket whose title breaks the new constraint"), "\(apply.stderr)")
        #expect(apply.stderr.contains("2 groups of rows of Ticket with the same (code)"), "\(apply.stderr)")
        let rows = try SQLiteRows.query(root.appendingPathComponent(".schema/test.sqlite").path, #"SELECT COUNT(*) AS "n" FROM "Ticket" WHERE length("title") = 150"#)
        #expect(rows.first?["n"] == "3")
    }

    /// Issue 19: `keys attest` vouched for every applied snapshot without naming them, so a
    /// snapshot forged before it became trusted; `drift --accept --as NAME` worked for anyone who
    /// could type a name where starts trust only signed snapshots. Attestation now lists, and
    /// attests only what is named with the checksum seen; drift acceptance is signed.
    @Test func attestationNamesWhatItVouchesForAndAcceptedDriftIsSigned() async throws {
        let yaml = "entities:\n  - name: Ticket\n    fields:\n      id: { type: string, primary: true }\n      title: { type: string }\n      code: { type: string, nullable: true }\n"
        let root = await applied(desk: yaml)
        let key = SigningKey.generate(name: "alice")
        let keyFile = root.appendingPathComponent("alice.key")
        let trustedFile = root.appendingPathComponent("trusted.pub")
        try key.fileText.write(to: keyFile, atomically: true, encoding: .utf8)
        try (key.publicKeyLine + "\n").write(to: trustedFile, atomically: true, encoding: .utf8)
        let path = root.appendingPathComponent(".schema/test.sqlite").path
        func vouched() throws -> Bool {
            let database = try SQLiteRegistryDatabase(path: path)
            defer { database.close() }
            let candidates = try Registry(database: database).attestationCandidates(trustedKeys: [TrustedKey(name: "alice", publicKey: key.privateKey.publicKey)])
            return candidates.first { $0.entity == "Ticket" }?.vouched == true
        }
        #expect(try !vouched(), "applied unsigned: nothing vouches for it yet")

        let listing = await run(["keys", "attest", keyFile.path, "--as", "alice", "--trusted-keys", trustedFile.path], root: root)
        #expect(listing.exitCode == 0 && listing.stdout.contains("nothing attested"), "\(listing.stdout)\(listing.stderr)")
        let shown = try #require(listing.stdout.split(separator: "\n").first { $0.hasPrefix("Ticket:") }.map { String($0.dropFirst("Ticket:".count).prefix(12)) })
        #expect(try !vouched(), "listing attests nothing")

        // The snapshot is forged after the admin looked (structure and checksum together): the
        // checksum the admin names no longer matches, and nothing is attested.
        let database = try SQLiteRegistryDatabase(path: path)
        let original = try #require(try Registry(database: database).appliedEntities().first { $0.structure.name == "Ticket" })
        var forged = original.structure
        forged.fields = forged.fields.map { field in var field = field; if field.name == "title" { field.optional = true }; return field }
        try database.withLockedTransaction { connection in
            try connection.execute(#"UPDATE "_schema_entities" SET "structure" = ?, "checksum" = ? WHERE "name" = 'Ticket'"#, [.text(JSONText.encode(forged)), .text(Checksum(of: forged).hex)])
        }
        let refused = await run(["keys", "attest", keyFile.path, "--as", "alice", "Ticket:\(shown)"], root: root)
        #expect(refused.exitCode == 1 && refused.stderr.contains("not the \(shown)"), "\(refused.stderr)")
        #expect(try !vouched())
        try database.withLockedTransaction { connection in
            try connection.execute(#"UPDATE "_schema_entities" SET "structure" = ?, "checksum" = ? WHERE "name" = 'Ticket'"#, [.text(JSONText.encode(original.structure)), .text(original.checksum.hex)])
        }
        let attested = await run(["keys", "attest", keyFile.path, "--as", "alice", "Ticket:\(shown)"], root: root)
        #expect(attested.exitCode == 0 && attested.stdout.contains("attested Ticket"), "\(attested.stdout)\(attested.stderr)")
        #expect(try vouched())

        // Drift accepted where trusted keys are configured: only with one of their keys.
        try database.withLockedTransaction { try $0.execute(#"ALTER TABLE "Ticket" DROP COLUMN "code""#) }
        database.close()
        let unsigned = await run(["drift", "Ticket", "--accept", "--as", "alice", "--trusted-keys", trustedFile.path], root: root)
        #expect(unsigned.exitCode != 0 && unsigned.stderr.contains("--sign-with"), "\(unsigned.stderr)")
        let signed = await run(["drift", "Ticket", "--accept", "--as", "alice", "--trusted-keys", trustedFile.path, "--sign-with", keyFile.path], root: root)
        #expect(signed.exitCode == 0 && signed.stdout.contains("accepted the live shape of Ticket"), "\(signed.stdout)\(signed.stderr)")
        #expect(try vouched(), "the accepted snapshot is vouched for by the key that accepted it")
    }

    /// A column dropped by hand: `drift` names the table and column and exits 1, `apply` holds the
    /// approved change back with nothing changed, the repair goes through approval, then `drift` exits 0.
    @Test func driftIsReportedHoldsApplyBackAndIsRepairedThroughApproval() async throws {
        let yaml = "entities:\n  - name: Ticket\n    fields:\n      id: { type: string, primary: true }\n      title: { type: string }\n      code: { type: string, nullable: true }\n"
        let root = await applied(desk: yaml)
        #expect(await run(["drift"], root: root).exitCode == 0)
        let path = root.appendingPathComponent(".schema/test.sqlite").path
        let database = try SQLiteRegistryDatabase(path: path)
        try database.withLockedTransaction { try $0.execute(#"ALTER TABLE "Ticket" DROP COLUMN "code""#) }
        database.close()

        let drift = await run(["drift"], root: root)
        #expect(drift.exitCode == 1)
        #expect(drift.stdout.contains("[*] Changed the `Ticket` table") && drift.stdout.contains("[-] Removed column `code`"), "\(drift.stdout)")
        let json = await run(["drift", "--json"], root: root)
        #expect(json.exitCode == 1 && json.stdout.contains(#""kind" : "column-removed""#), "\(json.stdout)")

        try (yaml + "      memo: { type: string, nullable: true }\n").write(to: root.appendingPathComponent("packages/desk/seed/schema/entities.yaml"), atomically: true, encoding: .utf8)
        #expect(await run(["scan"], root: root).exitCode == 0)
        #expect(await run(["approve", "all", "--as", "alice"], root: root).exitCode == 0)
        let held = await run(["apply", "--no-generate"], root: root)
        #expect(held.exitCode == 1)
        #expect(held.stderr.contains("the table Ticket is not what the registry says was applied") && held.stderr.contains("code"), "\(held.stderr)")
        #expect(try SQLiteRows.query(path, #"SELECT COUNT(*) AS "n" FROM pragma_table_info('Ticket') WHERE "name" = 'memo'"#).first?["n"] == "0")
        #expect(await run(["list", "--state", "approved"], root: root).stdout.contains("Ticket"))

        let queued = await run(["drift", "--queue"], root: root)
        #expect(queued.exitCode == 0 && queued.stdout.contains("queued repair"), "\(queued.stdout)\(queued.stderr)")
        #expect(await run(["approve", "all", "--as", "alice"], root: root).exitCode == 0)
        // The start that repairs the table applies the held change too.
        let repaired = await run(["apply", "--no-generate"], root: root)
        #expect(repaired.exitCode == 0, "\(repaired.stderr)")
        #expect(repaired.stdout.contains("applied r") && repaired.stdout.contains("alter  Ticket"), "\(repaired.stdout)")
        #expect(try SQLiteRows.query(path, #"SELECT COUNT(*) AS "n" FROM pragma_table_info('Ticket') WHERE "name" IN ('memo', 'code')"#).first?["n"] == "2")
        #expect(await run(["drift"], root: root).exitCode == 0)
    }

    /// A workspace whose package `desk` has `yaml`, scanned, approved by alice and applied.
    func applied(desk yaml: String) async -> URL {
        let root = CLITests.makeWorkspace(["packages/desk/seed/metadata.json": #"{"packageId": "desk"}"#, "packages/desk/seed/schema/entities.yaml": yaml])
        #expect(await run(["admin", "add", "alice"], root: root).exitCode == 0)
        #expect(await run(["scan"], root: root).exitCode == 0)
        #expect(await run(["approve", "all", "--as", "alice"], root: root).exitCode == 0)
        #expect(await run(["apply", "--no-generate"], root: root).exitCode == 0)
        return root
    }

    @Test func scanQueuesNothingWhenFilesHaveErrors() async {
        let root = CLITests.makeWorkspace(["packages/broken/seed/schema/entities.yaml": "entities:\n  - name: X\n"])
        let scan = await run(["scan"], root: root)
        #expect(scan.exitCode == 1)
        #expect(scan.stderr.contains("nothing was queued"))
        let list = await run(["list"], root: root)
        #expect(list.exitCode == 1 && list.stderr.contains("no registry database at"), "\(list.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(".schema").path), "a refused scan creates no database")
    }

    @Test func badDatabaseURLIsAUsageError() async {
        let root = CLITests.makeWorkspace()
        #expect(await SchemaCommand.capture(["status", "--root", root.path, "--database-url", "postgres://"]).exitCode == 2)
    }
}

/// `apply --prisma-migrations`: the folder and the `_prisma_migrations` row Prisma Migrate reads.
@Suite struct PrismaMigrateInteropTests {
    @Test func applyWritesAMigrationFolderAndItsRow() async throws {
        let root = CLITests.makeWorkspace()
        func run(_ arguments: [String]) async -> (exitCode: Int32, stdout: String, stderr: String) {
            await SchemaCommand.capture(arguments + ["--root", root.path, "--database-url", "file:.schema/interop.sqlite"])
        }
        _ = await run(["scan"])
        _ = await run(["admin", "add", "alice"])
        _ = await run(["approve", "all", "--as", "alice"])
        let migrationsPath = root.appendingPathComponent("prisma/migrations").path
        let apply = await run(["apply", "--prisma-migrations", migrationsPath])
        #expect(apply.exitCode == 0, "\(apply.stderr)")
        let migrations = root.appendingPathComponent("prisma/migrations")
        let folders = try FileManager.default.contentsOfDirectory(atPath: migrations.path)
        let folder = try #require(folders.first)
        #expect(folders.count == 1)
        #expect(folder.range(of: #"^\d{14}_package_schemas$"#, options: .regularExpression) != nil)
        let sql = try String(contentsOf: migrations.appendingPathComponent("\(folder)/migration.sql"), encoding: .utf8)
        #expect(sql.contains(#"CREATE TABLE "Note""#))
        // A second apply has nothing to do and writes no folder.
        _ = await run(["apply", "--prisma-migrations", migrationsPath])
        #expect(try FileManager.default.contentsOfDirectory(atPath: migrations.path).count == 1)
        // The row as Prisma expects it: checksum = SHA-256 of migration.sql, one step, finished.
        let database = root.appendingPathComponent(".schema/interop.sqlite").path
        let rows = try SQLiteRows.query(database, #"SELECT "checksum", "migration_name", "applied_steps_count", "finished_at" IS NOT NULL AS "finished", "rolled_back_at" IS NULL AS "live" FROM "_prisma_migrations""#)
        #expect(rows.count == 1)
        #expect(rows.first?["migration_name"] == folder)
        #expect(rows.first?["checksum"] == sha256Hex(sql))
        #expect(rows.first?["applied_steps_count"] == "1")
        #expect(rows.first?["finished"] == "1" && rows.first?["live"] == "1")
    }
}
