import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Hostile strings in every place a string from a package file reaches SQL or Prisma: defaults,
/// enum values, rowLevel literals. They must arrive in the database as data, byte for byte, and
/// in Prisma as one well-formed string literal. Expected texts are written out by hand, not
/// produced by the escaping functions under test.
@Suite(.serialized) struct InjectionTests {
    struct Payload: Sendable, CustomStringConvertible {
        var text: String
        /// The payload as a Prisma string literal.
        var prisma: String
        /// The payload as a SQL string literal (SQLite, and PostgreSQL when there is no backslash).
        var sql: String
        /// The payload as a PostgreSQL literal: `E'…'` with backslashes doubled, so it reads the same
        /// whatever `standard_conforming_strings` is.
        var postgres: String?

        func sql(_ backend: Backend) -> String { backend == .postgres ? postgres ?? sql : sql }
        var description: String { text.debugDescription }
    }

    static let payloads: [Payload] = [
        Payload(text: #"x'); DROP TABLE "User"; --"#, prisma: #""x'); DROP TABLE \"User\"; --""#, sql: #"'x''); DROP TABLE "User"; --'"#),
        Payload(text: #"a"b\c"#, prisma: #""a\"b\\c""#, sql: #"'a"b\c'"#, postgres: #"E'a"b\\c'"#),
        Payload(text: "'; SELECT pg_sleep(10); --", prisma: #""'; SELECT pg_sleep(10); --""#, sql: "'''; SELECT pg_sleep(10); --'"),
        Payload(text: "$$; DROP TABLE \"Tenant\"; $$", prisma: #""$$; DROP TABLE \"Tenant\"; $$""#, sql: #"'$$; DROP TABLE "Tenant"; $$'"#),
        Payload(text: "🙂 é ß", prisma: #""🙂 é ß""#, sql: "'🙂 é ß'"),
    ]

    static func yaml(_ payload: String) -> String {
        let quoted = "\"" + payload.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        return """
            entities:
              - name: Hostile
                fields:
                  id: { type: cuid, primary: true }
                  ownerId: { type: string, nullable: true }
                  label: { type: string, default: \(quoted), enum: [\(quoted), plain] }
                acl:
                  create: [user]
                  read: [public]
                  update: [self]
                  rowLevel: "ownerId = $user.id AND label != '\(payload.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "'", with: "''"))'"
            """
    }

    @Test(arguments: Backend.available)
    func hostileDefaultsAndEnumsArriveAsData(_ backend: Backend) throws {
        for payload in Self.payloads {
            let (database, _) = try backend.makeDatabase()
            defer { database.close() }
            let registry = Registry(database: database)
            try registry.addAdmin("alice", by: nil)
            let desired = try Desired.from(["evil": Self.yaml(payload.text)])
            #expect(desired.entities.first?.structure.field(named: "label")?.defaultValue == .string(payload.text))
            let item = try #require(try registry.scan(desired, principal: "ci").queued.first)
            // The literal appears once in the DEFAULT and once in the CHECK, as the expected SQL literal.
            #expect(item.sql.components(separatedBy: payload.sql(backend)).count - 1 >= 2, "\(payload): \(item.sql)")
            _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
            let result = try ApplyEngine(registry: registry, desiredState: { desired })
                .run(ApplyRequest(principal: "ci", rowLevelSecurity: backend == .postgres ? .all : .off))
            #expect(result.applied.count == 1, "\(payload)")
            let stored = try database.withLockedTransaction { connection -> String? in
                // Row-level security applies to the table's owner too (PostgreSQL): write as a user.
                try Self.actAsUser(connection)
                try connection.execute(#"INSERT INTO "Hostile" ("id") VALUES ('h1')"#)
                // The CHECK constraint accepts the payload itself and refuses anything else.
                try connection.execute(#"INSERT INTO "Hostile" ("id", "label") VALUES ('h2', ?)"#, [.text(payload.text)])
                return try connection.query(#"SELECT "label" FROM "Hostile" WHERE "id" = 'h1'"#, []).first?["label"]?.text
            }
            #expect(stored == payload.text, "default of \(payload) came back as \(stored.debugDescription)")
            #expect(throws: (any Error).self) {
                try database.withLockedTransaction { connection in
                    try Self.actAsUser(connection)
                    try connection.execute(#"INSERT INTO "Hostile" ("id", "label") VALUES ('h3', 'other')"#)
                }
            }
            // The host tables are still there.
            let tables = try database.withLockedTransaction { connection in
                try connection.query(connection.dialect == .sqlite
                    ? #"SELECT "name" FROM "sqlite_master" WHERE "name" IN ('User', 'Tenant')"#
                    : "SELECT tablename AS name FROM pg_tables WHERE tablename IN ('User', 'Tenant')", [])
            }
            #expect(tables.count == 2)
            if backend == .postgres {
                // The rowLevel literal reached the policy as the same SQL literal, and the policy exists.
                #expect(result.statements.contains { $0.phase == .rowLevelSecurity && $0.sql.contains(payload.sql(backend)) }, "\(payload)")
                let policies = try database.withLockedTransaction { try $0.query(#"SELECT "policyname" FROM "pg_policies" WHERE "tablename" = 'Hostile'"#, []) }
                #expect(policies.count == 3)
            }
        }
    }

    /// On PostgreSQL, row-level security applies to the table's owner too: act as a `user`.
    static func actAsUser(_ connection: any RegistryConnection) throws {
        if connection.dialect == .postgresql {
            _ = try connection.query("SELECT set_config('app.user_role', 'user', true)", [])
        }
    }

    @Test func hostilePrismaDefaultsAreEscaped() throws {
        for payload in Self.payloads {
            let desired = try Desired.from(["evil": Self.yaml(payload.text)])
            let entity = try #require(desired.entities.first?.structure)
            let model = PrismaRenderer(provider: "postgresql", universe: [entity], host: nil).model(entity)
            let line = try #require(model.split(separator: "\n").first { $0.contains("label") && $0.contains("@default") })
            // One line, and the default is the expected Prisma string literal.
            #expect(line.hasSuffix("@default(\(payload.prisma))"), "\(payload): \(line)")
        }
    }
}
