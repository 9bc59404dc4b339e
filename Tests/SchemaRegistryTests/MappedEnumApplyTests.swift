import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Enum types whose database names are their own (issue 20: Prisma's `@@map` on an enum, `@map`
/// on its values), on real databases: the catalog is what Prisma Migrate makes of the same
/// schema, the database stores the labels, and changes of values, labels and the type's name apply.
@Suite struct MappedEnumApplyTests {
    static let yaml = """
        enums:
          Role:
            map: user_role
            values: [USER, { ADMIN: admin }, { GUEST: guest_user }]
        entities:
          - name: Member
            fields:
              id: { type: string, primary: true }
              role: { type: Role, default: ADMIN }
        """

    /// What Prisma Migrate writes for `enum Role { USER  ADMIN @map("admin")  GUEST @map("guest_user")
    /// @@map("user_role") }  model Member { id String @id  role Role @default(ADMIN) }`, by hand from
    /// its documented conventions: the type under its mapped name with the mapped values, the
    /// default the mapped value. SQLite: TEXT, and the CHECK of the labels a plain `enum:` has.
    static func prismaMigrateSQL(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .postgresql:
            """
            CREATE TYPE "user_role" AS ENUM ('USER', 'admin', 'guest_user');
            CREATE TABLE "Member" (
                "id" TEXT NOT NULL,
                "role" "user_role" NOT NULL DEFAULT 'admin',

                CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
            );
            """
        case .sqlite:
            """
            CREATE TABLE "Member" (
                "id" TEXT NOT NULL PRIMARY KEY,
                "role" TEXT NOT NULL DEFAULT 'admin',
                CONSTRAINT "Member_role_check" CHECK ("role" IN ('USER', 'admin', 'guest_user'))
            );
            """
        }
    }

    @Test(arguments: Backend.available)
    func theCatalogIsPrismaMigratesAndTheLabelsAreStored(_ backend: Backend) throws {
        let desired = try Desired.from(["club": Self.yaml])
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.map(\.entity) == ["Member"] && outcome.refused.isEmpty, "\(outcome.refused)")
        #expect(try Introspection.describe(database) == Introspection.oracle(backend) { Introspection.statements(Self.prismaMigrateSQL($0)) })
        let clean = try registry.drift(host: Desired.host)
        #expect(!clean.hasDrift, "\(clean.drifted.map(\.differences))")

        // The default stores the label; the client's names are not labels the database takes.
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id") VALUES ('a'), ('b')"#) }
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id", "role") VALUES ('c', 'guest_user')"#) }
        #expect(try EnumTypeApplyTests.text(#"SELECT "role" AS "value" FROM "Member" WHERE "id" = 'a'"#, database) == "admin")
        let refused = Result { try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id", "role") VALUES ('d', 'ADMIN')"#) } }
        if case .success = refused { Issue.record("the value's name was stored where the database has its label") }

        if backend == .postgres {
            // A label changed by hand is drift, said in labels.
            try database.withLockedTransaction { try $0.execute(#"ALTER TYPE "user_role" RENAME VALUE 'guest_user' TO 'guest'"#) }
            let drift = try registry.drift(host: Desired.host)
            #expect(drift.drifted.map(\.entity) == ["Member"] && "\(drift.drifted.first?.differences ?? [])".contains("guest"), "\(drift.drifted)")
            try database.withLockedTransaction { try $0.execute(#"ALTER TYPE "user_role" RENAME VALUE 'guest' TO 'guest_user'"#) }
        }
    }

    /// A value added with its label lands in its place; a label changed remakes the type once no
    /// row holds the old label; the type moved to another name converts the column and drops the old type.
    @Test(.enabled(if: Backend.available.contains(.postgres), "needs PostgreSQL (scripts/test.sh starts one)"))
    func valuesLabelsAndTheTypesNameChange() throws {
        let desired = try Desired.from(["club": Self.yaml], deploys: .recreate)
        let (database, registry, _) = try Registry.applied(desired, on: .postgres)
        defer { database.close() }
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id", "role") VALUES ('a', 'admin'), ('b', 'USER')"#) }
        func labels(_ type: String) throws -> String? {
            try EnumTypeApplyTests.text(#"SELECT array_to_string(enum_range(NULL::"\#(type)"), ',') AS "value""#, database)
        }

        let added = Self.yaml.replacingOccurrences(of: "{ ADMIN: admin },", with: "{ ADMIN: admin }, { EDITOR: editor },")
        let first = try EnumTypeApplyTests.change(registry, to: added)
        #expect(first.applied.map(\.entity) == ["Member"] && first.refused.isEmpty, "\(first.refused)")
        #expect(try labels("user_role") == "USER,admin,editor,guest_user")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)

        let relabelled = added.replacingOccurrences(of: "{ ADMIN: admin }", with: "{ ADMIN: administrator }")
        let blocked = try EnumTypeApplyTests.change(registry, to: relabelled)
        #expect(blocked.applied.isEmpty && blocked.refused.first?.message.contains("1 row of Member whose role") == true, "\(blocked.refused.map(\.message))")
        try database.withLockedTransaction { try $0.execute(#"UPDATE "Member" SET "role" = 'USER' WHERE "role" = 'admin'"#) }
        let second = try EnumTypeApplyTests.change(registry, to: relabelled)
        #expect(second.applied.map(\.entity) == ["Member"] && second.refused.isEmpty, "\(second.refused)")
        #expect(try labels("user_role") == "USER,administrator,editor,guest_user")
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id") VALUES ('c')"#) }
        #expect(try EnumTypeApplyTests.text(#"SELECT "role" AS "value" FROM "Member" WHERE "id" = 'c'"#, database) == "administrator")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)

        let moved = relabelled.replacingOccurrences(of: "map: user_role", with: "map: member_role")
        let third = try EnumTypeApplyTests.change(registry, to: moved)
        #expect(third.applied.map(\.entity) == ["Member"] && third.refused.isEmpty, "\(third.refused)")
        #expect(try labels("member_role") == "USER,administrator,editor,guest_user")
        #expect(try EnumTypeApplyTests.text(#"SELECT COUNT(*) AS "value" FROM pg_type WHERE typname IN ('user_role', 'Role')"#, database) == "0")
        #expect(try EnumTypeApplyTests.text(#"SELECT string_agg("id" || '=' || "role", ',' ORDER BY "id") AS "value" FROM "Member""#, database)
                == "a=USER,b=USER,c=administrator")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }
}
