import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// The registry lock on PostgreSQL is a table lock in the registry's schema: the application's
/// role (after a SQL injection, say) can neither take it nor hold every start back.
@Suite(.serialized) struct RegistryLockTests {
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func theApplicationRoleCannotHoldStartsBack() throws {
        let (database, location) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        database.lockPolicy.registryWait = .seconds(2)
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let desired = try Desired.from(["docs": RowLevelSecurityTests.docs])
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)

        let app = PostgresRoles.unique("app")
        try PostgresRoles.create(app)
        let injected = try location.as(user: app).open()
        defer { injected.close() }
        guard let session = injected as? PostgresRegistryDatabase else {
            Issue.record("expected a PostgreSQL connection")
            return
        }
        // What injected SQL can do: take the advisory key the tool used to lock with, and hold it.
        try session.executeOutsideTransaction("SELECT pg_advisory_lock(\(PostgresRegistryDatabase.lockKey))")
        #expect(throws: SchemaError.self, "the application's role may not lock the registry's table") {
            try session.executeOutsideTransaction(#"LOCK TABLE "\#(RegistryNames.defaultSchema)"."_schema_lock" IN EXCLUSIVE MODE NOWAIT"#)
        }

        // A start goes ahead (its online steps included) and so does every registry command.
        let started = ContinuousClock.now
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.count == 1)
        #expect(try registry.status().counts[.applied] == 1)
        #expect(ContinuousClock.now - started < .seconds(2), "nobody waited for the key the application holds")
    }
}
