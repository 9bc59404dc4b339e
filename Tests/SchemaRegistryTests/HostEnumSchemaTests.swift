import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// A host enum kept in another database schema (`@@schema("auth")` under multi-schema, as
/// Supabase's `auth` enums are): a package uses it with `schema: auth` under `enums:`, its columns
/// are of `"auth"."Role"`, the type is the host's (never created, extended or dropped by a
/// package, so a type of the same name in `public` is left alone), and drift compares it so
/// (issue 20).
@Suite struct HostEnumSchemaTests {
    static let host = PrismaSchemaParser.parse("""
        datasource db {
          provider = "postgresql"
          schemas  = ["public", "auth"]
        }
        model User {
          id   String @id
          role Role   @default(USER)

          @@schema("public")
        }
        enum Role {
          USER
          ADMIN

          @@schema("auth")
        }
        """, file: "prisma/schema.prisma").schema

    static func members(schema: String?) -> String {
        """
        enums:
          Role: \(schema.map { "{ schema: \($0), values: [USER, ADMIN] }" } ?? "[USER, ADMIN]")
        entities:
          - name: Member
            fields:
              id: { type: string, primary: true }
              role: { type: Role, default: USER }
              roles: { type: "Role[]", default: [] }
        """
    }

    static func desired(_ yaml: String, host: PrismaSchema? = Self.host) -> DesiredState {
        DesiredState.resolve(.inMemory(["members": yaml], baseSchema: host))
    }

    @Test func theHostsSchemaIsReadAndAPackageMustSayIt() throws {
        #expect(Self.host.enumSchemas == ["Role": "auth"])
        #expect(Self.host.models.first?.databaseSchema == "public")

        let unsaid = Self.desired(Self.members(schema: nil))
        let conflict = try #require(unsaid.errors.first { $0.code == .enumTypeConflict })
        #expect(conflict.message.contains(#"type "Role" in schema "auth""#) && conflict.hint?.contains("schema") == true, "\(conflict.message)")
        #expect(conflict.location.line == 7, "at the field's type: \(conflict.location)")
        #expect(Self.desired(Self.members(schema: "auth")).isValid, "\(Self.desired(Self.members(schema: "auth")).errors)")
        let elsewhere = Self.desired(Self.members(schema: "billing"))
        #expect(elsewhere.errors.map(\.message).contains { $0.contains(#"type "Role" in schema "billing""#) }, "\(elsewhere.errors)")

        // Without the host's enum, `schema:` names nothing a package may use.
        let plainHost = PrismaSchemaParser.parse("datasource db {\n  provider = \"postgresql\"\n}\nmodel User {\n  id String @id\n}\n", file: "schema.prisma").schema
        let orphan = Self.desired(Self.members(schema: "auth"), host: plainHost)
        #expect(orphan.errors.contains { $0.code == .enumTypeConflict && $0.message.contains("the host schema declares no enum Role") }, "\(orphan.errors)")
        // `schema: public` is the connection's: the same structure as saying nothing.
        let publicHost = PrismaSchemaParser.parse("datasource db {\n  provider = \"postgresql\"\n}\nenum Role {\n  USER\n  ADMIN\n}\n", file: "schema.prisma").schema
        let inPublic = try #require(Self.desired(Self.members(schema: "public"), host: publicHost).entities.first)
        let unqualified = try #require(Self.desired(Self.members(schema: nil), host: publicHost).entities.first)
        #expect(inPublic.checksum == unqualified.checksum)
        let inAuth = try #require(Self.desired(Self.members(schema: "auth")).entities.first)
        #expect(inAuth.checksum != unqualified.checksum)
    }

    @Test func itsColumnsNameTheTypeWithItsSchemaAndNothingMakesTheType() throws {
        let desired = Self.desired(Self.members(schema: "auth"))
        let entity = try #require(desired.entities.first)
        let create = DerivedChange(from: nil, to: entity.structure, renderer: MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:], hostEnums: Self.host.enumTypesInDatabase))
        let sql = create.statements.filter { $0.phase != .rowLevelSecurity }.map(\.sql)
        #expect(sql == [
            """
            CREATE TABLE "Member" (
                "id" TEXT NOT NULL,
                "role" "auth"."Role" NOT NULL DEFAULT 'USER',
                "roles" "auth"."Role"[] DEFAULT ARRAY[]::"auth"."Role"[],
                CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
            )
            """,
        ], "\(sql)")
        // Dropped again: the host's type stays.
        let drop = DerivedChange(from: entity.structure, to: nil, renderer: MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:]))
        #expect(!drop.statements.contains { $0.sql.contains("TYPE") }, "\(drop.statements.map(\.sql))")
        // The generated Prisma names the host's enum and declares none.
        let renderer = PrismaRenderer(provider: "postgresql", universe: [entity.structure], host: Self.host)
        #expect(renderer.enumBlocks.isEmpty)
        #expect(renderer.model(entity.structure).contains("role  Role   @default(USER)"), "\(renderer.model(entity.structure))")
        // What format_type prints for it outside the search path, and how it is written.
        #expect(ShapeText.type(#"auth."Role""#, .postgresql) == ShapeText.type(#""auth"."Role""#, .postgresql))
        #expect(ShapeText.type(#"auth."Role"[]"#, .postgresql) == ShapeText.type(#""auth"."Role"[]"#, .postgresql))
        #expect(ShapeText.type(#""Role""#, .postgresql) != ShapeText.type(#""auth"."Role""#, .postgresql))
    }

    @Test func importPrismaCarriesTheSchema() {
        let schema = PrismaSchemaParser.parse("""
            datasource db {
              provider = "postgresql"
              schemas  = ["public", "auth"]
            }
            model Member {
              id   String @id
              role Role

              @@schema("public")
            }
            enum Role {
              USER
              ADMIN @map("admin")

              @@map("member_role")
              @@schema("auth")
            }
            """, file: "schema.prisma").schema
        let imported = PrismaImport.package(from: schema)
        #expect(imported.yaml.contains(#"Role: { map: "member_role", schema: "auth", values: [USER, { ADMIN: "admin" }] }"#), "\(imported.yaml)")
        #expect(DesiredState.resolve(.inMemory(["members": imported.yaml], baseSchema: schema)).isValid, "its output validates against the host that keeps the enum")
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aPackageTableUsesTheHostsTypeInItsSchema() throws {
        let (database, _) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        try database.withLockedTransaction { connection in
            // The host's migrations: its type in auth, and a type of the same name in public that
            // a package must neither use nor change.
            try connection.execute(#"CREATE SCHEMA "auth""#)
            try connection.execute(#"CREATE TYPE "auth"."Role" AS ENUM ('USER', 'ADMIN')"#)
            try connection.execute(#"CREATE TYPE "Role" AS ENUM ('GUEST')"#)
        }
        let desired = Self.desired(Self.members(schema: "auth"))
        try #require(desired.isValid, "\(desired.errors)")
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity) == ["Member"], "\(outcome.refused.map(\.message))")
        let types = try EnumTypeApplyTests.text(
            #"SELECT string_agg(attname || ' ' || format_type(atttypid, NULL), ', ' ORDER BY attname) AS "value" FROM pg_attribute WHERE attrelid = '"Member"'::regclass AND attname IN ('role', 'roles')"#,
            database)
        #expect(types == #"role auth."Role", roles auth."Role"[]"#)
        #expect(try EnumTypeApplyTests.text(#"SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) AS "value" FROM pg_enum WHERE enumtypid = '"Role"'::regtype"#, database) == "GUEST",
                "public's type of that name is left alone")
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id", "roles") VALUES ('a', '{ADMIN}')"#) }
        #expect(try EnumTypeApplyTests.text(#"SELECT "role"::text || ' ' || "roles"::text AS "value" FROM "Member""#, database) == "USER {ADMIN}")
        let clean = try registry.drift(host: Self.host)
        #expect(!clean.hasDrift, "\(clean.drifted.map(\.differences))")
        // The column moved to public's type by hand is drift.
        try database.withLockedTransaction { connection in
            try connection.execute(#"ALTER TABLE "Member" ALTER COLUMN "role" DROP DEFAULT"#)
            try connection.execute(#"ALTER TABLE "Member" ALTER COLUMN "role" SET DATA TYPE "public"."Role" USING 'GUEST'"#)
        }
        #expect(try registry.drift(host: Self.host).drifted.map(\.entity) == ["Member"])
    }
}
