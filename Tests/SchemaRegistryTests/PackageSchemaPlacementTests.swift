import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// A multi-schema host that keeps its application in a schema of its own (`schemas = ["app",
/// "auth", "public"]`, `packageSchema: "app"` in schema.config.json): package tables and enum
/// types are made in `app`, the generated models say `@@schema("app")`, and a package reaches the
/// host's models and enums of the other schemas by their schema (issue 20).
@Suite(.serialized) struct PackageSchemaPlacementTests {
    static let hostText = """
        datasource db {
          provider = "postgresql"
          url      = env("DATABASE_URL")
          schemas  = ["app", "auth", "public"]
        }

        model User {
          id    String @id @map("user_id")
          email String

          @@map("users")
          @@schema("public")
        }

        model Account {
          id String @id @db.Uuid

          @@schema("auth")
        }

        model Team {
          id   String @id
          name String

          @@schema("app")
        }

        enum Role {
          MEMBER
          OWNER

          @@schema("public")
        }
        """

    static var host: PrismaSchema {
        var host = PrismaSchemaParser.parse(hostText, file: "prisma/schema.prisma").schema
        host.packageSchema = "app"
        return host
    }

    static let notes = """
        enums:
          Status: [OPEN, DONE]
          Role: [MEMBER, OWNER]          # the host's, in public
        entities:
          - name: Note
            fields:
              id: { type: string, primary: true }
              userId: { type: string }
              accountId: { type: string, db: Uuid, nullable: true }
              teamId: { type: string }
              role: { type: Role, default: MEMBER }
              status: { type: Status, default: OPEN }
            relations:
              - { name: user, type: belongsTo, entity: User, field: userId, onDelete: Cascade }
              - { name: account, type: belongsTo, entity: Account, field: accountId }
              - { name: team, type: belongsTo, entity: Team, field: teamId }
        """

    /// What the host's own migrations made (Prisma Migrate, multi-schema): every schema and the
    /// host's tables and enum.
    static let hostSQL = [
        #"CREATE SCHEMA IF NOT EXISTS "app""#, #"CREATE SCHEMA IF NOT EXISTS "auth""#,
        #"CREATE TYPE "public"."Role" AS ENUM ('MEMBER', 'OWNER')"#,
        #"CREATE TABLE "public"."users" ("user_id" TEXT NOT NULL, "email" TEXT NOT NULL, CONSTRAINT "users_pkey" PRIMARY KEY ("user_id"))"#,
        #"CREATE TABLE "auth"."Account" ("id" UUID NOT NULL, CONSTRAINT "Account_pkey" PRIMARY KEY ("id"))"#,
        #"CREATE TABLE "app"."Team" ("id" TEXT NOT NULL, "name" TEXT NOT NULL, CONSTRAINT "Team_pkey" PRIMARY KEY ("id"))"#,
    ]

    /// What `prisma migrate dev` writes for the package's model in the merged schema, by hand from
    /// its multi-schema conventions: every name qualified with its schema.
    static let prismaMigrateSQL = [
        #"CREATE TYPE "app"."Status" AS ENUM ('OPEN', 'DONE')"#,
        #"""
        CREATE TABLE "app"."Note" ("id" TEXT NOT NULL, "userId" TEXT NOT NULL, "accountId" UUID, "teamId" TEXT NOT NULL,
            "role" "public"."Role" NOT NULL DEFAULT 'MEMBER', "status" "app"."Status" NOT NULL DEFAULT 'OPEN', CONSTRAINT "Note_pkey" PRIMARY KEY ("id"))
        """#,
        #"ALTER TABLE "app"."Note" ADD CONSTRAINT "Note_userId_fkey" FOREIGN KEY ("userId") REFERENCES "public"."users"("user_id") ON DELETE CASCADE ON UPDATE CASCADE"#,
        #"ALTER TABLE "app"."Note" ADD CONSTRAINT "Note_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "auth"."Account"("id") ON DELETE SET NULL ON UPDATE CASCADE"#,
        #"ALTER TABLE "app"."Note" ADD CONSTRAINT "Note_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "app"."Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE"#,
    ]

    static func desired() throws -> DesiredState {
        let desired = DesiredState.resolve(.inMemory(["notes": Self.notes], baseSchema: Self.host))
        let errors = desired.errors.map(\.message)
        try #require(errors.isEmpty, "\(errors)")
        return desired
    }

    /// Every column, enum type and constraint of the schemas `app`, `auth` and `public` but the
    /// registry's, each named with its schema (read with an empty search path).
    static func catalog(_ database: any RegistryDatabase) throws -> [String] {
        try database.withLockedTransaction { connection in
            try connection.execute("SET LOCAL search_path TO pg_catalog")
            var lines: [String] = []
            for row in try connection.query("""
                SELECT table_schema || '.' || table_name || '.' || column_name || ' ' || udt_schema || '.' || udt_name || ' ' || is_nullable || ' ' || coalesce(column_default, '-') AS "line"
                FROM information_schema.columns WHERE table_schema IN ('app', 'auth', 'public') AND table_name NOT LIKE '\\_%'
                UNION ALL
                SELECT 'type ' || n.nspname || '.' || t.typname || ' (' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) || ')'
                FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace GROUP BY n.nspname, t.typname
                UNION ALL
                SELECT c.conrelid::regclass::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
                FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname IN ('app', 'auth', 'public') AND c.conrelid::regclass::text NOT LIKE '%\\_schema\\_%'
                """, []) {
                lines.append(row["line"]?.text ?? "")
            }
            return lines.sorted()
        }
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func packageTablesAreMadeInTheHostsAppSchemaAsPrismaMigrateMakesThem() throws {
        let (admin, plain) = try Backend.postgres.makeDatabase()
        defer { admin.close() }
        try admin.withLockedTransaction { connection in
            for statement in Self.hostSQL { try connection.execute(statement) }
        }
        // The location the commands use: schema.config.json's packageSchema, the URL naming none.
        let location = try plain.placingPackageTables(in: "app")
        #expect(location.postgres?.schema == "app")
        try location.requireSchema(matching: Self.host)
        let database = try location.open()
        defer { database.close() }
        let desired = try Self.desired()
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity) == ["Note"], "\(outcome.refused.map(\.message))")

        let (oracle, _) = try Backend.postgres.makeDatabase()
        defer { oracle.close() }
        try oracle.withLockedTransaction { connection in
            for statement in Self.hostSQL + Self.prismaMigrateSQL { try connection.execute(statement) }
        }
        let ours = try Self.catalog(admin), prisma = try Self.catalog(oracle)
        #expect(ours.contains { $0.hasPrefix("app.Note.role public.Role") }, "the comparison must not be vacuous: \(ours)")
        #expect(Set(ours).subtracting(prisma).sorted() == [], "ours, not Prisma's")
        #expect(Set(prisma).subtracting(ours).sorted() == [], "Prisma's, not ours")
        #expect(!(try registry.drift(host: Self.host)).hasDrift)

        // The generated models and enum say where they are, as multi-schema wants on every one.
        let fragment = PrismaArtifacts.fragment(try registry.appliedEntities().map(\.structure), host: Self.host)
        #expect(fragment.components(separatedBy: #"@@schema("app")"#).count == 3, "Note and Status: \(fragment)")
        #expect(!fragment.contains(#"@@schema("public")"#), "\(fragment)")
        #expect(!fragment.contains("enum Role"), "the host's enum stays the host's: \(fragment)")
    }

    /// A package's use of a host enum of `public` names it there even when the file leaves
    /// `schema:` out; an enum of another schema still needs `schema:` (E062). With package tables
    /// in `public`, nothing changes: the same file keeps its checksum.
    @Test func aHostEnumOfPublicIsNamedWithItsSchemaOnlyWhenPackagesLiveElsewhere() throws {
        let placed = try Self.desired()
        let role = try #require(placed.entities.first?.structure.field(named: "role"))
        #expect(role.enumSchema == "public")
        #expect(placed.entities.first?.structure.field(named: "status")?.enumSchema == nil, "the package's own enum is made in app")

        let inPublic = PrismaSchemaParser.parse(Self.hostText, file: "prisma/schema.prisma").schema
        let unplaced = DesiredState.resolve(.inMemory(["notes": Self.notes], baseSchema: inPublic))
        let errors = unplaced.errors.map(\.message)
        try #require(errors.isEmpty, "\(errors)")
        #expect(unplaced.entities.first?.structure.field(named: "role")?.enumSchema == nil)

        let authEnum = Self.hostText.replacingOccurrences(of: "  OWNER\n\n  @@schema(\"public\")", with: "  OWNER\n\n  @@schema(\"auth\")")
        var host = PrismaSchemaParser.parse(authEnum, file: "prisma/schema.prisma").schema
        host.packageSchema = "app"
        let unnamed = DesiredState.resolve(.inMemory(["notes": Self.notes], baseSchema: host))
        #expect(unnamed.errors.contains { $0.code == .enumTypeConflict && $0.message.contains("auth") }, "\(unnamed.errors.map(\.message))")
    }

    /// The settings that cannot work are refused before anything is opened.
    @Test func placementsThatCannotWorkAreRefused() throws {
        let root = URL(fileURLWithPath: "/nonexistent")
        let url = try DatabaseLocation.parse("postgres://app@db:5432/shop", root: root)
        // A URL naming the schema itself keeps it; one naming another is refused for this host.
        let named = try DatabaseLocation.parse("postgres://app@db:5432/shop?schema=tenant", root: root)
        #expect(try named.placingPackageTables(in: "app").postgres?.schema == "tenant")
        let error = try #require(throws: SchemaError.self) { try named.requireSchema(matching: Self.host) }
        #expect(error.message.contains(#"@@schema("app")"#), "\(error.message)")
        try DatabaseLocation.parse("postgres://app@db:5432/shop?schema=app", root: root).requireSchema(matching: Self.host)
        // The registry's schema is not the application's.
        let clash = try DatabaseLocation.parse("postgres://app@db:5432/shop?registry_schema=app", root: root)
        #expect(throws: SchemaError.self) { try clash.placingPackageTables(in: "app") }
        #expect(try url.placingPackageTables(in: nil).postgres?.schema == nil)
        #expect(try url.placingPackageTables(in: "public").postgres?.schema == nil, "public is where sessions look anyway")

        // A datasource whose schemas leave the package schema out is E072.
        var host = Self.host
        host.packageSchema = "plugins"
        let outside = DesiredState.resolve(.inMemory(["notes": Self.notes], baseSchema: host))
        #expect(outside.errors.contains { $0.code == .hostSchemasWithoutPublic && $0.message.contains("plugins") }, "\(outside.errors.map(\.message))")
    }

    /// The commands: `packageSchema` in schema.config.json and a `DATABASE_URL` that names no
    /// schema (as a multi-schema Prisma app has it) put the package tables in `app`; drift is clean
    /// and the fragment says `@@schema("app")`.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func theCommandsMakePackageTablesInTheConfiguredSchema() throws {
        try #require(Processes.binaryIsBuilt, "build the schema binary first (scripts/test.sh does)")
        let root = CLIWorkspace.make(["packages/notes/seed/schema/entities.yaml": Self.notes,
                                      "schema.config.json": #"{"packageSchema": "app"}"#])
        try Self.hostText.write(to: root.appendingPathComponent("prisma/schema.prisma"), atomically: true, encoding: .utf8)
        let (url, admin) = try Processes.database(.postgres)
        defer { admin.close() }
        #expect(!url.contains("schema="))
        try admin.withLockedTransaction { connection in
            for statement in Self.hostSQL { try connection.execute(statement) }
        }
        #expect(try Processes.prepare(root: root, url: url) == 1)
        let apply = try Processes.run(["apply", "--root", root.path], url: url)
        #expect(apply.status == 0, "\(apply.output)")
        #expect(try EnumTypeApplyTests.text(#"SELECT n.nspname AS "value" FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE c.relname = 'Note'"#, admin) == "app")
        #expect(try EnumTypeApplyTests.text(#"SELECT n.nspname AS "value" FROM pg_type AS t JOIN pg_namespace AS n ON n.oid = t.typnamespace WHERE t.typname = 'Status'"#, admin) == "app")
        let drift = try Processes.run(["drift", "--root", root.path], url: url)
        #expect(drift.status == 0, "\(drift.output)")
        let fragment = try String(contentsOf: root.appendingPathComponent("prisma/generated-from-packages.prisma"), encoding: .utf8)
        #expect(fragment.contains(#"@@schema("app")"#), "\(fragment)")
    }
}
