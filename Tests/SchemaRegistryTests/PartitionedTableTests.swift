import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// A package table the host's operators partitioned (PostgreSQL declarative partitioning, done
/// by hand: a package declares the table, never its partitions). PostgreSQL refuses the online
/// statements a start runs on a plain table — `CREATE INDEX CONCURRENTLY`, `DROP INDEX
/// CONCURRENTLY`, a foreign key added `NOT VALID` — so the start goes partition by partition, as
/// PostgreSQL documents it; a unique index without the partition column is refused before
/// anything runs.
@Suite(.serialized) struct PartitionedTableTests {
    static let before = """
        entities:
          - name: AuditEvent
            primaryKey: [id, at]
            fields:
              id: { type: string }
              at: { type: datetime }
              actorId: { type: string }
              action: { type: string }
              kind: { type: string, index: true }
        """

    /// An index on `action`, a unique index holding the partition column, `kind`'s index dropped,
    /// and a key to the host's User.
    static let after = """
        entities:
          - name: AuditEvent
            primaryKey: [id, at]
            fields:
              id: { type: string }
              at: { type: datetime }
              actorId: { type: string }
              action: { type: string, index: true }
              kind: { type: string }
            indexes:
              - { fields: [kind, at], unique: true }
            relations:
              - { name: actor, type: belongsTo, entity: User, field: actorId }
        """

    static func desired(_ yaml: String, deploys: Rollout.DeployStrategy = .recreate) throws -> DesiredState {
        var workspace = Workspace.inMemory(["audit": yaml], baseSchema: Desired.host)
        workspace.configuration.deploys = deploys
        let desired = DesiredState.resolve(workspace)
        try #require(desired.isValid, "\(desired.errors.map(\.message))")
        return desired
    }

    /// The first version applied, then partitioned by `at` as an operator does it: 2025 a plain
    /// partition, 2026 partitioned again by `at` (two halves), 2024 in a schema of its own; a
    /// row in each leaf, every actor a user, no two rows of one kind.
    static func partitioned() throws -> (database: any RegistryDatabase, registry: Registry, location: DatabaseLocation) {
        let (database, location) = try Backend.postgres.makeDatabase()
        do {
            let registry = Registry(database: database)
            try registry.addAdmin("alice", by: nil)
            let desired = try Self.desired(Self.before)
            _ = try registry.scan(desired, principal: "ci")
            _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
            let first = try registry.applyApproved(desired)
            try #require(first.applied.count == 1, "\(first.refused.map(\.message))")
            try partition(database)
            return (database, registry, location)
        } catch {
            database.close()
            throw error
        }
    }

    /// Partitions the applied AuditEvent as the operator does (see ``partitioned()``).
    static func partition(_ database: any RegistryDatabase) throws {
        do {
            try database.withLockedTransaction { connection in
                for statement in [
                    #"ALTER TABLE "AuditEvent" RENAME TO "AuditEvent_plain""#,
                    #"ALTER TABLE "AuditEvent_plain" RENAME CONSTRAINT "AuditEvent_pkey" TO "AuditEvent_plain_pkey""#,
                    #"ALTER INDEX "AuditEvent_kind_idx" RENAME TO "AuditEvent_plain_kind_idx""#,
                    #"CREATE TABLE "AuditEvent" (LIKE "AuditEvent_plain" INCLUDING ALL) PARTITION BY RANGE ("at")"#,
                    #"DROP TABLE "AuditEvent_plain""#,
                    #"CREATE SCHEMA "archive""#,
                    #"CREATE TABLE "archive"."AuditEvent_2024" PARTITION OF "AuditEvent" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"#,
                    #"CREATE TABLE "AuditEvent_2025" PARTITION OF "AuditEvent" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"#,
                    #"CREATE TABLE "AuditEvent_2026" PARTITION OF "AuditEvent" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY RANGE ("at")"#,
                    #"CREATE TABLE "AuditEvent_2026a" PARTITION OF "AuditEvent_2026" FOR VALUES FROM ('2026-01-01') TO ('2026-07-01')"#,
                    #"CREATE TABLE "AuditEvent_2026b" PARTITION OF "AuditEvent_2026" FOR VALUES FROM ('2026-07-01') TO ('2027-01-01')"#,
                    #"INSERT INTO "User" ("id", "email") VALUES ('u1', 'a@example.com'), ('u2', 'b@example.com')"#,
                    #"INSERT INTO "AuditEvent" ("id", "at", "actorId", "action", "kind") VALUES ('e1', '2024-03-01', 'u1', 'read', 'k1'), ('e2', '2025-03-01', 'u2', 'read', 'k2'), ('e3', '2026-03-01', 'u1', 'write', 'k3'), ('e4', '2026-09-01', 'u2', 'write', 'k4')"#,
                ] {
                    try connection.execute(statement)
                }
            }
        }
    }

    static func scanApprove(_ desired: DesiredState, _ registry: Registry) throws {
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
    }

    static func rows(_ sql: String, _ database: any RegistryDatabase) throws -> [SQLRow] {
        try database.withLockedTransaction { try $0.query(sql, []) }
    }

    /// Each index of the partitioned table: whether it is valid, and how many partitions' indexes
    /// are attached to it directly.
    static func indexes(_ database: any RegistryDatabase) throws -> [String: (valid: Bool, attached: Int64)] {
        let rows = try Self.rows(#"""
            SELECT c.relname AS "name", CASE WHEN i.indisvalid THEN 1 ELSE 0 END AS "valid",
                   (SELECT COUNT(*) FROM pg_inherits AS h WHERE h.inhparent = c.oid) AS "attached"
            FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid WHERE i.indrelid = CAST('"AuditEvent"' AS regclass)
            """#, database)
        return Dictionary(rows.compactMap { row in
            row["name"]?.text.map { ($0, (row["valid"]?.integer == 1, row["attached"]?.integer ?? -1)) }
        }, uniquingKeysWith: { first, _ in first })
    }

    @Test(.enabled(if: Backend.postgresURL != nil && StatementLog.path != nil, "needs PostgreSQL and its log (scripts/test.sh starts one)"))
    func indexesAndKeysGoPartitionByPartition() throws {
        let (database, registry, location) = try Self.partitioned()
        defer { database.close() }
        let desired = try Self.desired(Self.after)
        try Self.scanApprove(desired, registry)
        // What ran, in the database's own words: its statement log.
        let name = try #require(location.postgres?.database)
        try Backend.asSuperuser(database: nil) { try $0.executeOutsideTransaction("ALTER DATABASE \(name) SET log_statement = 'all'") }
        let logged = try location.open()
        defer { logged.close() }
        let loggedRegistry = Registry(database: logged)
        let plan = try ApplyEngine(registry: loggedRegistry, desiredState: { desired }).plan()
        #expect(plan.refused.isEmpty, "\(plan.refused.map(\.message))")
        // The review (list --verbose, the review page) shows the same statements beside the approved ones.
        let review = try loggedRegistry.impact(of: try loggedRegistry.items(in: [.approved]), context: desired.renderContext)
        // (It lists the table's row-level security as the approved SQL does; the start's mode skips it here.)
        let skipped = Set(plan.skippedRowLevelSecurity.map(\.sql))
        let shown = review.values.first?.runsInstead?.filter { !skipped.contains($0) }
        #expect(!skipped.isEmpty && shown == plan.statements.map(\.sql), "\(String(describing: shown))")
        let offset = try StatementLog.size()
        let outcome = try loggedRegistry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity) == ["AuditEvent"], "\(outcome.refused.map(\.message))")
        let ran = try StatementLog.migrationStatements(since: offset)
        let planned = StatementLog.collapsed(plan.statements.map { $0.sql.trimmingCharacters(in: .whitespacesAndNewlines) })
        #expect(ran.contains { $0.hasPrefix(#"ALTER INDEX "AuditEvent_action_idx" ATTACH PARTITION"#) }, "\(ran)")
        #expect(ran == planned, "what ran is what the plan said; ran:\n\(ran.joined(separator: "\n"))\nplanned:\n\(planned.joined(separator: "\n"))")
        #expect(outcome.statements.contains { $0.sql.contains(#"ON ONLY "AuditEvent_2026""#) }, "the partitioned partition gets an index of its own")
        #expect(outcome.statements.contains { $0.sql.hasPrefix(#"ALTER TABLE "archive"."AuditEvent_2024" VALIDATE CONSTRAINT"#) })

        // Every index of the table valid, with one index per partition under it (2026's under its own).
        let indexes = try Self.indexes(database)
        #expect(Set(indexes.keys) == ["AuditEvent_pkey", "AuditEvent_action_idx", "AuditEvent_kind_at_key"], "kind's index dropped: \(indexes.keys.sorted())")
        for name in ["AuditEvent_action_idx", "AuditEvent_kind_at_key"] {
            #expect(indexes[name]?.valid == true && indexes[name]?.attached == 3, "\(name): \(String(describing: indexes[name]))")
        }
        let leafIndexes = try Self.rows(#"""
            SELECT c.relname AS "name" FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
            WHERE i.indrelid = CAST('"AuditEvent_2026b"' AS regclass) AND i.indisvalid ORDER BY 1
            """#, database).compactMap { $0["name"]?.text }
        #expect(leafIndexes == ["AuditEvent_2026b_action_idx", "AuditEvent_2026b_kind_at_key", "AuditEvent_2026b_pkey"], "\(leafIndexes)")

        // The key on the table and on every partition, validated, the partitions' taken by the table's.
        let keys = try Self.rows(#"""
            SELECT conrelid::regclass::text AS "table", CASE WHEN convalidated THEN 1 ELSE 0 END AS "valid", CASE WHEN conparentid = 0 THEN 0 ELSE 1 END AS "inherited"
            FROM pg_constraint WHERE conname = 'AuditEvent_actorId_fkey' ORDER BY 1
            """#, database).map { "\($0["table"]?.text ?? "?") \($0["valid"]?.integer ?? -1) \($0["inherited"]?.integer ?? -1)" }
        #expect(keys == [#""AuditEvent" 1 0"#, #""AuditEvent_2025" 1 1"#, #""AuditEvent_2026" 1 1"#, #""AuditEvent_2026a" 1 1"#,
                         #""AuditEvent_2026b" 1 1"#, #"archive."AuditEvent_2024" 1 1"#], "\(keys)")
        #expect(try CompoundForeignKeyTests.refuses(#"INSERT INTO "AuditEvent" ("id", "at", "actorId", "action", "kind") VALUES ('e5', '2024-05-01', 'nobody', 'read', 'k3')"#,
                                                    table: "AuditEvent", database), "the key holds in every partition")
        #expect(try CompoundForeignKeyTests.refuses(#"INSERT INTO "AuditEvent" ("id", "at", "actorId", "action", "kind") VALUES ('e6', '2026-09-01', 'u1', 'read', 'k4')"#,
                                                    table: "AuditEvent", database), "the unique index holds")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aUniqueIndexWithoutThePartitionColumnIsRefusedBeforeAnythingRuns() throws {
        let (database, registry, _) = try Self.partitioned()
        defer { database.close() }
        let desired = try Self.desired(Self.after.replacingOccurrences(of: "fields: [kind, at], unique: true", with: "fields: [kind], unique: true"))
        try Self.scanApprove(desired, registry)
        let plan = try ApplyEngine(registry: registry, desiredState: { desired }).plan()
        #expect(plan.refused.map(\.code) == [.partitionKeyMissing], "\(plan.refused)")
        #expect(plan.refused.first?.message.contains("lacks at") == true, "\(plan.refused.map(\.message))")
        let impact = try registry.impact(of: try registry.items(in: [.approved]), context: desired.renderContext)
        #expect(impact.values.first?.blockers.contains { $0.contains("partitioned by (at)") } == true, "review says it beforehand: \(impact)")

        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.isEmpty && outcome.refused.map(\.code) == [.partitionKeyMissing])
        #expect(Set(try Self.indexes(database).keys) == ["AuditEvent_pkey", "AuditEvent_kind_idx"], "nothing ran")
        #expect(try registry.items(in: [.approved]).count == 1, "the change stays approved")
    }

    /// A start whose build on the last partition cannot have its lock stops there; the next start
    /// runs every step again, the ones done doing nothing, and ends with a valid index.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aStartStoppedBetweenPartitionsIsResumed() throws {
        let (database, registry, location) = try Self.partitioned()
        defer { database.close() }
        let desired = try Self.desired(Self.before.replacingOccurrences(of: "action: { type: string }", with: "action: { type: string, index: true }"))
        try Self.scanApprove(desired, registry)
        let holder = try PostgresRegistryDatabase(location: try #require(location.postgres))
        defer { holder.close() }
        try holder.executeOutsideTransaction("BEGIN")
        try holder.executeOutsideTransaction(#"LOCK TABLE "AuditEvent_2026b" IN SHARE MODE"#)
        let impatient = LockPolicy(statementTimeout: .milliseconds(200), retries: 0, onlineTimeout: .milliseconds(200))
        let stop = #expect(throws: SchemaError.self) { try registry.applyApproved(desired, lockPolicy: impatient) }
        #expect(stop?.code == .lockTimeout, "\(String(describing: stop))")
        let stopped = try Self.indexes(database)["AuditEvent_action_idx"]
        #expect(stopped?.valid == false && stopped?.attached == 2, "2024 and 2025 attached; 2026b not built, so 2026's own index not yet: \(String(describing: stopped))")
        try holder.executeOutsideTransaction("ROLLBACK")

        let resumed = try registry.applyApproved(desired)
        #expect(resumed.applied.map(\.entity) == ["AuditEvent"], "\(resumed.refused.map(\.message))")
        #expect(try Self.indexes(database)["AuditEvent_action_idx"].map { $0.valid && $0.attached == 3 } == true)
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// Dropping the table's index (and any statement on the table that PostgreSQL carries down to
    /// its partitions) locks every partition. An autovacuum on one of them (here a session
    /// holding the same lock, released after a second) is waited for while autovacuum is held
    /// off, as long as an online step may wait, not by the drop, which waits only the short
    /// lock timeout.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aStatementCarriedToThePartitionsWaitsOutTheirAutovacuum() throws {
        let (database, registry, location) = try Self.partitioned()
        defer { database.close() }
        let desired = try Self.desired(Self.before.replacingOccurrences(of: "kind: { type: string, index: true }", with: "kind: { type: string }"))
        try Self.scanApprove(desired, registry)
        let vacuum = try PostgresRegistryDatabase(location: try #require(location.postgres))
        defer { vacuum.close() }
        try vacuum.executeOutsideTransaction("BEGIN")
        try vacuum.executeOutsideTransaction(#"LOCK TABLE "AuditEvent_2026b" IN SHARE UPDATE EXCLUSIVE MODE"#)
        let released = DispatchSemaphore(value: 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) {
            try? vacuum.executeOutsideTransaction("ROLLBACK")
            released.signal()
        }
        let policy = LockPolicy(statementTimeout: .milliseconds(200), retries: 0, onlineTimeout: .seconds(20))
        let started = Result { try registry.applyApproved(desired, lockPolicy: policy) }
        released.wait()
        let outcome = try started.get()
        #expect(outcome.applied.map(\.entity) == ["AuditEvent"], "\(outcome.refused.map(\.message))")
        #expect(Set(try Self.indexes(database).keys) == ["AuditEvent_pkey"])
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// A build killed on the partition of another schema left its index there INVALID, which
    /// `IF NOT EXISTS` would take for done (and attach, leaving the table's index INVALID for
    /// good): the start finds it in that schema, drops it and builds it again.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func anInvalidIndexOnAPartitionOfAnotherSchemaIsBuiltAgain() throws {
        let (database, registry, location) = try Self.partitioned()
        defer { database.close() }
        let desired = try Self.desired(Self.before.replacingOccurrences(of: "action: { type: string }", with: "action: { type: string, index: true }"))
        try Self.scanApprove(desired, registry)
        // A build stopped half-way (here by its timeout, while a writer's transaction was open)
        // leaves its index in the catalog, INVALID.
        let writer = try PostgresRegistryDatabase(location: try #require(location.postgres))
        defer { writer.close() }
        let builder = try PostgresRegistryDatabase(location: try #require(location.postgres))
        defer { builder.close() }
        try writer.executeOutsideTransaction("BEGIN")
        try writer.executeOutsideTransaction(#"INSERT INTO "AuditEvent" ("id", "at", "actorId", "action", "kind") VALUES ('e5', '2024-05-01', 'u1', 'read', 'k5')"#)
        try builder.executeOutsideTransaction("SET statement_timeout = '300ms'")
        #expect(throws: SchemaError.self) {
            try builder.executeOutsideTransaction(#"CREATE INDEX CONCURRENTLY "AuditEvent_2024_action_idx" ON "archive"."AuditEvent_2024"("action")"#)
        }
        try writer.executeOutsideTransaction("ROLLBACK")
        let left = try Self.rows(#"SELECT CASE WHEN i.indisvalid THEN 1 ELSE 0 END AS "valid" FROM pg_index AS i WHERE i.indexrelid = CAST('"archive"."AuditEvent_2024_action_idx"' AS regclass)"#, database)
        try #require(left.first?["valid"]?.integer == 0, "the stopped build left an INVALID index")
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity) == ["AuditEvent"], "\(outcome.refused.map(\.message))")
        let built = try Self.indexes(database)["AuditEvent_action_idx"]
        #expect(built.map { $0.valid && $0.attached == 3 } == true, "\(String(describing: built))")
        let archived = try Self.rows(#"SELECT CASE WHEN i.indisvalid THEN 1 ELSE 0 END AS "valid" FROM pg_index AS i WHERE i.indexrelid = CAST('"archive"."AuditEvent_2024_action_idx"' AS regclass)"#, database)
        #expect(archived.first?["valid"]?.integer == 1)
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// A key from a plain table to the partitioned one: PostgreSQL keeps a copy of it per
    /// partition on the referencing table, which is no drift.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aKeyToThePartitionedTableIsNoDrift() throws {
        let (database, registry, _) = try Self.partitioned()
        defer { database.close() }
        let remark = """

              - name: Remark
                fields:
                  id: { type: string, primary: true }
                  eventId: { type: string }
                  eventAt: { type: datetime }
                relations:
                  - { name: event, type: belongsTo, entity: AuditEvent, fields: [eventId, eventAt], references: [id, at] }
            """
        let desired = try Self.desired(Self.before + remark)
        try Self.scanApprove(desired, registry)
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity) == ["Remark"], "\(outcome.refused.map(\.message))")
        let copies = try Self.rows(#"SELECT COUNT(*) AS "count" FROM pg_constraint WHERE conrelid = CAST('"Remark"' AS regclass) AND contype = 'f'"#, database)
        #expect(copies.first?["count"]?.integer == 6, "the key and a copy per partition, at both levels")
        #expect(try CompoundForeignKeyTests.refuses(#"INSERT INTO "Remark" ("id", "eventId", "eventAt") VALUES ('r1', 'e9', '2025-03-01')"#, table: "Remark", database))
        let report = try registry.drift(host: Desired.host)
        #expect(!report.hasDrift, "\(report)")
    }

    /// A column made required with a default fills its NULLs by walking each partition's pages
    /// (the partitioned table has none of its own).
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aBackfillWalksEachPartition() throws {
        let (database, registry, _) = try Self.partitioned()
        defer { database.close() }
        let nullable = try Self.desired(Self.before + "\n      note: { type: string, nullable: true }")
        try Self.scanApprove(nullable, registry)
        #expect(try registry.applyApproved(nullable).applied.count == 1)
        let required = try Self.desired(Self.before + "\n      note: { type: string, default: \"x\" }")
        try Self.scanApprove(required, registry)
        let outcome = try registry.applyApproved(required)
        #expect(outcome.applied.map(\.entity) == ["AuditEvent"], "\(outcome.refused.map(\.message))")
        let walked = outcome.statements.filter { $0.execution == .pageBatches }.compactMap { $0.sql.split(separator: " SET ").first.map(String.init) }
        #expect(walked == [#"WITH "filled" AS (UPDATE "archive"."AuditEvent_2024""#, #"WITH "filled" AS (UPDATE "AuditEvent_2025""#,
                           #"WITH "filled" AS (UPDATE "AuditEvent_2026a""#, #"WITH "filled" AS (UPDATE "AuditEvent_2026b""#], "\(walked)")
        let filled = try Self.rows(#"SELECT COUNT(*) AS "count" FROM "AuditEvent" WHERE "note" = 'x'"#, database)
        #expect(filled.first?["count"]?.integer == 4)
        let report = try registry.drift(host: Desired.host)
        #expect(!report.hasDrift, "\(report)")
    }

    /// A rolled-out change builds its new unique index in the contract (`schema complete`): the
    /// start refuses one that could never be built, and `complete` checks again, for a table
    /// partitioned after the start.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aUniqueIndexAContractBuildsIsCheckedAtTheStartAndAtComplete() throws {
        let unique = Self.before + "\n    indexes:\n      - { fields: [kind], unique: true }"
        let (database, registry, _) = try Self.partitioned()
        defer { database.close() }
        let rolling = try Self.desired(unique, deploys: .rolling)
        try Self.scanApprove(rolling, registry)
        let plan = try ApplyEngine(registry: registry, desiredState: { rolling }).plan()
        #expect(plan.refused.map(\.code) == [.partitionKeyMissing], "\(plan.refused.map(\.message))")

        // A plain table when the start runs the expand, partitioned before `complete`.
        let (plain, _) = try Backend.postgres.makeDatabase()
        defer { plain.close() }
        let plainRegistry = Registry(database: plain)
        try plainRegistry.addAdmin("alice", by: nil)
        let first = try Self.desired(Self.before)
        try Self.scanApprove(first, plainRegistry)
        #expect(try plainRegistry.applyApproved(first).applied.count == 1)
        try Self.scanApprove(rolling, plainRegistry)
        let expand = try plainRegistry.applyApproved(rolling)
        #expect(expand.applied.map(\.entity) == ["AuditEvent"], "\(expand.refused.map(\.message))")
        try Self.partition(plain)
        let complete = #expect(throws: SchemaError.self) {
            try ApplyEngine(registry: plainRegistry, desiredState: { rolling }).finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice"))
        }
        #expect(complete?.code == .partitionKeyMissing, "\(String(describing: complete))")
        #expect(Set(try Self.indexes(plain).keys) == ["AuditEvent_pkey", "AuditEvent_kind_idx"], "nothing ran")
    }
}
