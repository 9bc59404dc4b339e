import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Changes of scalar lists on PostgreSQL (issue 20): a list's elements converted (`int[]` to
/// `bigint[]`, into and out of an enum type, to `string[]`) and a value that becomes a list of
/// one, each keeping every row's values; an element the new enum type lacks is counted and the
/// change refused until the row is fixed. The converted table is the one Prisma Migrate creates
/// for the new model, compared by catalog.
@Suite(.serialized) struct ListChangeTests {
    static let v1 = """
        enums:
          Role: [USER, ADMIN]
        entities:
          - name: Member
            fields:
              id: { type: string, primary: true }
              scores: { type: "int[]", default: [] }
              nickname: { type: string, nullable: true }
              labels: { type: "string[]" }
              roles: { type: "Role[]", default: [USER] }
        """
    static let v2 = """
        enums:
          Role: [USER, ADMIN]
        entities:
          - name: Member
            fields:
              id: { type: string, primary: true }
              scores: { type: "bigint[]", default: [] }
              nickname: { type: "string[]" }
              labels: { type: "Role[]" }
              roles: { type: "string[]", default: [USER] }
        """

    /// What `prisma migrate dev` writes for the second model, by hand.
    static let prismaMigrateSQL = [
        #"CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN')"#,
        """
        CREATE TABLE "Member" (
            "id" TEXT NOT NULL,
            "scores" BIGINT[] DEFAULT ARRAY[]::BIGINT[],
            "nickname" TEXT[],
            "labels" "Role"[],
            "roles" TEXT[] DEFAULT ARRAY['USER']::TEXT[],

            CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
        )
        """,
    ]

    static func change(_ registry: Registry, to yaml: String) throws -> ApplyOutcome {
        let desired = try Desired.from(["members": yaml], deploys: .recreate)
        #expect(try registry.scan(desired, principal: "ci").queued.count == 1)
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: Desired.recreating)
        return try registry.applyApproved(desired)
    }

    @Test func theConversionsArePlannedAndTheRestRefusedWithTheReason() throws {
        let before = try #require(try Desired.from(["members": Self.v1]).entities.first)
        let applied = [AppliedEntity(structure: before.structure, checksum: before.checksum, packages: ["members"])]
        func messages(_ yaml: String) -> [String] { (try? MigrationPlanner.unplannableChanges(desired: Desired.from(["members": yaml]).entities, applied: applied)) ?? ["invalid"] }
        #expect(messages(Self.v2).isEmpty, "\(messages(Self.v2))")
        #expect(messages(Self.v1.replacingOccurrences(of: #"labels: { type: "string[]" }"#, with: "labels: { type: string, nullable: true }")).isEmpty)
        let collapsedAndRetyped = messages(Self.v1.replacingOccurrences(of: #"labels: { type: "string[]" }"#, with: "labels: { type: int, nullable: true }"))
        #expect(collapsedAndRetyped.contains { $0.contains("Member.labels: a value and a list convert into each other only with the same element type") }, "\(collapsedAndRetyped)")
        let dated = messages(Self.v1.replacingOccurrences(of: #"labels: { type: "string[]" }"#, with: #"labels: { type: "datetime[]" }"#))
        #expect(dated.isEmpty, "text read as dates, element by element, is counted first: \(dated)")
        let bytes = messages(Self.v1.replacingOccurrences(of: #"labels: { type: "string[]" }"#, with: #"labels: { type: "bytes[]" }"#))
        #expect(bytes.contains { $0.contains("Member.labels: this change of a list's element type cannot be planned") }, "\(bytes)")
        let retypedAtOnce = messages(Self.v1.replacingOccurrences(of: "nickname: { type: string, nullable: true }", with: #"nickname: { type: "int[]" }"#))
        #expect(!retypedAtOnce.isEmpty, "a value becomes a list of the same type only")
        // A list's default changed alone is a change of the column's default.
        let redefaulted = try #require(try Desired.from(["members": Self.v1.replacingOccurrences(of: "default: [USER]", with: "default: [ADMIN, USER]")]).entities.first)
        let change = DerivedChange(from: before.structure, to: redefaulted.structure, renderer: MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:]))
        #expect(change.statements.filter { $0.phase != .rowLevelSecurity }.map(\.sql) == [#"ALTER TABLE "Member" ALTER COLUMN "roles" SET DEFAULT ARRAY['ADMIN', 'USER']::"Role"[]"#], "\(change.statements.map(\.sql))")
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func listsAreConvertedKeepingEveryValue() throws {
        let (database, registry, outcome) = try Registry.applied(try Desired.from(["members": Self.v1], deploys: .recreate), on: .postgres)
        defer { database.close() }
        #expect(outcome.applied.count == 1)
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Member" ("id", "scores", "nickname", "labels", "roles") VALUES ('a', '{1,2}', 'nick', '{USER,ADMIN}', '{ADMIN}')"#)
            try connection.execute(#"INSERT INTO "Member" ("id", "scores", "nickname", "labels") VALUES ('b', NULL, NULL, '{USER,guest}')"#)
        }
        let refused = try Self.change(registry, to: Self.v2)
        #expect(refused.applied.isEmpty)
        let message = try #require(refused.refused.first?.message)
        #expect(message.contains("1 row") && message.contains("labels holds an element that is not a value of the enum Role"), "\(message)")

        try database.withLockedTransaction { try $0.execute(#"UPDATE "Member" SET "labels" = '{USER}' WHERE "id" = 'b'"#) }
        _ = try registry.scan(try Desired.from(["members": Self.v2], deploys: .recreate), principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: Desired.recreating)
        let outcome2 = try registry.applyApproved(try Desired.from(["members": Self.v2], deploys: .recreate))
        #expect(outcome2.applied.map(\.entity) == ["Member"], "\(outcome2.refused.map(\.message))")
        let values = try EnumTypeApplyTests.text(#"SELECT string_agg("id" || ':' || coalesce("scores"::text, '-') || ':' || coalesce("nickname"::text, '-') || ':' || "labels"::text || ':' || "roles"::text, ' ' ORDER BY "id") AS "value" FROM "Member""#, database)
        #expect(values == "a:{1,2}:{nick}:{USER,ADMIN}:{ADMIN} b:-:-:{USER}:{USER}", "every value kept, a value became a list of one")
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id", "scores") VALUES ('c', ARRAY[5000000000])"#) }

        let (oracle, _) = try Backend.postgres.makeDatabase()
        defer { oracle.close() }
        try oracle.withLockedTransaction { connection in
            for statement in Self.prismaMigrateSQL { try connection.execute(statement) }
        }
        let ours = try Introspection.describe(database), prisma = try Introspection.describe(oracle)
        #expect(Set(ours).subtracting(prisma).sorted() == [], "ours, not Prisma's")
        #expect(Set(prisma).subtracting(ours).sorted() == [], "Prisma's, not ours")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// A changed `map:` of an enum type moves a list of it too: through the array's text into the
    /// new type, the old type dropped, every element kept.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aListMovesToTheEnumsNewTypeName() throws {
        let before = """
            enums:
              Role: { map: user_role, values: [USER, { ADMIN: admin }] }
            entities:
              - name: Member
                fields:
                  id: { type: string, primary: true }
                  role: { type: Role, default: USER }
                  roles: { type: "Role[]", default: [ADMIN] }
            """
        let (database, registry, outcome) = try Registry.applied(try Desired.from(["members": before], deploys: .recreate), on: .postgres)
        defer { database.close() }
        #expect(outcome.applied.count == 1)
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id", "role", "roles") VALUES ('a', 'admin', '{USER,admin}'), ('b', 'USER', NULL)"#) }
        let moved = try Self.change(registry, to: before.replacingOccurrences(of: "map: user_role", with: "map: member_role"))
        #expect(moved.applied.map(\.entity) == ["Member"], "\(moved.refused.map(\.message))")
        #expect(try EnumTypeApplyTests.text(#"SELECT string_agg(format_type(atttypid, NULL), ', ' ORDER BY attname) AS "value" FROM pg_attribute WHERE attrelid = '"Member"'::regclass AND attname IN ('role', 'roles')"#, database)
                == "member_role, member_role[]")
        #expect(try EnumTypeApplyTests.text(#"SELECT COUNT(*)::text AS "value" FROM pg_type WHERE typname = 'user_role'"#, database) == "0", "the old type is gone")
        #expect(try EnumTypeApplyTests.text(#"SELECT string_agg("id" || ':' || "role"::text || ':' || coalesce("roles"::text, '-'), ' ' ORDER BY "id") AS "value" FROM "Member""#, database)
                == "a:admin:{USER,admin} b:USER:-")
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id") VALUES ('c')"#) }
        #expect(try EnumTypeApplyTests.text(#"SELECT "roles"::text AS "value" FROM "Member" WHERE "id" = 'c'"#, database) == "{admin}", "the list's default follows the type")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// A list becomes its one element: rows holding more are counted and refused until fixed; an
    /// empty list becomes NULL.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aListBecomesItsOneElement() throws {
        let (database, registry, outcome) = try Registry.applied(try Desired.from(["members": Self.v1], deploys: .recreate), on: .postgres)
        defer { database.close() }
        #expect(outcome.applied.count == 1)
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Member" ("id", "labels") VALUES ('a', '{one}'), ('b', '{}'), ('c', NULL), ('d', '{x,y}')"#)
        }
        let single = Self.v1.replacingOccurrences(of: #"labels: { type: "string[]" }"#, with: "labels: { type: string, nullable: true }")
        let refused = try Self.change(registry, to: single)
        let message = try #require(refused.refused.first?.message)
        #expect(refused.applied.isEmpty && message.contains("1 row") && message.contains("holds more than one element"), "\(message)")
        try database.withLockedTransaction { try $0.execute(#"UPDATE "Member" SET "labels" = '{x}' WHERE "id" = 'd'"#) }
        // The refused change failed: scanned and approved again, it applies.
        _ = try registry.scan(try Desired.from(["members": single], deploys: .recreate), principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: Desired.recreating)
        let done = try registry.applyApproved(try Desired.from(["members": single], deploys: .recreate))
        #expect(done.applied.map(\.entity) == ["Member"], "\(done.refused.map(\.message))")
        #expect(try EnumTypeApplyTests.text(#"SELECT string_agg("id" || ':' || coalesce("labels", '-'), ' ' ORDER BY "id") AS "value" FROM "Member""#, database) == "a:one b:- c:- d:x")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }
}
