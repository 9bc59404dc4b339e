import Foundation
import SchemaCore
import SchemaRegistry
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The registry lock on PostgreSQL is a table lock in the registry's schema: the application's
/// role (after a SQL injection, say) can neither take it nor hold every start back.
@Suite(.serialized) struct RegistryLockTests {
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func theApplicationRoleCannotHoldStartsBack() throws {
        let (database, location) = try Backend.postgres.makeDatabase()
        defer { database.close() }
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
        let outcome = try registry.applyApproved(desired, lockPolicy: LockPolicy(registryWait: .seconds(2)))
        #expect(outcome.applied.count == 1)
        #expect(try registry.status().counts[.applied] == 1)
        #expect(ContinuousClock.now - started < .seconds(2), "nobody waited for the key the application holds")
    }

    /// Every wait for an answer is bounded, but a statement may run for minutes (an index
    /// build): after 5 s without an answer, the client asks the server, on a new connection,
    /// whether the session is still there (restart-replay.py freezes the server to see the other
    /// side: the start ends with 75). A slow statement on a working server must run to its end,
    /// as a role without special rights on the server's activity view.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aSlowStatementOnAWorkingServerIsWaitedFor() throws {
        let (database, _) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        guard let session = database as? PostgresRegistryDatabase else {
            Issue.record("expected a PostgreSQL connection")
            return
        }
        let started = ContinuousClock.now
        try session.executeOutsideTransaction("SELECT pg_sleep(12)")
        #expect(ContinuousClock.now - started >= .seconds(12), "the statement ran to its end, past two checks")
        let names = try Backend.asSuperuser(database: nil) { superuser in
            try superuser.withLockedTransaction(waiting: .seconds(5)) { connection in
                try connection.query("SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'schema %'", [])
            }
        }
        #expect(!names.isEmpty, "sessions are named so that the check can find them, and operators see them")
    }

    /// The lock of an apply with online steps is held by a second connection. When that
    /// connection ends mid-apply (a terminated backend, a failover), another start could take the
    /// lock: this one stops before its next step with "try again" (75), and the next start finishes.
    /// When the connection doing the work ends instead, the start ends the same way, promptly: a
    /// query on the dead connection used to wait forever.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"), arguments: ["the lock holder", "the working connection"])
    func aStartThatLosesTheLockStopsAndTheNextFinishes(_ cut: String) throws {
        let before = "entities:\n  - name: Post\n    fields:\n      id: { type: string, primary: true }\n      title: { type: string }\n      slug: { type: string, nullable: true }\n"
        let after = before.replacingOccurrences(of: "slug: { type: string, nullable: true }", with: "slug: { type: string, nullable: true, unique: true }\n      code: { type: string, nullable: true, index: true }")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lock-lost-\(UUID().uuidString)")
        // The unique index is built by the start itself (with rolling deploys `complete` builds it).
        Processes.write(["packages/blog/seed/schema/entities.yaml": before].merging(Processes.configuration(deploys: .recreate)) { first, _ in first }, to: root)
        let (url, database) = try Processes.database(.postgres)
        defer { database.close() }
        #expect(try Processes.prepare(root: root, url: url) == 1)
        #expect(try Processes.run(["apply", "--root", root.path, "--no-generate"], url: url).status == 0)
        Processes.write(["packages/blog/seed/schema/entities.yaml": after], to: root)
        #expect(try Processes.run(["scan", "--root", root.path], url: url).status == 0)
        #expect(try Processes.run(["approve", "all", "--as", "alice", "--root", root.path], url: url).status == 0)

        let (name, ownPid) = try database.withLockedTransaction { connection in
            let row = try connection.query(#"SELECT current_database() AS "name", pg_backend_pid() AS "pid""#, []).first
            return (row?["name"]?.text ?? "", row?["pid"]?.integer ?? 0)
        }
        let (process, pipe) = try Processes.launch(["apply", "--root", root.path, "--no-generate"], url: url,
                                                   environment: [FaultInjection.Point.afterEachStep.rawValue: "3000"])
        // The holder: the connection idle in the transaction that locked the registry's table.
        var terminated = false
        let deadline = Date().addingTimeInterval(20)
        while !terminated && Date() < deadline && process.isRunning {
            terminated = try Backend.asSuperuser(database: nil) { superuser in
                let rows: [SQLRow] = try superuser.withLockedTransaction { connection -> [SQLRow] in
                    // Only in the pause after an online step: the working connection has just reset
                    // the step's lock timeout, outside any transaction (before the steps, it may itself
                    // be idle in the locked transaction, and be taken for the holder).
                    let sessions = #"""
                        WITH "working" AS (SELECT pid FROM pg_stat_activity WHERE datname = ? AND pid <> ? AND state = 'idle' AND query = 'RESET lock_timeout'),
                             "holder" AS (SELECT pid FROM pg_stat_activity WHERE datname = ? AND state = 'idle in transaction' AND query LIKE '%_schema_lock%'
                                          AND pid NOT IN (SELECT pid FROM "working"))
                        """#
                    guard try !connection.query(sessions + #" SELECT 1 AS "found" FROM "working", "holder""#,
                                                [.text(name), .integer(ownPid), .text(name)]).isEmpty else { return [] }
                    let chosen = cut == "the working connection" ? #""working""# : #""holder""#
                    return try connection.query(sessions + #" SELECT pg_terminate_backend(pid) AS "done" FROM \#(chosen)"#,
                                                [.text(name), .integer(ownPid), .text(name)])
                }
                return rows.contains { $0["done"]?.integer == 1 }
            }
            if !terminated { usleep(100_000) }
        }
        #expect(terminated, "\(cut) was found and terminated")
        // The start must end by itself; one that hangs is killed after 30 s, and fails the test.
        let stopped = Date()
        while process.isRunning && Date().timeIntervalSince(stopped) < 30 { usleep(100_000) }
        let hung = process.isRunning
        if hung { kill(process.processIdentifier, SIGKILL) }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(!hung, "the start hung after \(cut) ended")
        #expect(Date().timeIntervalSince(stopped) < 15, "the start ends within seconds")
        #expect(process.terminationStatus == 75, "\(output)")
        #expect(output.contains(cut == "the working connection" ? "the connection to the database ended" : "the connection holding the registry lock ended"), "\(output)")
        let next = try Processes.run(["apply", "--root", root.path, "--no-generate"], url: url)
        #expect(next.status == 0, "\(next.output)")
        let valid = try database.withLockedTransaction { connection in
            try connection.query(#"SELECT COUNT(*) AS "count" FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname IN ('Post_slug_key', 'Post_code_idx') AND i.indisvalid"#, []).first?["count"]?.integer
        }
        #expect(valid == 2)
    }
}

/// A connection released without `close()` (a caller that threw on the way) is closed by its
/// owner, instead of PostgresNIO's debug assertion ending the whole process.
@Suite struct UnclosedConnectionTests {
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aConnectionLeftOpenIsClosedWhenReleased() throws {
        let url = try #require(Backend.postgresURL)
        func openAndThrow() throws {
            let database = try PostgresRegistryDatabase(location: try PostgresLocation(url: url))
            _ = try database.withLockedTransaction { try $0.query("SELECT 1 AS \"one\"", []) }
            throw SchemaError(.usage, "thrown before close()")
        }
        for _ in 0..<3 {
            #expect(throws: SchemaError.self) { try openAndThrow() }
        }
        // Closing twice is harmless too.
        let database = try PostgresRegistryDatabase(location: try PostgresLocation(url: url))
        database.close()
        database.close()
    }
}
