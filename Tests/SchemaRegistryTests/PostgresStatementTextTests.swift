import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Statements without bound values (migration SQL) reach PostgreSQL as written: a `?` there is
/// jsonb's key-exists operator, not a placeholder to number.
@Suite struct PostgresStatementTextTests {
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aQuestionMarkWithoutBoundValuesStaysAnOperator() throws {
        let (database, _) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        let rows = try database.withLockedTransaction { connection in
            try connection.execute(#"CREATE TABLE "Doc" ("body" jsonb NOT NULL, CONSTRAINT "Doc_body_has_kind" CHECK ("body" ? 'kind'))"#)
            try connection.execute(#"INSERT INTO "Doc" ("body") VALUES ('{"kind": "note"}')"#)
            return try connection.query(#"SELECT COUNT(*) AS "count" FROM "Doc" WHERE "body" ? 'kind'"#, [])
        }
        #expect(rows.first?["count"]?.integer == 1)
        // With bound values, `?` is still the placeholder.
        let bound = try database.withLockedTransaction { try $0.query(#"SELECT COUNT(*) AS "count" FROM "Doc" WHERE "body"->>'kind' = ?"#, [.text("note")]) }
        #expect(bound.first?["count"]?.integer == 1)
    }
}
