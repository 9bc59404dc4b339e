import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// The role schema runs as owns the package tables, and their row-level security is forced: a
/// role without BYPASSRLS is bound by the policies too. Its backfills and copies would then change
/// only the rows the policies let it see (none, without an acting user), silently. PostgreSQL
/// must refuse those statements instead, and the start must finish once the role may bypass.
@Suite(.serialized) struct MigratorRowLevelSecurityTests {
    static let v1 = """
        entities:
          - name: Note
            fields:
              id: { type: string, primary: true }
              body: { type: string }
              ownerId: { type: string, nullable: true }
            acl:
              read: [self, admin]
              create: [user]
              update: [self]
              delete: [admin]
        """
    static let v2 = v1.replacingOccurrences(of: "body: { type: string }", with: "text: { type: string, renamedFrom: body }")

    func count(_ sql: String, _ database: any RegistryDatabase) throws -> Int64 {
        try database.withLockedTransaction { try $0.query(sql, []).first?["count"]?.integer ?? -1 }
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aCopyTheRoleCannotSeeWholeIsRefusedNotHalfDone() throws {
        let (created, location) = try Backend.postgres.makeDatabase()
        created.close()
        let postgres = try #require(location.postgres, "a PostgreSQL database")
        // A migration role set up without BYPASSRLS (the tests' roles have it, as production's should).
        try Backend.asSuperuser(database: nil) { try $0.executeOutsideTransaction("ALTER ROLE \(postgres.user) NOBYPASSRLS") }
        let database = try location.open()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let first = try Desired.from(["notes": Self.v1])
        _ = try registry.scan(first, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
        #expect(try registry.applyApproved(first).applied.count == 1)
        #expect(try count(#"SELECT COUNT(*) AS "count" FROM pg_class WHERE relname = 'Note' AND relforcerowsecurity"#, database) == 1, "policies forced")
        // Rows written by the application's users: the superuser writes them past the policies.
        try Backend.asSuperuser(database: postgres.database) { superuser in
            try superuser.executeOutsideTransaction(#"INSERT INTO "Note" ("id", "body", "ownerId") SELECT 'n' || g, 'body ' || g, 'u' || g FROM generate_series(1, 200) AS g"#)
        }

        let second = try Desired.from(["notes": Self.v2])
        _ = try registry.scan(second, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, context: second.renderContext)
        do {
            let outcome = try registry.applyApproved(second)
            Issue.record("the copy ran as a role the policies bind: \(outcome.applied.map(\.entity))")
        } catch let error as SchemaError {
            #expect(error.message.contains("BYPASSRLS"), "\(error.message)")
        }
        #expect(try registry.items(in: [.approved]).count == 1, "the change stays approved, to be finished")

        try Backend.asSuperuser(database: nil) { try $0.executeOutsideTransaction("ALTER ROLE \(postgres.user) BYPASSRLS") }
        let reconnected = try location.open()
        defer { reconnected.close() }
        let outcome = try Registry(database: reconnected).applyApproved(second)
        #expect(outcome.applied.map(\.entity) == ["Note"], "\(outcome.refused)")
        #expect(try count(#"SELECT COUNT(*) AS "count" FROM "Note" WHERE "text" IS DISTINCT FROM "body""#, reconnected) == 0, "every value copied")
    }
}
