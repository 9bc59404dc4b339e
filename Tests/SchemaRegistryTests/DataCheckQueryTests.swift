import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Every data check a change class derives is a query the database can answer, on tables whose
/// names are not the entity's (`map:`), whose key is mapped, of several columns or missing, and
/// for relations to a mapped host model. A check that cannot be asked reads as "not counted" and
/// lets the start run into the rows it should have refused (two such checks were found by hand:
/// examples asked by a column `id`, a foreign-key default checked against the model's name); this
/// asks all of them, with rows in the tables, so the next one fails here instead.
@Suite struct DataCheckQueryTests {
    /// The host's `Account`, mapped to `accounts` and `account_id`.
    static let host = MappedHostModelTests.host

    static let before = """
        entities:
          - name: Country
            map: countries
            fields:
              code: { type: string, primary: true, map: country_code }
              motto: { type: string, nullable: true }
              ownerId: { type: string, nullable: true, map: owner_id }
          - name: Seat
            primaryKey: [row, number]
            fields:
              row: { type: string }
              number: { type: int }
              holder: { type: string, nullable: true }
              ownerId: { type: string, nullable: true }
          - name: Token
            fields:
              value: { type: string, unique: true }
              note: { type: string, nullable: true }
              ownerId: { type: string, nullable: true }
        """

    static let rows = [
        #"INSERT INTO "accounts" ("account_id", "email") VALUES ('a1', 'a@x')"#,
        #"INSERT INTO "countries" ("country_code", "motto", "owner_id") VALUES ('fr', NULL, 'nobody'), ('de', 'far too long a motto', 'a1')"#,
        #"INSERT INTO "Seat" ("row", "number", "holder", "ownerId") VALUES ('A', 1, NULL, 'nobody'), ('A', 2, 'Ada', 'a1'), ('B', 1, 'Ada', NULL)"#,
        #"INSERT INTO "Token" ("value", "note", "ownerId") VALUES ('v1', NULL, 'nobody'), ('v2', 'same', 'a1'), ('v3', 'same', NULL)"#,
    ]

    /// What derives checks from ``before``: columns made required without a default, tightened,
    /// unique, given an enum; foreign keys to the mapped host model; and a new required foreign-key
    /// column whose default matches no account.
    static let after = """
        entities:
          - name: Country
            map: countries
            fields:
              code: { type: string, primary: true, map: country_code }
              motto: { type: string, maxLength: 5 }
              ownerId: { type: string, nullable: true, map: owner_id }
            relations:
              - { name: owner, type: belongsTo, entity: Account, field: ownerId }
          - name: Seat
            primaryKey: [row, number]
            fields:
              row: { type: string }
              number: { type: int }
              holder: { type: string, unique: true }
              ownerId: { type: string, nullable: true }
              account: { type: string, default: nobody }
            relations:
              - { name: owner, type: belongsTo, entity: Account, field: ownerId, relationName: SeatOwner }
              - { name: payer, type: belongsTo, entity: Account, field: account, relationName: SeatPayer }
          - name: Token
            fields:
              value: { type: string, unique: true }
              note: { type: string, unique: true, enum: [a, b] }
              ownerId: { type: string, nullable: true }
            relations:
              - { name: owner, type: belongsTo, entity: Account, field: ownerId }
        """

    @Test(arguments: Backend.available)
    func everyCheckIsAQueryTheDatabaseAnswers(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        try database.withLockedTransaction { try $0.execute(#"CREATE TABLE "accounts" ("account_id" TEXT NOT NULL PRIMARY KEY, "email" TEXT NOT NULL)"#) }
        func desired(_ yaml: String) throws -> DesiredState {
            var workspace = Workspace.inMemory(["places": yaml], baseSchema: Self.host)
            workspace.configuration.deploys = .recreate
            let state = DesiredState.resolve(workspace)
            try #require(state.isValid, "\(state.errors)\n\(yaml)")
            return state
        }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let first = try desired(Self.before)
        _ = try registry.scan(first, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: first.renderContext)
        #expect(try registry.applyApproved(first).applied.count == 3)
        for statement in Self.rows { try database.withLockedTransaction { try $0.execute(statement) } }

        let queued = try registry.scan(try desired(Self.after), principal: "ci").queued
        #expect(Set(queued.map(\.entity)) == ["Country", "Seat", "Token"])
        let checks = queued.flatMap { item in item.checks.map { (item.entity, $0) } }
        #expect(checks.count >= 10, "the matrix must not be vacuous: \(checks.map(\.1.description))")
        var violated = 0
        for (entity, check) in checks {
            let queries = [check.countSQL] + (check.examplesSQL.map { [$0] } ?? [])
            for sql in queries {
                do {
                    let rows = try database.withLockedTransaction { try $0.query(sql, []) }
                    if sql == check.countSQL, (rows.first?["count"]?.integer ?? 0) > 0 { violated += 1 }
                } catch {
                    Issue.record("\(entity): the check “\(check.description)” cannot be asked: \(error)\n\(sql)")
                }
            }
        }
        #expect(violated >= 6, "the rows above break most of the new rules: \(violated)")
    }
}
