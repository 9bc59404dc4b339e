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

    /// Applies a Note package over a host `accounts` table keyed by `accountsKey`, inserts `notes`
    /// (an SQL VALUES list) and scans the next version, which adds `accountId` (default 'nobody')
    /// with a relation to the host's Account. Returns the registry (admin alice) and that version.
    static func notesGainingAnAccountLink(_ database: any RegistryDatabase, accountsKey: String, notes: String) throws -> (Registry, DesiredState) {
        let plain = """
            entities:
              - name: Note
                fields:
                  id: { type: string, primary: true }
                  body: { type: string }
            """
        try database.withLockedTransaction { try $0.execute(#"CREATE TABLE "accounts" ("\#(accountsKey)" TEXT NOT NULL PRIMARY KEY, "email" TEXT NOT NULL)"#) }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let before = DesiredState.resolve(.inMemory(["notes": plain], baseSchema: host))
        _ = try registry.scan(before, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: before.renderContext)
        #expect(try registry.applyApproved(before).applied.count == 1)
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Note" ("id", "body") VALUES \#(notes)"#) }

        var workspace = Workspace.inMemory(["notes": plain.replacingOccurrences(of: "      body: { type: string }", with: """
                  body: { type: string }
                  accountId: { type: string, default: nobody }
                relations:
                  - { name: account, type: belongsTo, entity: Account, field: accountId }
            """)], baseSchema: host)
        workspace.configuration.deploys = .recreate
        let after = DesiredState.resolve(workspace)
        try #require(after.isValid, "\(after.errors)")
        _ = try registry.scan(after, principal: "ci")
        return (registry, after)
    }

    /// A new foreign-key column whose default matches no row of the mapped host table is counted
    /// against that table (`accounts`, not `Account`) and refuses the change with the count. (The
    /// check asked the model's name, which no table has: it read as "not counted" and the start
    /// ran into the foreign key.)
    @Test(arguments: Backend.available)
    func aNewForeignKeyDefaultIsCheckedAgainstTheMappedTable(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let (registry, after) = try Self.notesGainingAnAccountLink(database, accountsKey: "account_id", notes: "('n1', 'hi'), ('n2', 'there')")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: after.renderContext)
        let outcome = try registry.applyApproved(after)
        #expect(outcome.refused.map(\.code) == [.dataViolation], "\(outcome.refused.map(\.message))")
        #expect(outcome.refused.first?.message.contains("2 rows of Note whose new accountId gets the default 'nobody', which matches no Account") == true,
                "\(outcome.refused.map(\.message))")
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "accounts" VALUES ('nobody', 'n@x')"#) }
        _ = try registry.scan(after, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: after.renderContext)
        #expect(try registry.applyApproved(after).applied.map(\.entity) == ["Note"])
    }

    /// A data check that cannot be asked (here the host's migrations have not caught up: its table
    /// still has the key column `id`, not the `account_id` the host schema maps) refuses the change
    /// before anything runs, with the query's error, and the item stays approved; once the column
    /// is there, the next start asks again and applies it without a new approval. (A check whose
    /// query failed read as "not counted", and the start ran into the foreign key: on PostgreSQL
    /// the statement failed and the item was marked failed.)
    @Test(arguments: Backend.available)
    func aDataCheckThatCannotBeAskedHoldsTheChangeBack(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let (registry, after) = try Self.notesGainingAnAccountLink(database, accountsKey: "id", notes: "('n1', 'hi')")
        let approval = try registry.approve(.all, as: "alice", allowDataLoss: false, context: after.renderContext)
        #expect(approval.blocked.first?.code == .dataCheckFailed, "approve warns: \(approval.blocked.map(\.message))")

        let planned = try ApplyEngine(registry: registry, desiredState: { after }).plan()
        #expect(planned.refused.map(\.code) == [.dataCheckFailed], "plan says what apply does: \(planned.refused.map(\.message))")
        let outcome = try registry.applyApproved(after)
        #expect(outcome.refused.map(\.code) == [.dataCheckFailed], "\(outcome.refused.map(\.message))")
        let message = outcome.refused.first?.message ?? ""
        #expect(message.contains("could not be asked") && message.contains("account_id") && message.contains("stays approved"), "\(message)")
        #expect(outcome.applied.isEmpty)
        #expect(try registry.items(in: [.approved]).map(\.entity) == ["Note"], "the approval stays good for the next start")

        try database.withLockedTransaction { connection in
            try connection.execute(#"ALTER TABLE "accounts" RENAME COLUMN "id" TO "account_id""#)
            try connection.execute(#"INSERT INTO "accounts" VALUES ('nobody', 'n@x')"#)
        }
        #expect(try registry.applyApproved(after).applied.map(\.entity) == ["Note"])
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

/// A host whose `DATABASE_URL` names its schema (`?schema=app`, as Prisma reads it): the host's
/// tables are in `app`, so the package tables must be made there too, beside them, where the
/// host's Prisma Client (whose sessions search `app` alone) finds them (issue 20).
@Suite struct ConnectionSchemaTests {
    static let notes = """
        entities:
          - name: Note
            fields:
              id: { type: string, primary: true }
              userId: { type: string }
              body: { type: string, nullable: true }
            relations:
              - { name: user, type: belongsTo, entity: User, field: userId }
        """

    /// `location` with `?schema=` set.
    static func inSchema(_ location: DatabaseLocation, _ schema: String) throws -> DatabaseLocation {
        guard case .postgres(var server) = location else { throw SchemaError(.usage, "not PostgreSQL") }
        server.schema = schema
        return .postgres(server)
    }

    @Test func theURLsSchemaIsPrismas() throws {
        let location = try PostgresLocation(url: "postgres://app@db:5432/shop?schema=tenant_a&sslmode=disable")
        #expect(location.schema == "tenant_a" && location.description.contains("schema=tenant_a"))
        #expect(try PostgresLocation(url: "postgres://app@db/shop").schema == nil)
        for bad in ["?schema=", "?schema=" + String(repeating: "s", count: 64), "?schema=a%0Ab", "?schema=schema_registry"] {
            #expect(throws: SchemaError.self, "\(bad)") { try PostgresLocation(url: "postgres://app@db/shop" + bad) }
        }
    }

    /// A multi-schema host places every model with `@@schema` and the package models say
    /// `@@schema("public")`: a URL naming another schema is refused before anything is opened.
    @Test func aMultiSchemaHostRefusesAnotherSchemaInTheURL() throws {
        let root = URL(fileURLWithPath: "/nonexistent")
        let elsewhere = try DatabaseLocation.parse("postgres://app@db:5432/shop?schema=tenant_a", root: root)
        let error = try #require(throws: SchemaError.self) { try elsewhere.requireSchema(matching: MultiSchemaHostTests.host) }
        #expect(error.code == .usage && error.message.contains("schema=tenant_a") && error.message.contains("schemas = [public, auth]")
                && error.message.contains("Remove schema= from the URL"), "\(error.message)")
        for fine in ["postgres://app@db:5432/shop", "postgres://app@db:5432/shop?schema=public"] {
            try DatabaseLocation.parse(fine, root: root).requireSchema(matching: MultiSchemaHostTests.host)
        }
        // A host without multi-schema lives in the URL's schema with the package tables.
        try elsewhere.requireSchema(matching: PrismaSchemaParser.parse("datasource db {\n  provider = \"postgresql\"\n}\nmodel User {\n  id String @id\n}\n", file: "schema.prisma").schema)
        try elsewhere.requireSchema(matching: nil)
        // The commands that plan or apply refuse it with the usage status, reaching no server.
        let workspace = CLIWorkspace.make(["packages/notes/seed/schema/entities.yaml": Self.notes])
        // CLIWorkspace writes a plain host; this one uses multi-schema.
        try """
            datasource db {
              provider = "postgresql"
              schemas  = ["public", "auth"]
            }
            model User {
              id String @id
              @@schema("auth")
            }
            """.write(to: workspace.appendingPathComponent("prisma/schema.prisma"), atomically: true, encoding: .utf8)
        for command in [["scan"], ["plan"], ["apply"], ["complete", "--all", "--as", "alice"]] {
            let run = try Processes.run(command + ["--root", workspace.path], url: "postgres://nobody@127.0.0.1:1/none?schema=tenant_a")
            #expect(run.status == 2 && run.output.contains("multi-schema"), "\(command): \(run.output)")
        }
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func packageTablesAreMadeInTheURLsSchemaBesideTheHosts() throws {
        let (admin, plain) = try Backend.postgres.makeDatabase()
        defer { admin.close() }
        // The host's migrations ran with ?schema=app: its tables are there, and public has a decoy.
        try admin.withLockedTransaction { connection in
            try connection.execute(#"CREATE SCHEMA "app""#)
            try connection.execute(#"CREATE TABLE "app"."User" ("id" TEXT NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"))"#)
        }
        let location = try Self.inSchema(plain, "app")
        let database = try location.open()
        defer { database.close() }
        let desired = try Desired.from(["notes": Self.notes])
        let (registry, outcome) = try applied(desired, database)
        #expect(outcome.applied.map(\.entity) == ["Note"], "\(outcome.refused.map(\.message))")
        #expect(try EnumTypeApplyTests.text(#"SELECT string_agg(n.nspname, ',') AS "value" FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE c.relname = 'Note'"#, admin) == "app",
                "made in app, not public")
        #expect(try EnumTypeApplyTests.text(#"SELECT pg_get_constraintdef(oid) AS "value" FROM pg_constraint WHERE conrelid = '"app"."Note"'::regclass AND contype = 'f'"#, admin)?
            .contains(#"REFERENCES app."User"(id)"#) == true, "the host's User of app")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
        // A session as Prisma Client opens it (search_path = app) reads and writes the package table.
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "User" VALUES ('u1')"#)
            try connection.execute(#"INSERT INTO "Note" ("id", "userId") VALUES ('n1', 'u1')"#)
        }
        #expect(try EnumTypeApplyTests.text(#"SELECT COUNT(*)::text AS "value" FROM "app"."Note""#, admin) == "1")
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aMissingSchemaIsCreatedAsPrismaMigrateDoes() throws {
        let (admin, plain) = try Backend.postgres.makeDatabase()
        defer { admin.close() }
        let database = try Self.inSchema(plain, "Fresh Start").open()
        defer { database.close() }
        let desired = try Desired.from(["notes": "entities:\n  - name: Note\n    fields:\n      id: { type: string, primary: true }\n"])
        let (registry, outcome) = try applied(desired, database)
        #expect(outcome.applied.map(\.entity) == ["Note"], "\(outcome.refused.map(\.message))")
        #expect(try EnumTypeApplyTests.text(#"SELECT n.nspname AS "value" FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE c.relname = 'Note'"#, admin) == "Fresh Start")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    func applied(_ desired: DesiredState, _ database: any RegistryDatabase) throws -> (Registry, ApplyOutcome) {
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
        return (registry, try registry.applyApproved(desired))
    }
}
