import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// A data check that reads a column another change of the same start adds: a key to a unique
/// column of its target that the target gains in that start. Before the start the column is not
/// there, so the count cannot be asked; like a table the start creates, the database's own check
/// of the constraint decides, instead of the whole start failing once with `data-check-failed`.
@Suite(.serialized) struct DataCheckReadsNewColumnTests {
    static let before = """
        entities:
          - name: Rule
            fields:
              id: { type: string, primary: true }
              name: { type: string }
          - name: Task
            fields:
              id: { type: string, primary: true }
              ruleSlug: { type: string, nullable: true }
        """

    /// The same package, one start later: Rule gains a unique `slug`, and Task a key to it.
    static let after = """
        entities:
          - name: Rule
            fields:
              id: { type: string, primary: true }
              name: { type: string }
              slug: { type: string, nullable: true, unique: true }
          - name: Task
            fields:
              id: { type: string, primary: true }
              ruleSlug: { type: string, nullable: true }
            relations:
              - { name: rule, type: belongsTo, entity: Rule, fields: [ruleSlug], references: [slug] }
        """

    static func desired(_ yaml: String) throws -> DesiredState {
        var workspace = Workspace.inMemory(["rules": yaml])
        workspace.configuration.deploys = .recreate
        let desired = DesiredState.resolve(workspace)
        try #require(desired.isValid, "\(desired.errors.map(\.message))")
        return desired
    }

    static func scanApproveApply(_ desired: DesiredState, _ registry: Registry) throws -> ApplyOutcome {
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
        return try registry.applyApproved(desired)
    }

    /// The first version applied on `backend`, with a rule and a task without a slug.
    static func applied(on backend: Backend) throws -> (database: any RegistryDatabase, registry: Registry, location: DatabaseLocation) {
        let (database, location) = try backend.makeDatabase()
        do {
            let registry = Registry(database: database)
            try registry.addAdmin("alice", by: nil)
            let first = try Self.scanApproveApply(try Self.desired(Self.before), registry)
            #expect(first.applied.count == 2, "\(first.refused.map(\.message))")
            try database.withLockedTransaction { connection in
                try connection.execute(#"INSERT INTO "Rule" ("id", "name") VALUES ('r1', 'one')"#)
                try connection.execute(#"INSERT INTO "Task" ("id", "ruleSlug") VALUES ('t1', NULL)"#)
            }
            return (database, registry, location)
        } catch {
            database.close()
            throw error
        }
    }

    /// Task's change queued before Rule's (the queue's order is when a change was scanned).
    static func queueTaskFirst(_ database: any RegistryDatabase, _ registry: Registry) throws {
        try database.withLockedTransaction { connection in
            try connection.execute(#"UPDATE \#(connection.names.queue) SET "created_at" = '2000-01-01T00:00:00Z' WHERE "entity" = 'Task'"#)
        }
        #expect(try registry.items(in: [.approved]).map(\.entity) == ["Task", "Rule"])
    }

    @Test(arguments: Backend.available)
    func aKeyToAColumnTheSameStartAddsAppliesInThatStart(_ backend: Backend) throws {
        let (database, registry, _) = try Self.applied(on: backend)
        defer { database.close() }
        let desired = try Self.desired(Self.after)
        // The review says why the key's rows are not counted, instead of a failed query.
        _ = try registry.scan(desired, principal: "ci")
        let impacts = try registry.impact(of: try registry.items(in: [.pending]), context: desired.renderContext)
        let notes = impacts.values.flatMap(\.checks).compactMap(\.note)
        #expect(notes.contains { $0.contains("Rule.slug does not exist yet") }, "\(impacts.values.map(\.checks))")
        #expect(!impacts.values.flatMap(\.checks).contains { $0.failure != nil }, "\(impacts.values.map(\.checks))")

        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
        // Task's change queued first: the start still builds Rule's index before Task's key needs it.
        try Self.queueTaskFirst(database, registry)
        let plan = try ApplyEngine(registry: registry, desiredState: { desired }).plan()
        let order = plan.statements.map(\.sql)
        let index = order.firstIndex { $0.contains("UNIQUE INDEX") && $0.contains("slug") }
        let key = order.firstIndex { $0.contains("FOREIGN KEY") }
        #expect(index != nil && key != nil, "\(order)")
        if backend == .postgres {
            // A foreign key needs its unique index; SQLite checks keys only when rows are written.
            #expect(index ?? 0 < key ?? 0, "\(order)")
        }
        let second = try registry.applyApproved(desired)
        #expect(second.refused.isEmpty, "\(second.refused.map(\.message))")
        #expect(Set(second.applied.map(\.entity)) == ["Rule", "Task"])
        try database.withLockedTransaction { try $0.execute(#"UPDATE "Rule" SET "slug" = 'one' WHERE "id" = 'r1'"#) }
        try database.withLockedTransaction { try $0.execute(#"UPDATE "Task" SET "ruleSlug" = 'one' WHERE "id" = 't1'"#) }
        #expect(try CompoundForeignKeyTests.refuses(#"INSERT INTO "Task" ("id", "ruleSlug") VALUES ('t2', 'two')"#, table: "Task", database), "the key holds")
        #expect(!(try registry.drift(host: nil)).hasDrift)
    }

    /// A start stopped after its first transaction (Rule's index build timed out behind a writer)
    /// resumes both changes in the same order: Rule's index, then Task's key.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aResumedStartBuildsTheIndexBeforeTheKey() throws {
        let (database, registry, location) = try Self.applied(on: .postgres)
        defer { database.close() }
        let desired = try Self.desired(Self.after)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
        try Self.queueTaskFirst(database, registry)
        // A transaction holding a snapshot: a concurrent build waits for it to end, and gives up.
        // (It locks no table, so the first transaction's ALTERs do not wait for it.)
        let writer = try PostgresRegistryDatabase(location: try #require(location.postgres))
        defer { writer.close() }
        try writer.executeOutsideTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ")
        try writer.executeOutsideTransaction("SELECT 1")
        let impatient = LockPolicy(statementTimeout: .milliseconds(200), retries: 0, onlineTimeout: .milliseconds(200))
        #expect(throws: (any Error).self) { try registry.applyApproved(desired, lockPolicy: impatient) }
        try writer.executeOutsideTransaction("ROLLBACK")
        let started = try registry.items(in: [.approved])
        #expect(Set(started.filter { $0.progress > 0 }.map(\.entity)) == ["Task", "Rule"],
                "both first transactions committed: \(started.map { ($0.entity, $0.progress) })")

        let resumed = try registry.applyApproved(desired)
        #expect(resumed.applied.map(\.entity) == ["Rule", "Task"], "\(resumed.refused.map(\.message))")
        #expect(try CompoundForeignKeyTests.refuses(#"INSERT INTO "Task" ("id", "ruleSlug") VALUES ('t2', 'two')"#, table: "Task", database), "the key holds")
        #expect(!(try registry.drift(host: nil)).hasDrift)
    }

    /// Rule adds a key online too (to Account's unique `code`), so both items go after the others:
    /// among them Task, queued first, still waits for Rule's index.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aKeyWaitsForTheIndexOfAnotherItemThatAddsAKeyOnlineToo() throws {
        let account = """
              - name: Account
                fields:
                  id: { type: string, primary: true }
                  code: { type: string, unique: true }
            """
        let before = Self.before.replacingOccurrences(of: "      name: { type: string }\n", with: "      name: { type: string }\n      accountCode: { type: string, nullable: true }\n") + "\n" + account
        let after = Self.after.replacingOccurrences(of: "      name: { type: string }\n", with: "      name: { type: string }\n      accountCode: { type: string, nullable: true }\n")
            .replacingOccurrences(of: "      slug: { type: string, nullable: true, unique: true }\n",
                                  with: "      slug: { type: string, nullable: true, unique: true }\n    relations:\n      - { name: account, type: belongsTo, entity: Account, fields: [accountCode], references: [code] }\n")
            + "\n" + account
        let (database, _) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        #expect(try Self.scanApproveApply(try Self.desired(before), registry).applied.count == 3)
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Rule" ("id", "name") VALUES ('r1', 'one')"#)
            try connection.execute(#"INSERT INTO "Task" ("id", "ruleSlug") VALUES ('t1', NULL)"#)
        }
        let desired = try Self.desired(after)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
        try Self.queueTaskFirst(database, registry)
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.refused.isEmpty && Set(outcome.applied.map(\.entity)) == ["Rule", "Task"], "\(outcome.refused.map(\.message))")
        #expect(try CompoundForeignKeyTests.refuses(#"INSERT INTO "Task" ("id", "ruleSlug") VALUES ('t2', 'two')"#, table: "Task", database), "the key holds")
        #expect(!(try registry.drift(host: nil)).hasDrift)
    }

    /// Rule's unique `code` renamed to `slug` in the start that gives Task a key to it: the key's
    /// rows are counted by the column's name now, before anything runs, and a task matching no
    /// rule refuses Task's change alone (Rule's rename applies).
    @Test(arguments: Backend.available)
    func aKeyToAColumnTheSameStartRenamesIsCountedFirst(_ backend: Backend) throws {
        let (database, location) = try backend.makeDatabase()
        _ = location
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let before = Self.before.replacingOccurrences(of: "      name: { type: string }\n", with: "      name: { type: string }\n      code: { type: string, nullable: true, unique: true }\n")
        let after = Self.after.replacingOccurrences(of: "slug: { type: string, nullable: true, unique: true }", with: "slug: { type: string, nullable: true, unique: true, renamedFrom: code }")
        #expect(try Self.scanApproveApply(try Self.desired(before), registry).applied.count == 2)
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Rule" ("id", "name", "code") VALUES ('r1', 'one', 'one')"#)
            try connection.execute(#"INSERT INTO "Task" ("id", "ruleSlug") VALUES ('t1', 'one'), ('t2', 'ghost'), ('t3', NULL)"#)
        }
        let desired = try Self.desired(after)
        _ = try registry.scan(desired, principal: "ci")
        // The review and the approval count it too.
        let impacts = try registry.impact(of: try registry.items(in: [.pending]), context: desired.renderContext)
        #expect(impacts.values.flatMap(\.checks).contains { $0.count == 1 && $0.description.contains("whose ruleSlug matches no Rule") }, "\(impacts.values.map(\.checks))")
        let decided = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
        #expect(decided.blocked.map(\.entity) == ["Task"], "\(decided.blocked)")
        let plan = try ApplyEngine(registry: registry, desiredState: { desired }).plan()
        #expect(plan.items.map(\.entity) == ["Rule"], "\(plan.refused.map(\.message))")
        #expect(plan.refused.map(\.code) == [.dataViolation] && plan.refused.first?.message.contains("1 row of Task whose ruleSlug matches no Rule") == true,
                "\(plan.refused.map(\.message))")
        #expect(plan.refused.first?.message.contains("(for example t2)") == true, "the row is named: \(plan.refused.map(\.message))")

        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity) == ["Rule"] && outcome.refused.map(\.code) == [.dataViolation], "\(outcome.refused.map(\.message))")
        // The row fixed, Task's change scanned and approved again applies.
        try database.withLockedTransaction { try $0.execute(#"UPDATE "Task" SET "ruleSlug" = 'one' WHERE "id" = 't2'"#) }
        let again = try Self.scanApproveApply(desired, registry)
        #expect(again.applied.map(\.entity) == ["Task"], "\(again.refused.map(\.message))")
        #expect(try CompoundForeignKeyTests.refuses(#"INSERT INTO "Task" ("id", "ruleSlug") VALUES ('t4', 'two')"#, table: "Task", database), "the key holds")
        #expect(!(try registry.drift(host: nil)).hasDrift)
    }
}
