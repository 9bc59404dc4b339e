import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Enum types on real databases (issue 20): the tables and types are what Prisma Migrate creates
/// for the same models, compared catalog to catalog; values added, removed and refused.
@Suite struct EnumTypeApplyTests {
    static let yaml = """
        enums:
          Role: [USER, ADMIN, GUEST]
          Status: [DRAFT, PUBLISHED]
        entities:
          - name: Member
            fields:
              id: { type: string, primary: true }
              role: { type: Role, default: USER }
              status: { type: Status, nullable: true }
          - name: Post
            fields:
              id: { type: string, primary: true }
              status: { type: Status, default: DRAFT }
        """

    /// What Prisma Migrate writes for `enum Role { USER ADMIN GUEST }  enum Status { DRAFT PUBLISHED }
    /// model Member { id String @id  role Role @default(USER)  status Status? }  model Post { id String @id
    /// status Status @default(DRAFT) }`, by hand from its conventions (as in public apps' migration.sql:
    /// `-- CreateEnum CREATE TYPE "Role" AS ENUM (…)`, the column typed by the enum, the default a
    /// plain literal). On SQLite Prisma writes TEXT columns; we add the CHECK a plain `enum:` has,
    /// so the database refuses what the Prisma client would.
    static func prismaMigrateSQL(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .postgresql:
            """
            CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN', 'GUEST');
            CREATE TYPE "Status" AS ENUM ('DRAFT', 'PUBLISHED');
            CREATE TABLE "Member" (
                "id" TEXT NOT NULL,
                "role" "Role" NOT NULL DEFAULT 'USER',
                "status" "Status",

                CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
            );
            CREATE TABLE "Post" (
                "id" TEXT NOT NULL,
                "status" "Status" NOT NULL DEFAULT 'DRAFT',

                CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
            );
            """
        case .sqlite:
            """
            CREATE TABLE "Member" (
                "id" TEXT NOT NULL PRIMARY KEY,
                "role" TEXT NOT NULL DEFAULT 'USER',
                "status" TEXT,
                CONSTRAINT "Member_role_check" CHECK ("role" IN ('USER', 'ADMIN', 'GUEST')),
                CONSTRAINT "Member_status_check" CHECK ("status" IN ('DRAFT', 'PUBLISHED'))
            );
            CREATE TABLE "Post" (
                "id" TEXT NOT NULL PRIMARY KEY,
                "status" TEXT NOT NULL DEFAULT 'DRAFT',
                CONSTRAINT "Post_status_check" CHECK ("status" IN ('DRAFT', 'PUBLISHED'))
            );
            """
        }
    }

    static func text(_ sql: String, _ database: any RegistryDatabase) throws -> String? {
        try database.withLockedTransaction { connection in
            switch try connection.query(sql, []).first?["value"] {
            case .text(let text)?: text
            case .integer(let number)?: String(number)
            default: nil
            }
        }
    }

    static func change(_ registry: Registry, to yaml: String) throws -> ApplyOutcome {
        let desired = try Desired.from(["club": yaml], deploys: .recreate)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: Desired.recreating)
        return try registry.applyApproved(desired)
    }

    @Test(arguments: Backend.available)
    func theTablesAndTypesArePrismaMigrates(_ backend: Backend) throws {
        let desired = try Desired.from(["club": Self.yaml])
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.map(\.entity).sorted() == ["Member", "Post"] && outcome.refused.isEmpty, "\(outcome.refused)")
        #expect(try Introspection.describe(database) == Introspection.oracle(backend) { Introspection.statements(Self.prismaMigrateSQL($0)) })
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)

        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id", "role") VALUES ('a', 'GUEST'), ('b', 'USER'), ('c', 'ADMIN')"#) }
        let refused = Result { try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id", "role") VALUES ('d', 'OWNER')"#) } }
        if case .success = refused { Issue.record("a value outside the enum was stored") }
        if backend == .postgres {
            // Sorted by the declared order, not alphabetically.
            #expect(try Self.text(#"SELECT string_agg("id", '' ORDER BY "role") AS "value" FROM "Member""#, database) == "bca")
            // A value added by hand is drift of the tables that use the type.
            try (database as? PostgresRegistryDatabase)?.executeOutsideTransaction(#"ALTER TYPE "Status" ADD VALUE 'HIDDEN'"#)
            let drift = try registry.drift(host: Desired.host)
            #expect(drift.drifted.map(\.entity).sorted() == ["Member", "Post"], "\(drift.drifted)")
            #expect(drift.drifted.first.map { "\($0.differences)".contains("HIDDEN") } == true, "\(drift.drifted)")
        }
    }

    /// Added values land in their declared place; a default naming one is set after they commit.
    /// Removed values remake the type (every table of it converted) once no row holds them.
    @Test(arguments: Backend.available)
    func valuesAreAddedAndRemoved(_ backend: Backend) throws {
        let desired = try Desired.from(["club": Self.yaml], deploys: .recreate)
        let (database, registry, _) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        try database.withLockedTransaction {
            try $0.execute(#"INSERT INTO "Member" ("id", "role", "status") VALUES ('a', 'GUEST', 'DRAFT'), ('b', 'USER', 'PUBLISHED')"#)
            try $0.execute(#"INSERT INTO "Post" ("id", "status") VALUES ('p', 'DRAFT')"#)
        }

        let added = Self.yaml.replacingOccurrences(of: "[USER, ADMIN, GUEST]", with: "[OWNER, USER, EDITOR, ADMIN, GUEST]")
            .replacingOccurrences(of: "default: USER", with: "default: EDITOR")
        let first = try Self.change(registry, to: added)
        #expect(first.applied.map(\.entity) == ["Member"] && first.refused.isEmpty, "\(first.refused)")
        if backend == .postgres {
            #expect(try Self.text(#"SELECT array_to_string(enum_range(NULL::"Role"), ',') AS "value""#, database) == "OWNER,USER,EDITOR,ADMIN,GUEST")
        }
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id") VALUES ('c')"#) }
        #expect(try Self.text(#"SELECT "role" AS "value" FROM "Member" WHERE "id" = 'c'"#, database) == "EDITOR")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)

        // DRAFT goes: two rows hold it, in two tables.
        let removed = added.replacingOccurrences(of: "[DRAFT, PUBLISHED]", with: "[PUBLISHED, ARCHIVED]")
            .replacingOccurrences(of: "default: DRAFT", with: "default: PUBLISHED")
        let blocked = try Self.change(registry, to: removed)
        #expect(blocked.applied.isEmpty && blocked.refused.count == 2, "\(blocked.applied.map(\.entity)) \(blocked.refused)")
        #expect(blocked.refused.contains { $0.message.contains("1 row of Member whose status") } && blocked.refused.contains { $0.message.contains("1 row of Post whose status") },
                "\(blocked.refused.map(\.message))")
        #expect(try Self.text(#"SELECT COUNT(*) AS "value" FROM "Post" WHERE "status" = 'DRAFT'"#, database) == "1", "nothing ran")

        try database.withLockedTransaction {
            try $0.execute(#"UPDATE "Member" SET "status" = 'PUBLISHED' WHERE "status" = 'DRAFT'"#)
            try $0.execute(#"UPDATE "Post" SET "status" = 'PUBLISHED'"#)
        }
        let second = try Self.change(registry, to: removed)
        #expect(second.applied.map(\.entity).sorted() == ["Member", "Post"] && second.refused.isEmpty, "\(second.refused)")
        if backend == .postgres {
            #expect(try Self.text(#"SELECT array_to_string(enum_range(NULL::"Status"), ',') AS "value""#, database) == "PUBLISHED,ARCHIVED")
            #expect(try Self.text(#"SELECT COUNT(*) AS "value" FROM pg_type WHERE typname LIKE '%_old'"#, database) == "0")
        }
        #expect(try Self.text(#"SELECT COUNT(*) AS "value" FROM "Member" WHERE "status" = 'PUBLISHED'"#, database) == "2")
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Post" ("id") VALUES ('q')"#) }
        #expect(try Self.text(#"SELECT "status" AS "value" FROM "Post" WHERE "id" = 'q'"#, database) == "PUBLISHED")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)

        // The last table of a type goes: so does the type.
        let dropped = """
            enums:
              Role: [OWNER, USER, EDITOR, ADMIN, GUEST]
            entities:
              - name: Member
                fields:
                  id: { type: string, primary: true }
                  role: { type: Role, default: EDITOR }
            """
        let third = try Self.change(registry, to: dropped)
        #expect(third.refused.isEmpty, "\(third.refused)")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, context: Desired.recreating)
        _ = try registry.applyApproved(try Desired.from(["club": dropped], deploys: .recreate))
        if backend == .postgres {
            #expect(try Self.text(#"SELECT COUNT(*) AS "value" FROM pg_type WHERE typname = 'Status'"#, database) == "0")
            #expect(try Self.text(#"SELECT COUNT(*) AS "value" FROM pg_type WHERE typname = 'Role'"#, database) == "1")
        }
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }
}

/// Under rolling deploys (PostgreSQL), a value removed from an enum type waits for `complete`:
/// the old version may still write it until then, and `complete` refuses while rows hold it.
@Suite struct EnumTypeRolloutTests {
    @Test(.enabled(if: Backend.available.contains(.postgres), "needs PostgreSQL (scripts/test.sh starts one)"))
    func aRemovedValueWaitsForCompleteAndAnAddedOneDoesNot() throws {
        let desired = try Desired.from(["club": EnumTypeApplyTests.yaml])
        let (database, registry, _) = try Registry.applied(desired, on: .postgres)
        defer { database.close() }
        let changed = EnumTypeApplyTests.yaml.replacingOccurrences(of: "[USER, ADMIN, GUEST]", with: "[USER, OWNER, ADMIN]")
        let next = try Desired.from(["club": changed])
        _ = try registry.scan(next, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: next.renderContext)
        let started = try registry.applyApproved(next)
        #expect(started.applied.map(\.entity) == ["Member"] && started.refused.isEmpty, "\(started.refused)")
        // Both versions write: the old one GUEST, the new one OWNER.
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id", "role") VALUES ('old', 'GUEST'), ('new', 'OWNER')"#) }
        #expect(try EnumTypeApplyTests.text(#"SELECT array_to_string(enum_range(NULL::"Role"), ',') AS "value""#, database) == "USER,OWNER,ADMIN,GUEST")

        let engine = ApplyEngine(registry: registry, desiredState: { next })
        #expect(errorCode { try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice")) } == .dataViolation)
        try database.withLockedTransaction { try $0.execute(#"UPDATE "Member" SET "role" = 'USER' WHERE "role" = 'GUEST'"#) }
        let completed = try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice"))
        #expect(completed.finished.map(\.entity) == ["Member"])
        #expect(try EnumTypeApplyTests.text(#"SELECT array_to_string(enum_range(NULL::"Role"), ',') AS "value""#, database) == "USER,OWNER,ADMIN")
        #expect(try EnumTypeApplyTests.text(#"SELECT string_agg("id" || '=' || "role", ',' ORDER BY "id") AS "value" FROM "Member""#, database) == "new=OWNER,old=USER")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }
}

/// A new column or table that defaults to a value the same change adds to an existing enum type:
/// PostgreSQL refuses the value until it is committed ("unsafe use of new value"), which used to
/// fail the start. The scan refuses the change with the reason and the way through; in two changes
/// it applies.
@Suite struct AddedEnumValueDefaultTests {
    static let added = EnumTypeApplyTests.yaml.replacingOccurrences(of: "Role: [USER, ADMIN, GUEST]", with: "Role: [USER, ADMIN, GUEST, OWNER]")
    static let using = added.replacingOccurrences(of: "status: { type: Status, nullable: true }", with: "status: { type: Status, nullable: true }\n      kind: { type: Role, default: OWNER }")

    @Test(.enabled(if: Backend.available.contains(.postgres), "needs PostgreSQL (scripts/test.sh starts one)"))
    func theScanSaysToAddTheValueFirstAndTwoChangesApply() throws {
        let desired = try Desired.from(["club": EnumTypeApplyTests.yaml], deploys: .recreate)
        let (database, registry, _) = try Registry.applied(desired, on: .postgres)
        defer { database.close() }
        do {
            _ = try EnumTypeApplyTests.change(registry, to: Self.using)
            Issue.record("the change was queued; its start would fail")
        } catch let error as SchemaError {
            #expect(error.code == .invalidPackages && error.message.contains("Member.kind: its default OWNER is a value this change adds to the enum Role"), "\(error.message)")
        }
        #expect(try registry.items(in: [.pending, .approved]).isEmpty)
        #expect(try EnumTypeApplyTests.change(registry, to: Self.added).applied.map(\.entity) == ["Member"])
        let second = try EnumTypeApplyTests.change(registry, to: Self.using)
        #expect(second.applied.map(\.entity) == ["Member"], "\(second.refused.map(\.message))")
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id") VALUES ('m1')"#) }
        #expect(try EnumTypeApplyTests.text(#"SELECT "kind"::text AS "value" FROM "Member" WHERE "id" = 'm1'"#, database) == "OWNER")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }
}

/// The host's own enum type (created by the host's migrations, as another role): a package that
/// declares the same values uses it without owning it, and leaving it does not try to drop it.
@Suite struct HostEnumTypeTests {
    @Test(.enabled(if: Backend.available.contains(.postgres), "needs PostgreSQL (scripts/test.sh starts one)"))
    func aPackageUsesTheHostsTypeWithoutOwningIt() throws {
        let (database, location) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        let postgres = try #require(location.postgres)
        try Backend.asSuperuser(database: postgres.database) { superuser in
            try superuser.executeOutsideTransaction(#"CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN')"#)
            try superuser.executeOutsideTransaction(#"GRANT USAGE ON TYPE "Role" TO \#(postgres.user)"#)
        }
        var host = Desired.host
        host.enums.append("Role")
        host.enumValues["Role"] = ["USER", "ADMIN"]
        func desired(_ yaml: String) throws -> DesiredState {
            var workspace = Workspace.inMemory(["club": yaml], baseSchema: host)
            workspace.configuration.deploys = .recreate
            let desired = DesiredState.resolve(workspace)
            try #require(desired.isValid, "\(desired.errors)")
            return desired
        }
        let using = try desired("""
            enums:
              Role: [USER, ADMIN]
            entities:
              - name: Member
                fields:
                  id: { type: string, primary: true }
                  role: { type: Role, default: USER }
            """)
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        _ = try registry.scan(using, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, context: using.renderContext)
        let first = try registry.applyApproved(using)
        #expect(first.applied.map(\.entity) == ["Member"] && first.refused.isEmpty, "\(first.refused)")
        #expect(!PrismaArtifacts.fragment(try registry.appliedEntities().map(\.structure), host: host).contains("enum Role"), "the host declares it")

        let leaving = try desired("""
            entities:
              - name: Member
                fields:
                  id: { type: string, primary: true }
                  role: { type: string, default: USER }
            """)
        _ = try registry.scan(leaving, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, context: leaving.renderContext)
        let second = try registry.applyApproved(leaving)
        #expect(second.applied.map(\.entity) == ["Member"] && second.refused.isEmpty, "\(second.refused)")
        let kept = try EnumTypeApplyTests.text(#"SELECT COUNT(*)::text || ' ' || coalesce(string_agg(pg_get_userbyid(typowner), ','), '-') AS "value" FROM pg_type WHERE typname = 'Role'"#, database)
        #expect(kept == "1 postgres", "\(String(describing: kept)) \(second.statements.map(\.sql))")
        #expect(!(try registry.drift(host: host)).hasDrift)
    }
}
