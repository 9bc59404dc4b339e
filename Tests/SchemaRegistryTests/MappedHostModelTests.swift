import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// A package's relation to a host model that Prisma maps to another table and column
/// (`@@map("accounts")`, `@map("account_id")`) references that table and column (issue 20): it used
/// to reference "Account"("id") and fail at apply.
@Suite(.serialized) struct MappedHostModelTests {
    static let host = PrismaSchemaParser.parse("""
        /** Block comments are comments. */
        model Account {
          id    String @id @map("account_id")
          email String @unique

          @@map("accounts")
        }
        """, file: "prisma/schema.prisma").schema

    static let notes = """
        entities:
          - name: Note
            fields:
              id: { type: string, primary: true }
              accountId: { type: string }
              body: { type: string }
            relations:
              - name: account
                type: belongsTo
                entity: Account
                field: accountId
                onDelete: Cascade
        """

    @Test(arguments: Backend.available)
    func aRelationToAMappedHostModelApplies(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        // The host's table, as Prisma Migrate creates it for the model above.
        try database.withLockedTransaction { try $0.execute(#"CREATE TABLE "accounts" ("account_id" TEXT NOT NULL PRIMARY KEY, "email" TEXT NOT NULL)"#) }
        let desired = DesiredState.resolve(.inMemory(["notes": Self.notes], baseSchema: Self.host))
        try #require(desired.isValid, "\(desired.errors)")
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        _ = try registry.scan(desired, principal: "ci")
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext).accepted.count == 1)
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity) == ["Note"], "\(outcome.refused.map(\.message))")
        let reference = try database.withLockedTransaction { connection -> String? in
            switch connection.dialect {
            case .sqlite:
                let row = try connection.query(#"SELECT "table", "to" FROM pragma_foreign_key_list('Note')"#, []).first
                return row.map { "\($0["table"]?.text ?? "")(\($0["to"]?.text ?? ""))" }
            case .postgresql:
                return try connection.query(#"SELECT pg_get_constraintdef(oid) AS "def" FROM pg_constraint WHERE conrelid = '"Note"'::regclass AND contype = 'f'"#, [])
                    .first?["def"]?.text
            }
        }
        #expect(reference?.contains("accounts(account_id)") == true, "\(reference ?? "no foreign key")")
        // The foreign key works: a note for a missing account is refused, one for a real account is kept.
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "accounts" VALUES ('a1', 'a@x')"#) }
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Note" ("id", "accountId", "body") VALUES ('n1', 'a1', 'hi')"#) }
        if backend == .postgres {
            #expect(throws: SchemaError.self) {
                try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Note" ("id", "accountId", "body") VALUES ('n2', 'nobody', 'hi')"#) }
            }
        }
        #expect(!(try registry.drift(host: Self.host)).hasDrift, "the live foreign key is the one the registry expects")
    }

    /// PostgreSQL: a relation to a host table the database does not have yet (the host's migrations
    /// have not run) is refused before anything runs, named, and the item stays approved; once the
    /// table exists the next start applies it. It used to fail half-way with `relation does not exist`
    /// and mark the item failed at every restart.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aMissingHostTableIsRefusedAndTheItemStaysApproved() throws {
        let (database, _) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        let desired = DesiredState.resolve(.inMemory(["notes": Self.notes], baseSchema: Self.host))
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        _ = try registry.scan(desired, principal: "ci")
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext).accepted.count == 1)
        // Said before the start: `list --verbose` and the review page show it with the item.
        let approved = try registry.items(in: [.approved])
        let blockers = try registry.impact(of: approved, context: desired.renderContext)[approved.first?.id ?? ""]?.blockers ?? []
        #expect(blockers.count == 1 && blockers.first?.contains("accounts") == true, "\(blockers)")
        let plan = try ApplyEngine(registry: registry, desiredState: { desired }).plan()
        #expect(plan.refused.map(\.code) == [.hostTableMissing] && plan.refused.first?.message.contains("accounts") == true, "\(plan.refused)")
        let refused = try registry.applyApproved(desired)
        #expect(refused.applied.isEmpty && refused.refused.map(\.code) == [.hostTableMissing])
        #expect(try registry.items(in: [.approved]).count == 1, "the approval stays good for when the host's tables exist")
        try database.withLockedTransaction { try $0.execute(#"CREATE TABLE "accounts" ("account_id" TEXT NOT NULL PRIMARY KEY, "email" TEXT NOT NULL)"#) }
        #expect(try registry.impact(of: approved, context: desired.renderContext)[approved.first?.id ?? ""]?.blockers == [], "nothing blocks it now")
        #expect(try registry.applyApproved(desired).applied.map(\.entity) == ["Note"])
    }
}

/// A host with Prisma's multi-schema (`schemas = ["public", "auth"]`), as Supabase apps have it: a
/// package's relation to a host model in the `auth` schema references `"auth"."users"`, drift
/// compares it so, and a start before the host's table exists waits for it by that name.
@Suite struct MultiSchemaHostTests {
    static let host = PrismaSchemaParser.parse("""
        datasource db {
          provider = "postgresql"
          schemas  = ["public", "auth"]
        }
        model User {
          id    String @id @db.Uuid
          email String

          @@map("users")
          @@schema("auth")
        }
        """, file: "prisma/schema.prisma").schema

    static let notes = """
        entities:
          - name: Note
            fields:
              id: { type: string, primary: true }
              userId: { type: string, db: Uuid }
            relations:
              - { name: user, type: belongsTo, entity: User, field: userId, onDelete: Cascade }
        """

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aRelationToAModelOfTheAuthSchemaApplies() throws {
        let (database, _) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        // A table of the same name in public: the foreign key must not take it.
        try database.withLockedTransaction { try $0.execute(#"CREATE TABLE "users" ("id" UUID PRIMARY KEY)"#) }
        let desired = DesiredState.resolve(.inMemory(["notes": Self.notes], baseSchema: Self.host))
        try #require(desired.isValid, "\(desired.errors)")
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
        let waiting = try registry.applyApproved(desired)
        #expect(waiting.applied.isEmpty && waiting.refused.first?.message.contains("auth.users") == true, "\(waiting.refused.map(\.message))")

        // The host's migrations run: the schema and its table exist.
        try database.withLockedTransaction { connection in
            try connection.execute(#"CREATE SCHEMA "auth""#)
            try connection.execute(#"CREATE TABLE "auth"."users" ("id" UUID NOT NULL, "email" TEXT NOT NULL, CONSTRAINT "users_pkey" PRIMARY KEY ("id"))"#)
        }
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity) == ["Note"], "\(outcome.refused.map(\.message))")
        let definition = try EnumTypeApplyTests.text(#"SELECT pg_get_constraintdef(oid) AS "value" FROM pg_constraint WHERE conrelid = '"Note"'::regclass AND contype = 'f'"#, database)
        #expect(definition?.contains("REFERENCES auth.users(id) ON UPDATE CASCADE ON DELETE CASCADE") == true, "\(definition ?? "no foreign key")")
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "auth"."users" VALUES ('00000000-0000-0000-0000-000000000001', 'a@x')"#) }
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Note" VALUES ('n1', '00000000-0000-0000-0000-000000000001')"#) }
        #expect(throws: SchemaError.self) {
            try database.withLockedTransaction { try $0.execute(#"INSERT INTO "users" VALUES ('00000000-0000-0000-0000-000000000002')"#); try $0.execute(#"INSERT INTO "Note" VALUES ('n2', '00000000-0000-0000-0000-000000000002')"#) }
        }
        #expect(!(try registry.drift(host: Self.host)).hasDrift)
        // Pointed at public.users by hand: drift says so.
        try database.withLockedTransaction { connection in
            try connection.execute(#"ALTER TABLE "Note" DROP CONSTRAINT "Note_userId_fkey""#)
            try connection.execute(#"ALTER TABLE "Note" ADD CONSTRAINT "Note_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE NOT VALID"#)
        }
        let drift = try registry.drift(host: Self.host)
        #expect(drift.drifted.map(\.entity) == ["Note"] && "\(drift.drifted.first?.differences ?? [])".contains("auth.users"), "\(drift.drifted)")
    }
}
