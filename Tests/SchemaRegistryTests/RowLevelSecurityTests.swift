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
        let app = try location.as(user: role).open()
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
