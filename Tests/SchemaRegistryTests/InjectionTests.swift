import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Hostile strings in every place a string from a package file reaches SQL or Prisma: defaults,
/// enum values, rowLevel literals. They must arrive in the database as data, byte for byte.
@Suite(.serialized) struct InjectionTests {
    static let payloads = [
        #"x'); DROP TABLE "User"; --"#,
        #"a"b\c"#,
        "line\nbreak",
        "'; SELECT pg_sleep(10); --",
        "$$; DROP TABLE \"Tenant\"; $$",
        "🙂 é ß",
    ]

    static func yaml(_ payload: String) -> String {
        let quoted = "\"" + payload.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
        return """
            entities:
              - name: Hostile
                fields:
                  id: { type: cuid, primary: true }
                  ownerId: { type: string, nullable: true }
                  label: { type: string, default: \(quoted), enum: [\(quoted), plain] }
                acl:
                  read: [public]
                  update: [self]
                  rowLevel: "ownerId = '\(payload.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "'", with: "''"))'"
            """
    }

    @Test(arguments: Backend.available)
    func hostileDefaultsAndEnumsArriveAsData(_ backend: Backend) throws {
        for payload in Self.payloads {
            let (database, _) = try backend.makeDatabase()
            defer { database.close() }
            let registry = Registry(database: database)
            try registry.addAdmin("alice", by: nil)
            let desired = try Desired.from(["evil": Self.yaml(payload)])
            #expect(desired.first?.structure.field(named: "label")?.defaultValue == .string(payload))
            _ = try registry.scan(desired: desired, host: Desired.host, principal: "ci")
            _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
            let result = try registry.apply(current: desired, principal: "ci")
            #expect(result.applied.count == 1, "\(payload)")
            let stored = try database.withLockedTransaction { connection -> String? in
                try connection.execute(#"INSERT INTO "Hostile" ("id") VALUES ('h1')"#)
                // The CHECK constraint accepts the payload itself and refuses anything else.
                try connection.execute(#"INSERT INTO "Hostile" ("id", "label") VALUES ('h2', ?)"#, [.text(payload)])
                return try connection.query(#"SELECT "label" FROM "Hostile" WHERE "id" = 'h1'"#, []).first?["label"]?.text
            }
            #expect(stored == payload, "default of \(payload.debugDescription) came back as \(stored.debugDescription)")
            #expect(throws: (any Error).self) {
                try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Hostile" ("id", "label") VALUES ('h3', 'other')"#) }
            }
            // The host tables are still there.
            let tables = try database.withLockedTransaction { connection in
                try connection.query(connection.dialect == .sqlite
                    ? #"SELECT "name" FROM "sqlite_master" WHERE "name" IN ('User', 'Tenant')"#
                    : "SELECT tablename AS name FROM pg_tables WHERE tablename IN ('User', 'Tenant')", [])
            }
            #expect(tables.count == 2)
            if backend == .postgres {
                let policies = RowLevelSecurity.statements(for: desired[0].structure, primaryKeys: [:])
                try database.withLockedTransaction { connection in
                    for statement in policies { try connection.execute(statement) }
                }
                #expect(policies.joined().contains(SQLDialect.postgresql.literal(payload)))
            }
        }
    }

    @Test func hostilePrismaDefaultsAreEscaped() throws {
        for payload in Self.payloads {
            let desired = try Desired.from(["evil": Self.yaml(payload)])
            let model = PrismaRenderer(provider: "postgresql", universe: desired.map(\.structure), host: nil).model(desired[0].structure)
            let line = try #require(model.split(separator: "\n").first { $0.contains("label") && $0.contains("@default") })
            // One line, and the default is a single well-formed Prisma string literal.
            #expect(line.contains("@default(\(PrismaRenderer.quote(payload)))"))
            #expect(!PrismaRenderer.quote(payload).dropFirst().dropLast().contains { $0 == "\n" })
        }
    }
}
