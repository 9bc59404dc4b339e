import Foundation
import SchemaCore
import SchemaRegistry
import Synchronization
import Testing

/// PostgreSQL changes that must not hold a lock that blocks the application for longer than a
/// catalog change: they run as online steps after the first transaction, recorded one by one,
/// and lock waits are bounded and retried.
@Suite(.serialized) struct OnlineApplyTests {
    static let postgres = Backend.available.filter { $0 == .postgres }

    static let before = """
        entities:
          - name: Owner
            fields:
              id: { type: string, primary: true }
              name: { type: string, nullable: true }
          - name: Entry
            fields:
              id: { type: string, primary: true }
              ownerId: { type: string, nullable: true }
              title: { type: string, nullable: true }
              rank: { type: int, nullable: true }
        """

    /// An index, a unique index, a foreign key on an existing column, a nullable column made
    /// required with a default (existing NULLs are backfilled), a new column with a CHECK, and an
    /// index on the other table: every kind of online step.
    static let after = before
        .replacingOccurrences(of: "      rank: { type: int, nullable: true }", with: """
                  rank: { type: int, default: 0 }
                  level: { type: int, default: 1, min: 0, max: 9 }
                indexes:
                  - fields: [title]
                  - fields: [id, rank]
                    unique: true
                relations:
                  - { name: owner, type: belongsTo, entity: Owner, field: ownerId }
            """)
        .replacingOccurrences(of: "      name: { type: string, nullable: true }\n", with: "      name: { type: string, nullable: true }\n    indexes:\n      - fields: [name]\n")

    /// A new PostgreSQL database with `alice` as its admin.
    static func emptyRegistry() throws -> (database: any RegistryDatabase, registry: Registry, location: DatabaseLocation) {
        let (database, location) = try Backend.postgres.makeDatabase()
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        return (database, registry, location)
    }

    /// `packages` (name → entities.yaml) scanned and approved by `alice`, applied whole (`deploys: recreate`).
    @discardableResult
    static func approved(_ packages: [String: String], in registry: Registry) throws -> DesiredState {
        let desired = try Desired.from(packages, deploys: .recreate)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        return desired
    }

    /// A database at ``before`` with `rows` entries (a third without rank) and their owners.
    static func seeded(rows: Int) throws -> (database: any RegistryDatabase, registry: Registry, location: DatabaseLocation) {
        let (database, registry, location) = try emptyRegistry()
        let first = try Self.approved(["log": before], in: registry)
        _ = try registry.applyApproved(first)
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Owner" ("id", "name") SELECT 'o' || g, 'owner ' || g FROM generate_series(1, 100) AS g"#)
            try connection.execute("""
                INSERT INTO "Entry" ("id", "ownerId", "title", "rank")
                SELECT 'e' || g, 'o' || (g % 100 + 1), 'title ' || (g % 1000), CASE WHEN g % 3 = 0 THEN NULL ELSE g END
                FROM generate_series(1, \(rows)) AS g
                """)
            try connection.execute(#"ANALYZE "Entry""#)
        }
        return (database, registry, location)
    }

    static func queueAfter(_ registry: Registry) throws -> DesiredState {
        let desired = try Desired.from(["log": after], deploys: .recreate)
        _ = try registry.scan(desired, principal: "ci")
        let decision = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        try #require(decision.refused.isEmpty, "\(decision.refused)")
        return desired
    }

    /// The schema a fresh database gets from ``after``.
    static func freshAfter() throws -> [String] {
        let (fresh, _) = try Backend.postgres.makeDatabase()
        defer { fresh.close() }
        let registry = Registry(database: fresh)
        try registry.addAdmin("alice", by: nil)
        _ = try queueAfter(registry)
        _ = try registry.applyApproved(try Desired.from(["log": after], deploys: .recreate))
        return try Introspection.describe(fresh)
    }

    @Test(arguments: Self.postgres)
    func indexesKeysAndRequiredColumnsRunAsRecordedOnlineSteps(_ backend: Backend) throws {
        let (database, registry, _) = try Self.seeded(rows: 12_000)
        defer { database.close() }
        let desired = try Self.queueAfter(registry)
        let items = try registry.items(in: [.approved])
        let entry = try #require(items.first { $0.entity == "Entry" })
        #expect(entry.onlineSteps.map(\.sql).contains(#"CREATE INDEX CONCURRENTLY IF NOT EXISTS "Entry_title_idx" ON "Entry"("title")"#))
        #expect(entry.onlineSteps.map(\.execution).filter { $0 != .statement } == [.pageBatches, .batches, .batches])
        #expect(!entry.rewritesTable)

        // The data impact before approval: 4,000 NULL ranks to backfill, nothing violating.
        let impact = try #require(try registry.impact(of: items, context: Desired.recreating)[entry.id])
        #expect(impact.checks.contains { $0.kind == .backfill && $0.count == 4_000 }, "\(impact.lines)")
        #expect(impact.violations.isEmpty, "\(impact.lines)")
        #expect(impact.locks.filter { $0.work != .catalog }.allSatisfy { !$0.blocksWrites || $0.stage == .transaction && $0.work == .catalog }, "\(impact.lines)")

        let outcome = try registry.applyApproved(desired)
        #expect(Set(outcome.applied.map(\.entity)) == ["Entry", "Owner"])
        // CREATE INDEX CONCURRENTLY cannot run in a transaction block: that it ran proves the staging.
        #expect(outcome.statements.contains { $0.sql.contains("CONCURRENTLY") })
        let audit = try registry.audit()
        #expect(audit.filter { $0.action == "apply-started" }.count == 2)
        #expect(audit.filter { $0.action == "apply" }.count == 4)
        #expect(try Introspection.describe(database) == (try Self.freshAfter()))
        let nulls = try database.withLockedTransaction { try $0.query(#"SELECT COUNT(*) AS "count" FROM "Entry" WHERE "rank" = 0"#, []) }
        #expect(nulls.first?["count"]?.integer == 4_000)
        #expect(try registry.applyApproved(desired).nothingToDo)
    }

    /// While existing NULLs wait for their backfill, the application keeps updating those rows
    /// (a NOT VALID `CHECK (rank IS NOT NULL)` added before the backfill would make every such
    /// update fail until the batch reached the row).
    @Test(arguments: Self.postgres)
    func rowsWaitingForTheirBackfillCanStillBeUpdated(_ backend: Backend) throws {
        try #require(Processes.binaryIsBuilt, "build the schema binary first (scripts/test.sh does)")
        let (database, registry, location) = try Self.seeded(rows: 20_000)
        defer { database.close() }
        _ = try Self.queueAfter(registry)
        let url = try #require(location.postgres).description
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("online-\(UUID().uuidString)")
        Processes.write(OnlineCrashTests.files(Self.after), to: root)
        let application = try PostgresRegistryDatabase(location: try #require(location.postgres))
        defer { application.close() }
        // Each online step and batch pauses, so the updates below land in every window of the apply.
        let (process, pipe) = try Processes.launch(["apply", "--root", root.path, "--no-generate"], url: url,
                                                   environment: [FaultInjection.Point.afterEachStep.rawValue: "150"])
        var updates = 0
        var failures: [String] = []
        while process.isRunning {
            // e3, e6, ... hold NULL in rank until the backfill reaches them; the last ones are backfilled last.
            do {
                try application.executeOutsideTransaction(#"UPDATE "Entry" SET "title" = 'touched' WHERE "id" IN ('e3', 'e19998')"#)
            } catch {
                failures.append("\(error)")
            }
            updates += 1
            usleep(10_000)
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(updates > 20, "the apply ended before the updates could interleave")
        #expect(failures.isEmpty, "\(failures.count) of \(updates) updates failed: \(failures.first ?? "")")
        let rank = try database.withLockedTransaction { try $0.query(#"SELECT "rank" FROM "Entry" WHERE "id" = 'e3'"#, []) }
        #expect(rank.first?["rank"]?.integer == 0)
    }

    /// The backfill walks the table's pages, batch after batch (growing from 8 pages), fills
    /// every NULL and leaves every value it finds: the pass after the NOT VALID check finds none
    /// left. Rows are stored out of key order, which a walk by key would follow.
    @Test(arguments: Self.postgres)
    func aBackfillWalksEveryPageOnce(_ backend: Backend) throws {
        let (database, registry, _) = try Self.emptyRegistry()
        defer { database.close() }
        let lines = Mutex<[String]>([])
        let table = "entities:\n  - name: Tally\n    fields:\n      id: { type: int, primary: true }\n      hits: { type: int, nullable: true }\n"
        for (index, yaml) in [table, table.replacingOccurrences(of: "hits: { type: int, nullable: true }", with: "hits: { type: int, default: -1 }")].enumerated() {
            let desired = try Self.approved(["tally": yaml], in: registry)
            if index == 1 {
                // Keys 1…12,345 inserted out of order; every fifth row has no value.
                try database.withLockedTransaction { connection in
                    try connection.execute(#"INSERT INTO "Tally" ("id", "hits") SELECT g, CASE WHEN g % 5 = 0 THEN NULL ELSE g END FROM generate_series(1, 12345) AS g ORDER BY random()"#)
                }
            }
            _ = try ApplyEngine(registry: registry, desiredState: { desired }).run(ApplyRequest(principal: "ci", log: { line in lines.withLock { $0.append(line) } }))
        }
        // The walk fills every NULL; the passes before and after the check find none left.
        let backfills = lines.withLock { $0 }.filter { $0.hasPrefix("backfill of") }
        #expect(backfills.count == 3)
        #expect(backfills.dropFirst().allSatisfy { $0 == "backfill of Tally: 0 NULL row(s) left, filled in 0 batch(es)" }, "\(backfills)")
        #expect(backfills.first?.hasPrefix("backfill of Tally: 2469 row(s) filled over ") == true, "\(backfills)")
        #expect(backfills.first.map { !$0.hasSuffix(" in 1 batch(es)") } == true, "a walk of several batches: \(backfills)")
        #expect(backfills.last == "backfill of Tally: 0 NULL row(s) left, filled in 0 batch(es)")
        let rows = try database.withLockedTransaction {
            try $0.query(#"SELECT COUNT(*) FILTER (WHERE "hits" = -1) AS "filled", COUNT(*) FILTER (WHERE "hits" = "id") AS "kept", COUNT(*) AS "all" FROM "Tally""#, [])
        }
        #expect(rows.first?["filled"]?.integer == 2_469)
        #expect(rows.first?["kept"]?.integer == 9_876)
        #expect(rows.first?["all"]?.integer == 12_345)
    }

    /// A backfill leaves as many dead rows as it changed, so autovacuum soon works on the table,
    /// holding a lock every later statement of the change conflicts with. The server cancels an
    /// autovacuum only for a lock wait longer than `deadlock_timeout` (1 s), and a change's waits
    /// that block writes are shorter (200 ms), so each try failed while the vacuum went on (a
    /// 10,000,000-row backfill ended with 75). Here an autovacuum slowed to a crawl holds the
    /// table from before the start: the change still applies, with one lock try each time.
    @Test(arguments: Self.postgres)
    func anAutovacuumOnTheTableDoesNotHoldTheChangeBack(_ backend: Backend) throws {
        let (database, registry, location) = try Self.emptyRegistry()
        defer { database.close() }
        let name = try #require(location.postgres?.database)
        let table = "entities:\n  - name: Vacuumed\n    fields:\n      id: { type: int, primary: true }\n      hits: { type: int, nullable: true }\n"
        let desired = try Self.approved(["vacuumed": table], in: registry)
        _ = try registry.applyApproved(desired)
        try Backend.asSuperuser(database: nil) { server in
            try server.executeOutsideTransaction("ALTER SYSTEM SET autovacuum_naptime = '1s'")
            try server.executeOutsideTransaction("SELECT pg_reload_conf()")
        }
        defer {
            _ = try? Backend.asSuperuser(database: nil) { server in
                try server.executeOutsideTransaction("ALTER SYSTEM RESET autovacuum_naptime")
                try server.executeOutsideTransaction("SELECT pg_reload_conf()")
            }
        }
        try database.withLockedTransaction { connection in
            // Any dead row starts it; a pause of 100 ms after each unit of work keeps it going.
            try connection.execute(#"ALTER TABLE "Vacuumed" SET (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1)"#)
            try connection.execute(#"INSERT INTO "Vacuumed" ("id", "hits") SELECT g, CASE WHEN g % 2 = 0 THEN NULL ELSE g END FROM generate_series(1, 5000) AS g"#)
            try connection.execute(#"UPDATE "Vacuumed" SET "hits" = "hits" WHERE "id" <= 2500"#)
        }
        // The launcher visits every database of the cluster each naptime; in a whole test run
        // there are hundreds (each test makes its own) and two busy cores, so the first visit to
        // this one can take a while: seen over 30 s. Alone it comes within a few seconds.
        let deadline = ContinuousClock.now + .seconds(150)
        var vacuuming = false
        while !vacuuming && ContinuousClock.now < deadline {
            usleep(200_000)
            // Only a superuser sees what an autovacuum worker does.
            vacuuming = try Backend.asSuperuser(database: nil) {
                try $0.withLockedTransaction {
                    try $0.query(#"SELECT COUNT(*) AS "count" FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND datname = ? AND query LIKE '%Vacuumed%'"#, [.text(name)])
                }
            }.first?["count"]?.integer ?? 0 > 0
        }
        try #require(vacuuming, "no autovacuum started on the table within 150 s")

        let required = try Self.approved(["vacuumed": table.replacingOccurrences(of: "hits: { type: int, nullable: true }", with: "hits: { type: int, default: 0 }")], in: registry)
        let outcome = try registry.applyApproved(required, lockPolicy: LockPolicy(statementTimeout: .milliseconds(200), retries: 0))
        #expect(outcome.applied.map(\.entity) == ["Vacuumed"])
        let nulls = try database.withLockedTransaction { try $0.query(#"SELECT COUNT(*) AS "count" FROM "Vacuumed" WHERE "hits" IS NULL"#, []) }
        #expect(nulls.first?["count"]?.integer == 0)
    }

    /// Holding autovacuum off locks only tables the migration role may lock so: a host table
    /// owned by another role, which granted the migration role only REFERENCES, still gets a
    /// package table's foreign key (a LOCK TABLE on it would be refused).
    @Test(arguments: Self.postgres)
    func aForeignKeyToAHostTableOfAnotherOwnerNeedsOnlyReferences(_ backend: Backend) throws {
        let (database, registry, location) = try Self.emptyRegistry()
        defer { database.close() }
        let migrator = try #require(try database.withLockedTransaction { try $0.query("SELECT current_user AS \"name\"", []) }.first?["name"]?.text)
        try Backend.asSuperuser(database: try #require(location.postgres?.database)) { owner in
            try owner.executeOutsideTransaction(#"ALTER TABLE "User" OWNER TO CURRENT_USER"#)
            try owner.executeOutsideTransaction(#"REVOKE ALL ON "User" FROM \#(migrator)"#)
            try owner.executeOutsideTransaction(#"GRANT REFERENCES ON "User" TO \#(migrator)"#)
        }
        let desired = try Self.approved(["notes": """
            entities:
              - name: Note
                fields:
                  id: { type: string, primary: true }
                  authorId: { type: string }
                relations:
                  - { name: author, type: belongsTo, entity: User, field: authorId }
            """], in: registry)
        #expect(try registry.applyApproved(desired).applied.map(\.entity) == ["Note"])
    }

    /// A concurrent build that did not finish leaves an INVALID index under the name, which
    /// `IF NOT EXISTS` would take for done. Here the build times out waiting for a writer's
    /// transaction (the item stays approved and started); the next start drops the INVALID index
    /// and builds it again.
    @Test(arguments: Self.postgres)
    func anInvalidIndexLeftByAnUnfinishedBuildIsRebuiltByTheNextStart(_ backend: Backend) throws {
        let (database, registry, location) = try Self.seeded(rows: 2_000)
        defer { database.close() }
        let desired = try Self.approved(["log": Self.before.replacingOccurrences(of: "      rank: { type: int, nullable: true }",
                                                                               with: "      rank: { type: int, nullable: true }\n    indexes:\n      - fields: [title, rank]\n        unique: true")], in: registry)
        // A writer's open transaction: a concurrent build waits for it to end.
        let writer = try PostgresRegistryDatabase(location: try #require(location.postgres))
        defer { writer.close() }
        try writer.executeOutsideTransaction("BEGIN")
        try writer.executeOutsideTransaction(#"UPDATE "Entry" SET "title" = "title" WHERE "id" = 'e1'"#)
        let impatient = LockPolicy(statementTimeout: .milliseconds(200), retries: 0, onlineTimeout: .milliseconds(200))
        #expect(errorCode { try registry.applyApproved(desired, lockPolicy: impatient) } == .lockTimeout)
        let item = try #require(try registry.items(in: [.approved]).first)
        #expect(item.progress == 1, "the first transaction committed; the index build is the step left")
        #expect(try Introspection.describe(database).contains { $0.contains("Entry_title_rank_key") && $0.hasSuffix("INVALID") })

        try writer.executeOutsideTransaction("ROLLBACK")
        #expect(try registry.applyApproved(desired).applied.map(\.entity) == ["Entry"])
        let indexes = try Introspection.describe(database).filter { $0.contains("Entry_title_rank_key") }
        #expect(indexes.count == 1 && !indexes[0].hasSuffix("INVALID"), "\(indexes)")
        #expect(!(try registry.drift(host: TestHost.schema)).hasDrift)
    }

    /// A reader holding a transaction on the table: the change's ALTER waits at most the lock
    /// timeout (so writers queue behind it no longer than that), gives up, and tries again; when
    /// the tries run out the items stay approved and `apply` exits 75. Once the reader is done,
    /// the same or the next start applies it.
    @Test(arguments: Self.postgres)
    func aLongReaderMakesApplyWaitBoundedRetryAndLeaveTheItemApproved(_ backend: Backend) throws {
        try #require(Processes.binaryIsBuilt, "build the schema binary first (scripts/test.sh does)")
        let (database, registry, location) = try Self.seeded(rows: 100)
        defer { database.close() }
        let added = Self.before.replacingOccurrences(of: "      rank: { type: int, nullable: true }", with: "      rank: { type: int, nullable: true }\n      memo: { type: string, nullable: true }")
        let desired = try Self.approved(["log": added], in: registry)

        let reader = try PostgresRegistryDatabase(location: try #require(location.postgres))
        defer { reader.close() }
        try reader.executeOutsideTransaction("BEGIN")
        try reader.executeOutsideTransaction(#"SELECT * FROM "Entry" LIMIT 1"#)

        let started = ContinuousClock.now
        #expect(errorCode { try registry.applyApproved(desired, lockPolicy: LockPolicy(statementTimeout: .milliseconds(200), retries: 2)) } == .lockTimeout)
        // Three tries of 200 ms and two pauses (0.5 s and 1 s, ±25 %).
        #expect(ContinuousClock.now - started < .seconds(4))
        #expect(try registry.items(in: [.approved]).map(\.entity) == ["Entry"])
        #expect(try registry.items(in: [.approved]).first?.progress == 0)
        #expect(try registry.audit().contains { $0.action == "apply-postponed" })
        #expect(!(try Introspection.describe(database)).contains { $0.contains("memo") })

        // The process reports the temporary failure with its own exit status.
        let url = try #require(location.postgres).description
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("online-\(UUID().uuidString)")
        Processes.write(OnlineCrashTests.files(added), to: root)
        let run = try Processes.run(["apply", "--root", root.path, "--no-generate", "--lock-timeout", "200", "--lock-retries", "1"], url: url)
        #expect(run.status == 75, "\(run.output)")
        #expect(run.output.contains("the approved items stay approved"), "\(run.output)")

        // The reader ends while the apply is retrying: the same start applies the change.
        DispatchQueue.global().asyncAfter(deadline: .now() + 1.0) { try? reader.executeOutsideTransaction("COMMIT") }
        #expect(try registry.applyApproved(desired, lockPolicy: LockPolicy(statementTimeout: .milliseconds(200), retries: 6)).applied.map(\.entity) == ["Entry"])
        #expect(try Introspection.describe(database).contains { $0.contains("memo") })
    }

    /// SQLite: the apply's transaction waits for the database's write lock at most the lock
    /// timeout per try, with the same retries and the same outcome.
    @Test func sqliteWaitsForTheWriteLockBoundedAndLeavesTheItemApproved() throws {
        let (database, location) = try Backend.sqlite.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let desired = try Self.approved(["log": Self.before], in: registry)
        let writer = try location.open()
        defer { writer.close() }
        // The registry lock is SQLite's write lock too: every wait for it is bounded here.
        let impatient = LockPolicy(statementTimeout: .milliseconds(100), retries: 1, registryWait: .milliseconds(300))
        let started = ContinuousClock.now
        let failure = Mutex<SchemaError.Code?>(nil)
        try writer.withLockedTransaction { _ in
            // Another writer holds the database while this apply runs on another thread.
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                failure.withLock { $0 = errorCode { try registry.applyApproved(desired, lockPolicy: impatient) } }
                done.signal()
            }
            done.wait()
        }
        #expect(failure.withLock { $0 } == .lockTimeout)
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(try registry.items(in: [.approved]).count == 2)
        #expect(try registry.applyApproved(desired).applied.count == 2)
    }

    /// Approving a change that rewrites a table needs its own acknowledgement, and the review
    /// shows the lock it takes, what it blocks and how big the table is.
    @Test(arguments: Self.postgres)
    func aTableRewriteNeedsAnAcknowledgementAndShowsItsLock(_ backend: Backend) throws {
        let (database, registry, _) = try Self.seeded(rows: 3_000)
        defer { database.close() }
        let desired = try Desired.from(["log": Self.before.replacingOccurrences(of: "      rank: { type: int, nullable: true }", with: "      rank: { type: bigint, nullable: true }")], deploys: .recreate)
        _ = try registry.scan(desired, principal: "ci")
        let item = try #require(try registry.items(in: [.pending]).first)
        #expect(item.rewritesTable)
        let impact = try #require(try registry.impact(of: [item], context: Desired.recreating)[item.id])
        #expect(impact.lines.contains { $0.hasPrefix("transaction: ACCESS EXCLUSIVE on Entry, blocks reads and writes, while it rewrites the table") }, "\(impact.lines)")
        #expect(impact.lines.contains { $0.hasPrefix("table Entry: about 3000 rows") }, "\(impact.lines)")
        #expect(impact.lines.contains("copies 3000 rows of Entry rewritten while reads and writes wait"), "\(impact.lines)")

        let refused = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        #expect(refused.refused.map(\.code) == [.rewriteNotAcknowledged])
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: Desired.recreating).accepted.count == 1)
        #expect(try registry.audit().contains { $0.action == "approve" && ($0.detail ?? "").contains("table rewrite acknowledged") })
        #expect(try registry.applyApproved(desired).applied.count == 1)
    }
}
