import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Foreign keys of several columns (issue 20), as multi-tenant Prisma apps write them: a key
/// that carries the tenant with the id and references a `@@unique([id, tenantId])` of the target
/// (inbox-zero's `Action.rule`, four of its foreign keys), and one to a compound `@@id`.
@Suite(.serialized) struct CompoundForeignKeyTests {
    static let schema = """
        datasource db {
          provider = "postgresql"
          url      = env("DATABASE_URL")
        }

        model EmailAccount {
          id    String @id
          rules Rule[]
        }

        model Rule {
          id             String       @id
          emailAccountId String
          name           String
          emailAccount   EmailAccount @relation(fields: [emailAccountId], references: [id], onDelete: Cascade)
          actions        Action[]

          @@unique([id, emailAccountId])
        }

        model Action {
          id             String @id
          ruleId         String
          emailAccountId String
          rule           Rule   @relation(fields: [ruleId, emailAccountId], references: [id, emailAccountId], onDelete: Cascade)
        }

        model Membership {
          tenantId String
          userId   String
          grants   Grant[]

          @@id([tenantId, userId])
        }

        model Grant {
          id         Int         @id @default(autoincrement())
          tenantId   String?
          userId     String?
          membership Membership? @relation(fields: [tenantId, userId], references: [tenantId, userId])
        }
        """

    /// What `prisma migrate dev` writes for the schema above, by hand from its conventions: the
    /// key's name joins every column (`Action_ruleId_emailAccountId_fkey`), an optional relation
    /// sets NULL on delete.
    static let prismaMigrateSQL = [
        #"CREATE TABLE "EmailAccount" ("id" TEXT NOT NULL, CONSTRAINT "EmailAccount_pkey" PRIMARY KEY ("id"))"#,
        #"CREATE TABLE "Rule" ("id" TEXT NOT NULL, "emailAccountId" TEXT NOT NULL, "name" TEXT NOT NULL, CONSTRAINT "Rule_pkey" PRIMARY KEY ("id"))"#,
        #"CREATE TABLE "Action" ("id" TEXT NOT NULL, "ruleId" TEXT NOT NULL, "emailAccountId" TEXT NOT NULL, CONSTRAINT "Action_pkey" PRIMARY KEY ("id"))"#,
        #"CREATE TABLE "Membership" ("tenantId" TEXT NOT NULL, "userId" TEXT NOT NULL, CONSTRAINT "Membership_pkey" PRIMARY KEY ("tenantId","userId"))"#,
        #"CREATE TABLE "Grant" ("id" SERIAL NOT NULL, "tenantId" TEXT, "userId" TEXT, CONSTRAINT "Grant_pkey" PRIMARY KEY ("id"))"#,
        #"CREATE UNIQUE INDEX "Rule_id_emailAccountId_key" ON "Rule"("id", "emailAccountId")"#,
        #"ALTER TABLE "Rule" ADD CONSTRAINT "Rule_emailAccountId_fkey" FOREIGN KEY ("emailAccountId") REFERENCES "EmailAccount"("id") ON DELETE CASCADE ON UPDATE CASCADE"#,
        #"ALTER TABLE "Action" ADD CONSTRAINT "Action_ruleId_emailAccountId_fkey" FOREIGN KEY ("ruleId", "emailAccountId") REFERENCES "Rule"("id", "emailAccountId") ON DELETE CASCADE ON UPDATE CASCADE"#,
        #"ALTER TABLE "Grant" ADD CONSTRAINT "Grant_tenantId_userId_fkey" FOREIGN KEY ("tenantId", "userId") REFERENCES "Membership"("tenantId", "userId") ON DELETE SET NULL ON UPDATE CASCADE"#,
    ]

    static func imported() throws -> (yaml: String, desired: DesiredState) {
        try Desired.imported(Self.schema, as: "tenancy")
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func importedKeysOfSeveralColumnsApplyAsPrismaMigrateMakesThem() throws {
        let (yaml, desired) = try Self.imported()
        #expect(yaml.contains("fields: [ruleId, emailAccountId], references: [id, emailAccountId]"), "\(yaml)")
        #expect(yaml.contains("fields: [tenantId, userId]") && !yaml.contains("references: [tenantId, userId]"), "a key's own fields go without references: \(yaml)")
        let (database, registry, outcome) = try Registry.applied(desired, on: .postgres)
        defer { database.close() }
        #expect(outcome.applied.count == 5, "\(outcome.refused.map(\.message))")
        let (ours, prisma) = try Introspection.againstPrisma(database, Self.prismaMigrateSQL)
        #expect(ours.contains { $0.contains("Action_ruleId_emailAccountId_fkey") }, "the comparison must not be vacuous: \(ours)")
        #expect(Set(ours).subtracting(prisma).sorted() == [], "ours, not Prisma's")
        #expect(Set(prisma).subtracting(ours).sorted() == [], "Prisma's, not ours")
        let drift = try registry.drift(host: nil)
        #expect(!drift.hasDrift, "\(drift.drifted.map(\.differences))")

        // The generated models say what the app's schema says.
        try registry.expectFragmentLines([#"rule Rule @relation(fields: [ruleId, emailAccountId], references: [id, emailAccountId], onDelete: Cascade)"#,
                                          #"membership Membership? @relation(fields: [tenantId, userId], references: [tenantId, userId], onDelete: SetNull)"#,
                                          "actions Action[]", "grants Grant[]", "@@unique([id, emailAccountId])"], host: nil)
    }

    /// Both databases: the key holds (a row naming a rule of another account is refused by the
    /// database), and adding such a key to a table with rows counts the rows it would break first.
    @Test(arguments: Backend.available)
    func aKeyOfSeveralColumnsHoldsAndIsCheckedBeforeItIsAdded(_ backend: Backend) throws {
        let (_, desired) = try Self.imported()
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.count == 5, "\(outcome.refused.map(\.message))")
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "EmailAccount" ("id") VALUES ('a1'), ('a2')"#)
            try connection.execute(#"INSERT INTO "Rule" ("id", "emailAccountId", "name") VALUES ('r1', 'a1', 'one')"#)
            try connection.execute(#"INSERT INTO "Action" ("id", "ruleId", "emailAccountId") VALUES ('x1', 'r1', 'a1')"#)
        }
        #expect(try Self.refuses(#"INSERT INTO "Action" ("id", "ruleId", "emailAccountId") VALUES ('x2', 'r1', 'a2')"#, table: "Action", database),
                "a rule of another account")

        // A table without the key gains it: its rows are counted first.
        let tasks = """
            entities:
              - name: Task
                fields:
                  id: { type: string, primary: true }
                  ruleId: { type: string, nullable: true }
                  emailAccountId: { type: string, nullable: true }
            """
        var workspace = Workspace.inMemory(["tenancy": try Self.imported().yaml, "tasks": tasks])
        workspace.configuration.deploys = .recreate
        let withTasks = DesiredState.resolve(workspace)
        try #require(withTasks.isValid, "\(withTasks.errors.map(\.message))")
        _ = try registry.scan(withTasks, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: withTasks.renderContext)
        #expect(try registry.applyApproved(withTasks).applied.map(\.entity) == ["Task"])
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Task" ("id", "ruleId", "emailAccountId") VALUES ('t1', 'r1', 'a1'), ('t2', 'r1', 'a2'), ('t3', 'r1', NULL)"#)
        }
        let linked = tasks + "\n    relations:\n      - { name: rule, type: belongsTo, entity: Rule, fields: [ruleId, emailAccountId], references: [id, emailAccountId] }\n"
        workspace = Workspace.inMemory(["tenancy": try Self.imported().yaml, "tasks": linked])
        workspace.configuration.deploys = .recreate
        let withKey = DesiredState.resolve(workspace)
        try #require(withKey.isValid, "\(withKey.errors.map(\.message))")
        _ = try registry.scan(withKey, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: withKey.renderContext)
        let refused = try registry.applyApproved(withKey)
        #expect(refused.applied.isEmpty)
        let message = refused.refused.first?.message ?? ""
        // t3 has a NULL column, so its key references nothing (MATCH SIMPLE): only t2 breaks it.
        #expect(message.contains("1 row of Task whose (ruleId, emailAccountId) matches no Rule") && message.contains("(for example t2)"), "\(message)")

        try database.withLockedTransaction { try $0.execute(#"UPDATE "Task" SET "emailAccountId" = 'a1' WHERE "id" = 't2'"#) }
        _ = try registry.scan(withKey, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: withKey.renderContext)
        #expect(try registry.applyApproved(withKey).applied.map(\.entity) == ["Task"])
        #expect(try Self.refuses(#"INSERT INTO "Task" ("id", "ruleId", "emailAccountId") VALUES ('t4', 'r1', 'a2')"#, table: "Task", database),
                "the new key holds")
        let drift = try registry.drift(host: nil)
        #expect(!drift.hasDrift, "\(drift.drifted.map(\.differences))")
    }

    /// PostgreSQL: a key of two columns dropped by hand is drift, named by its columns, and the
    /// repair (read from the live table under the lock) adds it back as it was.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aKeyOfSeveralColumnsDroppedByHandIsDriftAndRepaired() throws {
        let (_, desired) = try Self.imported()
        let (database, registry, outcome) = try Registry.applied(desired, on: .postgres)
        defer { database.close() }
        #expect(outcome.applied.count == 5)
        let before = try Introspection.describe(database)
        try database.withLockedTransaction { try $0.execute(#"ALTER TABLE "Action" DROP CONSTRAINT "Action_ruleId_emailAccountId_fkey""#) }
        let drift = try registry.drift(host: nil)
        let differences = drift.drifted.flatMap(\.differences)
        #expect(differences.count == 1 && differences.first?.object.contains("Action_ruleId_emailAccountId_fkey") == true, "\(differences)")
        let repairs = try registry.queueRepairs(host: nil, principal: "ci")
        #expect(repairs.refused.isEmpty, "\(repairs.refused)")
        let repair = try #require(repairs.queued.first)
        #expect(try registry.approve(.ids([repair.id]), as: "alice", allowDataLoss: true, allowRewrite: true).refused.isEmpty)
        #expect(try registry.applyApproved(desired).applied.map(\.action) == [.repair])
        #expect(try Introspection.describe(database) == before)
        #expect(!(try registry.drift(host: nil)).hasDrift)
    }

    /// PostgreSQL, rolling deploys: a column of a key of two fields renamed rolls out (the old
    /// version keeps writing the old name until `complete`), and `complete` leaves the key on the
    /// new column under Prisma's name for it, drift clean.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aRenamedColumnOfTheKeyRollsOut() throws {
        let v1 = """
            entities:
              - name: Rule
                fields:
                  id: { type: string, primary: true }
                  accountId: { type: string }
                indexes:
                  - { fields: [id, accountId], unique: true }
              - name: Action
                fields:
                  id: { type: string, primary: true }
                  ruleId: { type: string }
                  accountId: { type: string }
                relations:
                  - { name: rule, type: belongsTo, entity: Rule, fields: [ruleId, accountId], references: [id, accountId], onDelete: Cascade }
            """
        let fixture = try RolloutTests.Fixture.applied(v1, package: "rules", seed: #"INSERT INTO "Rule" ("id", "accountId") VALUES ('r1', 'a1'), ('r2', 'a2')"#)
        defer { fixture.database.close() }
        try fixture.asApplication(#"INSERT INTO "Action" ("id", "ruleId", "accountId") VALUES ('x1', 'r1', 'a1')"#)
        let v2 = v1.replacingOccurrences(of: "      ruleId: { type: string }\n      accountId: { type: string }",
                                         with: "      ruleId: { type: string }\n      tenantId: { type: string, renamedFrom: accountId }")
            .replacingOccurrences(of: "fields: [ruleId, accountId]", with: "fields: [ruleId, tenantId]")
        #expect(v2 != v1)
        let desired = try Desired.from(["rules": v2])
        _ = try fixture.registry.scan(desired, principal: "ci")
        _ = try fixture.registry.approve(.all, as: "alice", allowDataLoss: false)
        #expect(try fixture.registry.applyApproved(desired).applied.map(\.entity) == ["Action"])
        #expect(try fixture.registry.openRollouts().map(\.entity) == ["Action"])
        // The old version writes by the old name, the new one by the new; the key holds for both.
        try fixture.asApplication(#"INSERT INTO "Action" ("id", "ruleId", "accountId") VALUES ('x2', 'r2', 'a2')"#)
        try fixture.asApplication(#"INSERT INTO "Action" ("id", "ruleId", "tenantId") VALUES ('x3', 'r1', 'a1')"#)
        #expect(throws: (any Error).self) { try fixture.asApplication(#"INSERT INTO "Action" ("id", "ruleId", "accountId") VALUES ('x4', 'r1', 'a2')"#) }

        let done = try fixture.registry.completeRollouts(desired)
        #expect(done.finished.map(\.entity) == ["Action"], "\(done.waiting)")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM pg_constraint WHERE conname = 'Action_ruleId_tenantId_fkey'"#) == 1)
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM pg_constraint WHERE conname = 'Action_ruleId_accountId_fkey'"#) == 0)
        #expect(try fixture.text(#"SELECT string_agg("id" || '=' || "tenantId", ' ' ORDER BY "id") AS "value" FROM "Action""#) == "x1=a1 x2=a2 x3=a1")
        #expect(throws: (any Error).self) { try fixture.asApplication(#"INSERT INTO "Action" ("id", "ruleId", "tenantId") VALUES ('x5', 'r1', 'a2')"#) }
        let drift = try fixture.registry.drift(host: Desired.host)
        #expect(!drift.hasDrift, "\(drift.drifted.map(\.differences))")
    }

    /// Whether the database's foreign keys refuse `insert`. The registry's SQLite connection runs
    /// with them off (a table rebuild needs it), as Prisma Client's does not: there SQLite's own
    /// `foreign_key_check` reports the row, which is rolled back.
    static func refuses(_ insert: String, table: String, _ database: any RegistryDatabase) throws -> Bool {
        struct RolledBack: Error {}
        var violations = 0
        do {
            try database.withLockedTransaction { connection in
                try connection.execute(insert)
                if connection.dialect == .postgresql { return }
                violations = Int(try connection.query("SELECT COUNT(*) AS \"count\" FROM pragma_foreign_key_check('\(table)')", []).first?["count"]?.integer ?? 0)
                throw RolledBack()
            }
        } catch is RolledBack {
            return violations > 0
        } catch {
            return true
        }
        return false
    }
}
