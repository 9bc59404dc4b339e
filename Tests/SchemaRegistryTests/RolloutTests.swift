import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Rolling deploys (issue 22): while a change rolls out, the application version still running
/// keeps working, and so does the new one; `complete` and `rollback` end it, each exactly once.
/// The two versions are the SQL their Prisma clients issue: inserts and selects that name their
/// columns, run as the application's role (not the owner, not a superuser).
@Suite(.serialized) struct RolloutTests {
    static let v1 = """
        entities:
          - name: Post
            fields:
              id: { type: string, primary: true }
              title: { type: string, maxLength: 200 }
              legacy: { type: string }
              subtitle: { type: string, nullable: true }
              status: { type: string, enum: [draft, live, gone] }
              slug: { type: string, nullable: true }
          - name: Tag
            fields:
              id: { type: string, primary: true }
              label: { type: string }
        """
    /// Every class the expand/contract split covers: a dropped field (required, no default), a
    /// field made required (with a default), a tighter maxLength, an enum value removed, a unique
    /// index on an existing column, a dropped table.
    static let v2 = """
        entities:
          - name: Post
            fields:
              id: { type: string, primary: true }
              title: { type: string, maxLength: 80 }
              subtitle: { type: string, default: "none" }
              status: { type: string, enum: [draft, live] }
              slug: { type: string, nullable: true, unique: true }
        """

    /// The SQL of one application version's client.
    struct Version: Sendable {
        var insertPost: @Sendable (String) -> String
        var selectPost: @Sendable (String) -> String
        var tag: (@Sendable (String) -> String)?
    }

    static let old = Version(
        insertPost: { #"INSERT INTO "Post" ("id", "title", "legacy", "subtitle", "status", "slug") VALUES ('\#($0)', 't', 'l', NULL, 'draft', '\#($0)')"# },
        selectPost: { #"SELECT "id", "title", "legacy", "subtitle", "status", "slug" FROM "Post" WHERE "id" = '\#($0)'"# },
        tag: { #"INSERT INTO "Tag" ("id", "label") VALUES ('\#($0)', 'x')"# })
    static let new = Version(
        insertPost: { #"INSERT INTO "Post" ("id", "title", "status", "slug") VALUES ('\#($0)', 't', 'live', '\#($0)')"# },
        selectPost: { #"SELECT "id", "title", "subtitle", "status", "slug" FROM "Post" WHERE "id" = '\#($0)'"# },
        tag: nil)

    /// A database with `v1` applied and rows in it, the application's role, and a registry.
    struct Fixture {
        var database: any RegistryDatabase
        var location: DatabaseLocation
        var registry: Registry
        var app: String

        /// A connection as the application's role (the caller closes it).
        func application() throws -> PostgresRegistryDatabase {
            try #require(try location.as(user: app).open() as? PostgresRegistryDatabase)
        }

        /// Runs `sql` as the application's role.
        func asApplication(_ sql: String) throws {
            let connection = try application()
            defer { connection.close() }
            try connection.executeOutsideTransaction(sql)
        }

        /// The `"count"` the query returns, read as the migration role.
        func count(_ sql: String) throws -> Int64 {
            try database.withLockedTransaction { try $0.query(sql, []).first?["count"]?.integer ?? -1 }
        }

        /// The `"value"` the query returns, read as the migration role.
        func text(_ sql: String) throws -> String? {
            try database.withLockedTransaction { try $0.query(sql, []).first?["value"]?.text }
        }

        /// A PostgreSQL database with `yaml` applied as package `package`, the rows `seed` writes,
        /// and an application role that may use every table.
        static func applied(_ yaml: String, package: String, seed: String) throws -> Fixture {
            let (database, location) = try Backend.postgres.makeDatabase()
            do {
                let registry = Registry(database: database)
                try registry.addAdmin("alice", by: nil)
                let first = try Desired.from([package: yaml])
                _ = try registry.scan(first, principal: "ci")
                _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
                #expect(try registry.applyApproved(first).applied.count == first.entities.count)
                let app = PostgresRoles.unique("app")
                try PostgresRoles.create(app)
                try database.withLockedTransaction { connection in
                    try connection.execute("GRANT USAGE ON SCHEMA public TO \(app)")
                    try connection.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \(app)")
                    try connection.execute(seed)
                }
                return Fixture(database: database, location: location, registry: registry, app: app)
            } catch {
                // PostgresNIO traps on a connection released open: the test fails, not the whole run.
                database.close()
                throw error
            }
        }
    }

    func atVersion1() throws -> Fixture {
        try Fixture.applied(Self.v1, package: "blog",
                            seed: #"INSERT INTO "Post" ("id", "title", "legacy", "status") SELECT 'seed' || g, 'title', 'l', 'live' FROM generate_series(1, 500) AS g"#)
    }

    /// `version`'s client at work on its own connection until stopped, counting what failed.
    final class Client: @unchecked Sendable {
        private let lock = NSLock()
        private var running = true
        private(set) var written: [String] = []
        private(set) var errors: [String] = []
        private var thread: Thread?

        init(_ version: Version, prefix: String, connection: PostgresRegistryDatabase) {
            let thread = Thread { [self] in
                var index = 0
                while lock.withLock({ running }) {
                    index += 1
                    let id = "\(prefix)\(index)"
                    do {
                        try connection.executeOutsideTransaction(version.insertPost(id))
                        try connection.executeOutsideTransaction(version.selectPost(id))
                        if let tag = version.tag { try connection.executeOutsideTransaction(tag(id)) }
                        lock.withLock { written.append(id) }
                    } catch {
                        lock.withLock { errors.append("\(id): \(error)") }
                    }
                    usleep(2_000)
                }
                connection.close()
            }
            self.thread = thread
            thread.start()
        }

        /// Stops the client; returns what it wrote and what failed.
        func stop() -> (written: [String], errors: [String]) {
            lock.withLock { running = false }
            while thread?.isFinished == false { usleep(10_000) }
            return lock.withLock { (written, errors) }
        }
    }

    func columns(_ table: String, _ database: any RegistryDatabase) throws -> [String] {
        try database.withLockedTransaction { connection in
            try connection.query(connection.dialect == .sqlite ? "SELECT name FROM pragma_table_info(?) ORDER BY name"
                                    : "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY column_name",
                                 [.text(table)]).compactMap { $0["name"]?.text }
        }
    }

    func count(_ sql: String, _ database: any RegistryDatabase) throws -> Int64 {
        try database.withLockedTransaction { try $0.query(sql, []).first?["count"]?.integer ?? -1 }
    }

    /// Expand while the old version writes, then both versions side by side.
    func expand(_ fixture: Fixture) throws -> (desired: DesiredState, old: [String], new: [String]) {
        let desired = try Desired.from(["blog": Self.v2])
        let item = try #require(try fixture.registry.scan(desired, principal: "ci").queued.first { $0.entity == "Post" })
        #expect(item.isRolledOut)
        #expect(try fixture.registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, context: desired.renderContext).accepted.count == 2)
        let before = Client(Self.old, prefix: "o", connection: try fixture.application())
        usleep(100_000)
        let outcome = try fixture.registry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity).sorted() == ["Post", "Tag"] && outcome.refused.isEmpty, "\(outcome.refused)")
        let during = Client(Self.old, prefix: "p", connection: try fixture.application())
        let newer = Client(Self.new, prefix: "n", connection: try fixture.application())
        usleep(300_000)
        let (oldBefore, oldErrors) = before.stop()
        let (oldDuring, duringErrors) = during.stop()
        let (newWritten, newErrors) = newer.stop()
        #expect(oldErrors.isEmpty && duringErrors.isEmpty, "the old version kept working through the expand: \(oldErrors + duringErrors)")
        #expect(newErrors.isEmpty, "the new version works from the expand on: \(newErrors)")
        #expect(!oldBefore.isEmpty && !oldDuring.isEmpty && !newWritten.isEmpty)
        // Each version reads what the other wrote.
        let app = try fixture.application()
        defer { app.close() }
        for id in [oldDuring.last, newWritten.last].compactMap({ $0 }) {
            try app.executeOutsideTransaction(Self.old.selectPost(id))
            try app.executeOutsideTransaction(Self.new.selectPost(id))
        }
        #expect(try count(#"SELECT COUNT(*) AS "count" FROM "Post" WHERE "id" = '\#(newWritten[0])' AND "subtitle" = 'none'"#, fixture.database) == 1,
                "the new default fills what the new version leaves out")
        #expect(try fixture.registry.status().rollouts.map(\.entity) == ["Post", "Tag"])
        #expect(try columns("Post", fixture.database).contains("legacy") && columns("Tag", fixture.database) == ["id", "label"])
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "the table is the expanded shape")
        return (desired, oldBefore + oldDuring, newWritten)
    }

    /// `complete` killed after its first transaction committed (the dropped field's column gone,
    /// its audit line written, the online steps and the last transaction not run) is finished by
    /// the next run, which goes on after that transaction instead of running it again or
    /// refusing the changed table.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aCompleteKilledAfterItsFirstTransactionIsFinishedByTheNextRun() throws {
        try #require(Processes.binaryIsBuilt, "build the schema binary first (scripts/test.sh does)")
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        _ = try expand(fixture)
        let url = try #require(fixture.location.postgres).description
        let workspace = CLIWorkspace.make(["packages/blog/seed/schema/entities.yaml": Self.v2, "packages/blog/seed/metadata.json": #"{"packageId": "blog"}"#])
        let (process, _) = try Processes.launch(["complete", "Post", "--as", "alice", "--root", workspace.path], url: url,
                                                environment: [FaultInjection.Point.afterCommit.rawValue: "10000"])
        // The application's query of the dropped column waits for the first transaction and
        // fails once it committed: the command is then in the pause after that commit.
        let app = try fixture.application()
        defer { app.close() }
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline, (try? app.executeOutsideTransaction(#"SELECT "legacy" FROM "Post" LIMIT 0"#)) != nil {
            usleep(20_000)
        }
        let killedInThePause = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try #require(killedInThePause, "the command ended before it was killed")
        let started = { (action: AuditAction) in try fixture.registry.audit(limit: 10_000).filter { $0.action == action.rawValue && $0.entity == "Post" }.count }
        #expect(try started(.completeStarted) == 1 && started(.complete) == 0, "killed between the first transaction and the last")
        #expect(try fixture.registry.status().rollouts.map(\.entity) == ["Post", "Tag"], "the rollout is still open")
        let status = try Processes.run(["status", "--root", workspace.path], url: url)
        #expect(status.output.contains("rolling out: Post") && status.output.contains("`schema complete` began and did not finish"), "\(status.output)")
        #expect(try fixture.registry.status().begun == ["Post": .complete])
        // Half completed, it can only be completed: rollback says so and runs nothing.
        let rollback = try Processes.run(["rollback", "Post", "--as", "alice", "--root", workspace.path], url: url)
        #expect(rollback.status != 0 && rollback.output.contains("`schema complete` began"), "\(rollback.output)")

        let again = try Processes.run(["complete", "Post", "--as", "alice", "--root", workspace.path], url: url)
        #expect(again.status == 0, "\(again.output)")
        #expect(try started(.completeStarted) == 1 && started(.complete) == 1, "the first transaction ran once, the rollout closed once")
        #expect(try fixture.registry.status().rollouts.map(\.entity) == ["Tag"])
        #expect(try columns("Post", fixture.database) == ["id", "slug", "status", "subtitle", "title"])
        let drift = try fixture.registry.drift(host: Desired.host)
        #expect(!drift.hasDrift && drift.checked.contains("Post"), "Post is the new snapshot: \(drift.drifted.map(\.differences))")
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func bothVersionsWorkFromExpandToComplete() throws {
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        let (desired, old, new) = try expand(fixture)
        let rows = try count(#"SELECT COUNT(*) AS "count" FROM "Post""#, fixture.database)
        #expect(rows == Int64(500 + old.count + new.count))

        // A value the new version no longer allows, written by the old one: complete counts it and changes nothing.
        try fixture.asApplication(#"UPDATE "Post" SET "status" = 'gone' WHERE "id" = '\#(old[0])'"#)
        let engine = ApplyEngine(registry: fixture.registry, desiredState: { desired })
        #expect(throws: SchemaError.self) { try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "mallory")) }
        do {
            _ = try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice"))
            Issue.record("complete ran over a row the new check refuses")
        } catch let error as SchemaError {
            #expect(error.code == .dataViolation && error.message.contains(old[0]), "\(error.message)")
        }
        #expect(try columns("Post", fixture.database).contains("legacy") && fixture.registry.status().rollouts.count == 2, "nothing changed")

        try fixture.database.withLockedTransaction { try $0.execute(#"UPDATE "Post" SET "status" = 'live' WHERE "id" = '\#(old[0])'"#) }
        let completed = try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice"))
        #expect(Set(completed.finished.map(\.entity)) == ["Post", "Tag"])
        #expect(try columns("Post", fixture.database) == ["id", "slug", "status", "subtitle", "title"])
        #expect(try columns("Tag", fixture.database).isEmpty, "the dropped table is gone")
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "the table is the new snapshot")
        #expect(try count(#"SELECT COUNT(*) AS "count" FROM "Post""#, fixture.database) == rows, "every row kept")
        #expect(try count("SELECT COUNT(*) AS \"count\" FROM pg_constraint WHERE conname LIKE '%not_null'", fixture.database) == 0, "no helper left")
        // The new version works; the old one's inserts now fail, as they must after complete.
        let app = try fixture.application()
        defer { app.close() }
        try app.executeOutsideTransaction(Self.new.insertPost("after"))
        #expect(throws: SchemaError.self) { try app.executeOutsideTransaction(Self.old.insertPost("late")) }

        // Exactly once: nothing is left to complete, and the audit says so once per entity.
        #expect(errorCode { try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice")) } == .noRollout)
        #expect(try fixture.registry.audit().filter { $0.action == "complete" }.count == 2)
        #expect(try fixture.registry.audit().filter { $0.action == "complete-denied" }.count == 1)
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func rollbackRestoresTheOldTableKeepingEveryRow() throws {
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        let v1Checksum = try #require(try fixture.registry.appliedEntities().first { $0.structure.name == "Post" }?.checksum)
        let (desired, old, new) = try expand(fixture)
        let rows = try count(#"SELECT COUNT(*) AS "count" FROM "Post""#, fixture.database)
        let engine = ApplyEngine(registry: fixture.registry, desiredState: { desired })

        // The new version wrote no `legacy`, which the old one requires: rollback says so, changes nothing.
        do {
            _ = try engine.finishRollouts(.rollback, entities: ["Post"], ApplyRequest(principal: "alice"))
            Issue.record("rollback ran over rows without the old version's required value")
        } catch let error as SchemaError {
            #expect(error.code == .dataViolation && error.message.contains("legacy") && error.message.contains("schema rollback"), "\(error.message)")
        }
        try fixture.database.withLockedTransaction { try $0.execute(#"UPDATE "Post" SET "legacy" = 'filled' WHERE "legacy" IS NULL"#) }
        let back = try engine.finishRollouts(.rollback, entities: ["Post", "Tag"], ApplyRequest(principal: "alice"))
        #expect(back.finished.map(\.entity).sorted() == ["Post", "Tag"])
        #expect(try columns("Post", fixture.database) == ["id", "legacy", "slug", "status", "subtitle", "title"])
        #expect(try count(#"SELECT COUNT(*) AS "count" FROM "Post""#, fixture.database) == rows, "every row kept")
        #expect(try count(#"SELECT COUNT(*) AS "count" FROM "Post" WHERE "id" = '\#(new[0])' AND "legacy" = 'filled'"#, fixture.database) == 1)
        #expect(try count(#"SELECT COUNT(*) AS "count" FROM "Tag""#, fixture.database) == Int64(old.count), "the table the expand kept, with what the old version wrote")
        let applied = try fixture.registry.appliedEntities()
        #expect(applied.first { $0.structure.name == "Post" }?.checksum == v1Checksum && applied.contains { $0.structure.name == "Tag" })
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "the table is the old snapshot again")
        #expect(try fixture.registry.items(in: [.rolledBack]).count == 2)
        // The old version works; the change can be queued, approved and rolled out again.
        let app = try fixture.application()
        defer { app.close() }
        try app.executeOutsideTransaction(Self.old.insertPost("again"))
        #expect(try fixture.registry.scan(desired, principal: "ci").queued.map(\.entity).sorted() == ["Post", "Tag"])
        #expect(errorCode { try engine.finishRollouts(.rollback, entities: ["Post"], ApplyRequest(principal: "alice")) } == .noRollout)
    }

    /// Another change of an entity being rolled out waits (approved) until the rollout ends.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aChangeOfAnEntityBeingRolledOutWaits() throws {
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        let (desired, _, _) = try expand(fixture)
        let v3 = try Desired.from(["blog": Self.v2.replacingOccurrences(of: "      slug:", with: "      note: { type: string, nullable: true }\n      slug:")])
        _ = try fixture.registry.scan(v3, principal: "ci")
        _ = try fixture.registry.approve(.all, as: "alice", allowDataLoss: true, context: v3.renderContext)
        let waiting = try fixture.registry.applyApproved(v3)
        #expect(waiting.applied.isEmpty && waiting.refused.map(\.code) == [.rolloutOpen], "\(waiting.refused)")
        #expect(try fixture.registry.items(in: [.approved]).count == 1, "it stays approved")
        try fixture.registry.completeRollouts(desired)
        #expect(try fixture.registry.applyApproved(v3).applied.map(\.entity) == ["Post"])
    }

    /// The recorded old structure is a registry row: edited, it is refused and nothing runs.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func anEditedRolloutRecordIsRefused() throws {
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        let (desired, _, _) = try expand(fixture)
        try fixture.database.withLockedTransaction { connection in
            // Makes the rollback "restore" a column that never was: the change is in the old structure.
            try connection.execute(#"UPDATE \#(connection.names.meta) SET "value" = replace("value", '"legacy"', '"legacy2"') WHERE "key" = 'rollout:Post'"#)
        }
        let engine = ApplyEngine(registry: fixture.registry, desiredState: { desired })
        #expect(errorCode { try engine.finishRollouts(.rollback, entities: ["Post"], ApplyRequest(principal: "alice")) } == .structureChanged)
        #expect(try columns("Post", fixture.database).contains("legacy") && fixture.registry.status().rollouts.count == 2, "nothing ran")
    }

    /// SQLite is one node: the same change applies whole at the start, and nothing is left to complete.
    @Test func onSQLiteEveryChangeAppliesWhole() throws {
        let (database, _) = try Backend.sqlite.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let first = try Desired.from(["blog": Self.v1])
        _ = try registry.scan(first, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
        _ = try registry.applyApproved(first)
        let desired = try Desired.from(["blog": Self.v2])
        #expect(try registry.scan(desired, principal: "ci").queued.allSatisfy { !$0.isRolledOut })
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true)
        #expect(try registry.applyApproved(desired).applied.count == 2)
        #expect(try columns("Post", database) == ["id", "slug", "status", "subtitle", "title"])
        let engine = ApplyEngine(registry: registry, desiredState: { desired })
        #expect(errorCode { try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice")) } == .noRollout)
    }
}
