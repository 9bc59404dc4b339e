import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// `apply --rls` on PostgreSQL, exercised as a non-superuser application role.
@Suite(.serialized) struct RowLevelSecurityTests {
    static let docs = """
        entities:
          - name: Doc
            fields:
              id: { type: cuid, primary: true }
              ownerId: { type: string }
              title: { type: string }
            acl:
              create: [user]
              read: [public]
              update: [self, admin]
              delete: [self, admin]
              rowLevel: "ownerId = $user.id"
        """

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func nonOwnersCannotUpdateOrDeleteAndAdminsCan() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Processes.binary.path), "build the schema binary first")
        let root = CLIWorkspace.make(["packages/docs/seed/schema/entities.yaml": Self.docs])
        let (url, database) = try Processes.database(.postgres)
        defer { database.close() }
        let location = try DatabaseLocation.parse(url, root: root)
        for arguments in [["scan"], ["admin", "add", "alice"], ["approve", "all", "--as", "alice"]] {
            #expect(try Processes.run(arguments + ["--root", root.path], url: url).status == 0)
        }
        let apply = try Processes.run(["apply", "--rls", "--root", root.path], url: url)
        #expect(apply.status == 0, "\(apply.output)")

        let role = "app_\(UUID().uuidString.prefix(8).lowercased())"
        try PostgresRoles.create(role)
        try database.withLockedTransaction { connection in
            try connection.execute(#"GRANT SELECT, INSERT, UPDATE, DELETE ON "Doc" TO \#(role)"#)
            // The table's owner is subject to its policies too (FORCE ROW LEVEL SECURITY): seed as an admin.
            _ = try connection.query("SELECT set_config('app.user_role', 'admin', true)", [])
            try connection.execute(#"INSERT INTO "Doc" ("id", "ownerId", "title") VALUES ('d1', 'u1', 'mine'), ('d2', 'u2', 'theirs'), ('d3', 'u2', 'other')"#)
        }
        let app = try location.application(role)
        defer { app.close() }
        func rows(_ sql: String, as id: String?, role userRole: String) throws -> Int {
            try app.withLockedTransaction { connection in
                _ = try connection.query("SELECT set_config('app.user_id', ?, true), set_config('app.user_role', ?, true)", [.text(id ?? ""), .text(userRole)])
                return try connection.query(sql, []).count
            }
        }
        #expect(try rows(#"SELECT "id" FROM "Doc""#, as: nil, role: "public") == 3)
        #expect(try rows(#"UPDATE "Doc" SET "title" = 'x' WHERE "id" = 'd2' RETURNING "id""#, as: "u1", role: "user") == 0)
        #expect(try rows(#"DELETE FROM "Doc" WHERE "id" = 'd2' RETURNING "id""#, as: "u1", role: "user") == 0)
        #expect(try rows(#"UPDATE "Doc" SET "title" = 'x' WHERE "id" = 'd1' RETURNING "id""#, as: "u1", role: "user") == 1)
        #expect(try rows(#"UPDATE "Doc" SET "title" = 'y' WHERE "id" = 'd2' RETURNING "id""#, as: "admin1", role: "admin") == 1)
        #expect(try rows(#"DELETE FROM "Doc" WHERE "id" = 'd3' RETURNING "id""#, as: "admin1", role: "admin") == 1)
        #expect(try rows(#"DELETE FROM "Doc" WHERE "id" = 'd1' RETURNING "id""#, as: "u1", role: "user") == 1)
        // create: [user] — an insert by a principal below `user` is refused by the insert policy.
        #expect(throws: (any Error).self) {
            _ = try rows(#"INSERT INTO "Doc" ("id", "ownerId", "title") VALUES ('d4', 'u1', 't') RETURNING "id""#, as: "u1", role: "public")
        }
        let remaining = try database.withLockedTransaction { try $0.query(#"SELECT "id", "title" FROM "Doc" ORDER BY "id""#, []) }
        #expect(remaining.map { $0["id"]?.text } == ["d2"])
        #expect(remaining.first?["title"]?.text == "y")
    }
}

/// Row-level security is part of the desired state on PostgreSQL: a plain start installs the
/// policies of entities with an ACL (and leaves tables without one open), installs them on applied
/// tables that lack them, `drift` reports what is missing, and `--no-rls` opts out.
@Suite(.serialized) struct DefaultRowLevelSecurityTests {
    static let notes = """
        entities:
          - name: Note
            fields:
              id: { type: string, primary: true }
              body: { type: string }
        """

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aPlainStartInstallsWhatTheACLMakesAndDriftSeesItMissing() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Processes.binary.path), "build the schema binary first")
        let root = CLIWorkspace.make(["packages/docs/seed/schema/entities.yaml": RowLevelSecurityTests.docs,
                                      "packages/notes/seed/schema/entities.yaml": Self.notes])
        let (url, database) = try Processes.database(.postgres)
        defer { database.close() }
        for arguments in [["scan"], ["admin", "add", "alice"], ["approve", "all", "--as", "alice"]] {
            #expect(try Processes.run(arguments + ["--root", root.path], url: url).status == 0)
        }
        // Opted out: no policy anywhere, and drift says what the ACL would make.
        let optedOut = try Processes.run(["apply", "--no-rls", "--root", root.path], url: url)
        #expect(optedOut.status == 0 && !optedOut.output.contains("installed row-level security"), "\(optedOut.output)")
        func security(_ table: String) throws -> (enabled: Bool, policies: Int) {
            try database.withLockedTransaction { connection in
                let row = try connection.query(#"SELECT c.relrowsecurity AS "on", (SELECT count(*) FROM pg_policy WHERE polrelid = c.oid) AS "n" FROM pg_class c WHERE relname = ?"#, [.text(table)]).first
                return (row?["on"]?.integer == 1, Int(row?["n"]?.integer ?? -1))
            }
        }
        #expect(try security("Doc") == (false, 0))
        let drift = try Processes.run(["drift", "--root", root.path], url: url)
        #expect(drift.status == 1 && drift.output.contains("Row-level security is not") && drift.output.contains("Policy `Doc_read` is missing"), "\(drift.output)")
        #expect(!drift.output.contains("Note"), "a table without an ACL has nothing to compare: \(drift.output)")
        let plan = try Processes.run(["plan", "--root", root.path], url: url)
        #expect(plan.output.contains("row-level security to install on 1 applied table(s)") && plan.output.contains(#"CREATE POLICY "Doc_read""#), "\(plan.output)")
        #expect(!plan.output.contains(#"ALTER TABLE "Note" ENABLE ROW LEVEL SECURITY"#), "\(plan.output)")

        // A plain start with nothing approved installs them, once.
        let start = try Processes.run(["apply", "--root", root.path], url: url)
        #expect(start.status == 0 && start.output.contains("installed row-level security on 1 applied table(s) that lacked what their ACL makes: Doc"), "\(start.output)")
        #expect(try security("Doc") == (true, 4))
        #expect(try security("Note") == (false, 0), "a table without an ACL stays open unless --rls")
        #expect(try Processes.run(["drift", "--root", root.path], url: url).status == 0)
        let again = try Processes.run(["apply", "--root", root.path], url: url)
        #expect(again.status == 0 && !again.output.contains("installed"), "\(again.output)")
        #expect(try Registry(database: database).audit().filter { $0.action == "rls-installed" }.count == 1)

        // A policy dropped by hand is drift; the next change's start, or `--rls`, puts it back.
        try database.withLockedTransaction { try $0.execute(#"DROP POLICY "Doc_read" ON "Doc""#) }
        let dropped = try Processes.run(["drift", "--root", root.path], url: url)
        #expect(dropped.status == 1 && dropped.output.contains("Policy `Doc_read` is missing"), "\(dropped.output)")
        let everything = try Processes.run(["apply", "--rls", "--root", root.path], url: url)
        #expect(everything.status == 0 && everything.output.contains("Doc") && everything.output.contains("Note"), "\(everything.output)")
        #expect(try security("Doc") == (true, 4))
        #expect(try security("Note") == (true, 0), "--rls closes a table without an ACL")
    }
}

/// `"identity": "signed"`: the application's role can set any identity it likes, but the policies
/// believe only one signed with the secret, which that role cannot read.
@Suite(.serialized) struct SignedIdentityTests {
    static let secret = String(repeating: "5a", count: 32)

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func onlySignedIdentitiesCountAndTheSecretStaysOutOfReach() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Processes.binary.path), "build the schema binary first")
        let root = CLIWorkspace.make(["packages/docs/seed/schema/entities.yaml": RowLevelSecurityTests.docs,
                                      "schema.config.json": #"{"identity": "signed"}"#])
        let secretFile = root.appendingPathComponent("identity.key")
        try Self.secret.write(to: secretFile, atomically: true, encoding: .utf8)
        let (url, database) = try Processes.database(.postgres)
        defer { database.close() }
        let location = try DatabaseLocation.parse(url, root: root)
        // The database owner (not the application's role) installs the check and owns the secret.
        let install = try Processes.run(["registry", "identity", "--secret-file", secretFile.path, "--root", root.path], url: url)
        #expect(install.status == 0, "\(install.output)")
        for arguments in [["scan"], ["admin", "add", "alice"], ["approve", "all", "--as", "alice"], ["apply", "--rls"]] {
            let run = try Processes.run(arguments + ["--root", root.path], url: url)
            #expect(run.status == 0, "\(arguments): \(run.output)")
        }
        let plan = try database.withLockedTransaction { try $0.query(#"SELECT "statements" FROM \#($0.names.queue)"#, []) }
        #expect(plan.first?["statements"]?.text?.contains("schema_identity.claim('user_id')") == true)

        let role = PostgresRoles.unique("app")
        try PostgresRoles.create(role)
        let key = try SignedIdentity.secret(fromFile: Self.secret)
        let later = Int64(Date().timeIntervalSince1970) + 600
        try database.withLockedTransaction { connection in
            try connection.execute(#"GRANT SELECT, INSERT, UPDATE, DELETE ON "Doc" TO \#(role)"#)
            let signature = SignedIdentity.signature(userId: "seed", role: "admin", tenantId: nil, expires: later, secret: key)
            _ = try connection.query("SELECT set_config('app.user_id', 'seed', true), set_config('app.user_role', 'admin', true), set_config('app.identity_expires', ?, true), set_config('app.identity_signature', ?, true)",
                                     [.text(String(later)), .text(signature)])
            try connection.execute(#"INSERT INTO "Doc" ("id", "ownerId", "title") VALUES ('d1', 'u1', 'mine'), ('d2', 'u2', 'theirs')"#)
        }
        let app = try location.application(role)
        defer { app.close() }
        /// Rows an UPDATE of every document touches, as `id`/`role` with the given expiry and signature.
        func updated(as id: String, role userRole: String, expires: Int64, signature: String) throws -> [String] {
            try app.withLockedTransaction { connection in
                _ = try connection.query("SELECT set_config('app.user_id', ?, true), set_config('app.user_role', ?, true), set_config('app.identity_expires', ?, true), set_config('app.identity_signature', ?, true)",
                                         [.text(id), .text(userRole), .text(String(expires)), .text(signature)])
                return try connection.query(#"UPDATE "Doc" SET "title" = "title" RETURNING "id""#, []).compactMap { $0["id"]?.text }.sorted()
            }
        }
        let u1 = SignedIdentity.signature(userId: "u1", role: "user", tenantId: nil, expires: later, secret: key)
        #expect(try updated(as: "u1", role: "user", expires: later, signature: u1) == ["d1"])
        // The same signature with a role or user the application's role chose itself: nothing.
        #expect(try updated(as: "u1", role: "admin", expires: later, signature: u1) == [])
        #expect(try updated(as: "u2", role: "user", expires: later, signature: u1) == [])
        #expect(try updated(as: "u1", role: "user", expires: later, signature: "") == [])
        let past = Int64(Date().timeIntervalSince1970) - 1
        #expect(try updated(as: "u1", role: "user", expires: past, signature: SignedIdentity.signature(userId: "u1", role: "user", tenantId: nil, expires: past, secret: key)) == [])
        let admin = SignedIdentity.signature(userId: "a1", role: "admin", tenantId: nil, expires: later, secret: key)
        #expect(try updated(as: "a1", role: "admin", expires: later, signature: admin) == ["d1", "d2"])
        // The secret is out of the application's reach, and so is replacing the check.
        #expect(throws: (any Error).self) { try app.withLockedTransaction { _ = try $0.query("SELECT inner_key FROM schema_identity.secret", []) } }
        #expect(throws: (any Error).self) {
            try app.withLockedTransaction { try $0.execute("CREATE OR REPLACE FUNCTION schema_identity.claim(name text) RETURNS text LANGUAGE sql AS $$ SELECT 'u2' $$") }
        }
    }
}

/// A workspace on disk with a small host schema and the given files.
enum CLIWorkspace {
    static func make(_ files: [String: String]) -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("schema-ws-\(UUID().uuidString)")
        var all = files
        all["prisma/schema.prisma"] = "datasource db {\n  provider = \"postgresql\"\n}\n\nmodel User {\n  id String @id\n}\n"
        for (path, text) in all {
            let url = root.appendingPathComponent(path)
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? text.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }
}
