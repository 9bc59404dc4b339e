import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// An app schema of our own that uses what packages now say in Prisma's terms at once (issue 20's
/// acceptance): `@@map`/`@map`, an enum type with a default, native types, `Decimal`, `Bytes`,
/// `@updatedAt`, `uuid()`/`cuid()`/`autoincrement()`/`now()`, a named compound unique key, index
/// `sort`, `type` and `ops`, a one-to-one, a self-relation, a relation to a mapped host model,
/// scalar lists (of a scalar and of an enum) and an explicit many-to-many table keyed by `@@id`,
/// `dbgenerated("gen_random_uuid()")`, `@db.Citext`, a model without `@id` (a `@unique` and a
/// `@@unique` identify its rows), an index named with `@@index(…, name:)`, and a named relation
/// beside an unnamed one between the same two models.
/// Its models go through `import-prisma` → validate → scan → approve → apply, and the catalog is
/// compared with the one the SQL below makes: what Prisma Migrate writes for this schema, written
/// by hand from its conventions (names from the table and columns, `_pkey`/`_key`/`_idx`/`_fkey`,
/// `ON UPDATE CASCADE`, enum types before the tables).
@Suite(.serialized) struct PrismaAppFixtureTests {
    static let schema = """
        datasource db {
          provider = "postgresql"
          url      = env("DATABASE_URL")
        }

        /** The people who sign in: the host keeps this model. */
        model Account {
          id    String @id @default(cuid()) @map("account_id")
          email String @unique

          workspaces     Workspace[]
          projects       ProjectMember[]
          invitedMembers ProjectMember[] @relation("MemberInviter")

          @@map("accounts")
        }

        enum Plan {
          FREE
          PRO
          ENTERPRISE
        }

        /// A team's space.
        model Workspace {
          id        String             @id @default(uuid()) @db.Uuid
          slug      String             @db.VarChar(64)
          tenantKey String             @map("tenant_key")
          plan      Plan               @default(FREE)
          seats     Int                @default(5) @db.SmallInt
          balance   Decimal            @default(0) @db.Decimal(12, 2)
          logo      Bytes?
          labels    String[]           @default([])
          createdAt DateTime           @default(now()) @map("created_at") @db.Timestamptz(6)
          updatedAt DateTime           @updatedAt @map("updated_at")
          ownerId   String             @map("owner_id")
          owner     Account            @relation(fields: [ownerId], references: [id], onDelete: Cascade)
          settings  WorkspaceSettings?
          projects  Project[]
          invites   Invite[]
          externalId String            @default(dbgenerated("gen_random_uuid()")) @map("external_id") @db.Uuid

          @@unique([tenantKey, slug], name: "tenantSlug")
          @@index([createdAt(sort: Desc)])
          @@index([slug(ops: raw("text_pattern_ops"))])
          @@map("workspaces")
        }

        model WorkspaceSettings {
          id          String    @id @default(cuid())
          workspaceId String    @unique @map("workspace_id") @db.Uuid
          theme       String    @default("light")
          workspace   Workspace @relation(fields: [workspaceId], references: [id], onDelete: Cascade)

          @@map("workspace_settings")
        }

        model Project {
          id          Int       @id @default(autoincrement())
          workspaceId String    @map("workspace_id") @db.Uuid
          name        String
          parentId    Int?      @map("parent_id")
          workspace   Workspace @relation(fields: [workspaceId], references: [id])
          parent      Project?  @relation("ProjectTree", fields: [parentId], references: [id], onDelete: SetNull)
          children    Project[] @relation("ProjectTree")
          members     ProjectMember[]

          @@index([workspaceId, name])
          @@index([name], type: Hash, name: "projects_name_hash")
          @@map("projects")
        }

        model ProjectMember {
          projectId Int      @map("project_id")
          accountId String   @map("account_id")
          roles     Plan[]
          invitedBy String?  @map("invited_by")
          project   Project  @relation(fields: [projectId], references: [id], onDelete: Cascade)
          account   Account  @relation(fields: [accountId], references: [id], onDelete: Cascade)
          inviter   Account? @relation("MemberInviter", fields: [invitedBy], references: [id], onDelete: SetNull)

          @@id([projectId, accountId])
          @@map("project_members")
        }

        model Invite {
          email       String    @db.Citext
          workspaceId String    @map("workspace_id") @db.Uuid
          token       String    @unique @default(dbgenerated("gen_random_uuid()"))
          workspace   Workspace @relation(fields: [workspaceId], references: [id], onDelete: Cascade)

          @@unique([workspaceId, email])
          @@map("invites")
        }
        """

    /// The host's own table, made the same way in both databases (with the extension its
    /// migrations install for `@db.Citext`).
    static let hostTable = [
        "CREATE EXTENSION IF NOT EXISTS citext",
        #"CREATE TABLE "accounts" ("account_id" TEXT NOT NULL, "email" TEXT NOT NULL, CONSTRAINT "accounts_pkey" PRIMARY KEY ("account_id"))"#,
        #"CREATE UNIQUE INDEX "accounts_email_key" ON "accounts"("email")"#,
    ]

    /// What `prisma migrate dev` writes for the three package models, by hand.
    static let prismaMigrateSQL = [
        #"CREATE TYPE "Plan" AS ENUM ('FREE', 'PRO', 'ENTERPRISE')"#,
        """
        CREATE TABLE "workspaces" (
            "id" UUID NOT NULL,
            "slug" VARCHAR(64) NOT NULL,
            "tenant_key" TEXT NOT NULL,
            "plan" "Plan" NOT NULL DEFAULT 'FREE',
            "seats" SMALLINT NOT NULL DEFAULT 5,
            "balance" DECIMAL(12,2) NOT NULL DEFAULT 0,
            "logo" BYTEA,
            "labels" TEXT[] DEFAULT ARRAY[]::TEXT[],
            "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
            "updated_at" TIMESTAMP(3) NOT NULL,
            "owner_id" TEXT NOT NULL,
            "external_id" UUID NOT NULL DEFAULT gen_random_uuid(),

            CONSTRAINT "workspaces_pkey" PRIMARY KEY ("id")
        )
        """,
        """
        CREATE TABLE "workspace_settings" (
            "id" TEXT NOT NULL,
            "workspace_id" UUID NOT NULL,
            "theme" TEXT NOT NULL DEFAULT 'light',

            CONSTRAINT "workspace_settings_pkey" PRIMARY KEY ("id")
        )
        """,
        """
        CREATE TABLE "projects" (
            "id" SERIAL NOT NULL,
            "workspace_id" UUID NOT NULL,
            "name" TEXT NOT NULL,
            "parent_id" INTEGER,

            CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
        )
        """,
        """
        CREATE TABLE "project_members" (
            "project_id" INTEGER NOT NULL,
            "account_id" TEXT NOT NULL,
            "roles" "Plan"[],
            "invited_by" TEXT,

            CONSTRAINT "project_members_pkey" PRIMARY KEY ("project_id","account_id")
        )
        """,
        """
        CREATE TABLE "invites" (
            "email" CITEXT NOT NULL,
            "workspace_id" UUID NOT NULL,
            "token" TEXT NOT NULL DEFAULT gen_random_uuid()
        )
        """,
        #"CREATE INDEX "workspaces_created_at_idx" ON "workspaces"("created_at" DESC)"#,
        #"CREATE INDEX "workspaces_slug_idx" ON "workspaces"("slug" text_pattern_ops)"#,
        #"CREATE UNIQUE INDEX "workspaces_tenant_key_slug_key" ON "workspaces"("tenant_key", "slug")"#,
        #"CREATE UNIQUE INDEX "workspace_settings_workspace_id_key" ON "workspace_settings"("workspace_id")"#,
        #"CREATE INDEX "projects_workspace_id_name_idx" ON "projects"("workspace_id", "name")"#,
        #"CREATE INDEX "projects_name_hash" ON "projects" USING HASH ("name")"#,
        #"CREATE UNIQUE INDEX "invites_token_key" ON "invites"("token")"#,
        #"CREATE UNIQUE INDEX "invites_workspace_id_email_key" ON "invites"("workspace_id", "email")"#,
        #"ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "accounts"("account_id") ON DELETE CASCADE ON UPDATE CASCADE"#,
        #"ALTER TABLE "workspace_settings" ADD CONSTRAINT "workspace_settings_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE"#,
        #"ALTER TABLE "projects" ADD CONSTRAINT "projects_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE RESTRICT ON UPDATE CASCADE"#,
        #"ALTER TABLE "projects" ADD CONSTRAINT "projects_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "projects"("id") ON DELETE SET NULL ON UPDATE CASCADE"#,
        #"ALTER TABLE "project_members" ADD CONSTRAINT "project_members_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE"#,
        #"ALTER TABLE "project_members" ADD CONSTRAINT "project_members_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("account_id") ON DELETE CASCADE ON UPDATE CASCADE"#,
        #"ALTER TABLE "project_members" ADD CONSTRAINT "project_members_invited_by_fkey" FOREIGN KEY ("invited_by") REFERENCES "accounts"("account_id") ON DELETE SET NULL ON UPDATE CASCADE"#,
        #"ALTER TABLE "invites" ADD CONSTRAINT "invites_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE"#,
    ]

    static let packageModels = ["Workspace", "WorkspaceSettings", "Project", "ProjectMember", "Invite"]

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func importedModelsApplyToTheTablesPrismaMigrateMakes() throws {
        let full = PrismaSchemaParser.parse(Self.schema, file: "prisma/schema.prisma")
        try #require(full.diagnostics.isEmpty, "\(full.diagnostics)")
        let imported = PrismaImport.package(from: full.schema, models: Self.packageModels)
        #expect(imported.limits.isEmpty, "import-prisma could not carry: \(imported.limits)")

        // The host keeps Account (and its back-relation list); the package gets the rest.
        let hostText = Self.schema.components(separatedBy: "enum Plan")[0]
        let host = PrismaSchemaParser.parse(hostText, file: "prisma/schema.prisma").schema
        let desired = DesiredState.resolve(.inMemory(["teams": imported.yaml], baseSchema: host))
        try #require(desired.isValid, "\(desired.errors)\n\(imported.yaml)")

        let (database, _) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        let (oracle, _) = try Backend.postgres.makeDatabase()
        defer { oracle.close() }
        for statement in Self.hostTable {
            try database.withLockedTransaction { try $0.execute(statement) }
        }
        try oracle.withLockedTransaction { connection in
            for statement in Self.hostTable + Self.prismaMigrateSQL { try connection.execute(statement) }
        }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        _ = try registry.scan(desired, principal: "ci")
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext).accepted.count == 5)
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity).sorted() == ["Invite", "Project", "ProjectMember", "Workspace", "WorkspaceSettings"], "\(outcome.refused.map(\.message))")

        let ours = try Introspection.describe(database), prisma = try Introspection.describe(oracle)
        #expect(ours.count > 30 && ours.contains { $0.contains("workspaces_owner_id_fkey") } && ours.contains { $0.hasPrefix("type Plan enum") },
                "the comparison must not be vacuous: \(ours)")
        #expect(Set(ours).subtracting(prisma).sorted() == [], "ours, not Prisma's")
        #expect(Set(prisma).subtracting(ours).sorted() == [], "Prisma's, not ours")
        #expect(!(try registry.drift(host: host)).hasDrift)

        // And back: the generated models say what the app's schema says, up to formatting.
        let fragment = PrismaArtifacts.fragment(try registry.appliedEntities().map(\.structure), host: host)
        let lines = Set(fragment.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") })
        for expected in [#"id String @id @default(uuid()) @db.Uuid"#, #"tenantKey String @map("tenant_key")"#, #"plan Plan @default(FREE)"#,
                         #"updatedAt DateTime @updatedAt @map("updated_at")"#, #"@@unique([tenantKey, slug], name: "tenantSlug")"#,
                         #"@@index([createdAt(sort: Desc)])"#, #"@@index([slug(ops: raw("text_pattern_ops"))])"#, #"@@index([name], type: Hash, map: "projects_name_hash")"#,
                         #"@@map("workspace_settings")"#, #"settings WorkspaceSettings?"#, #"labels String[] @default([])"#,
                         #"@@id([projectId, accountId])"#, #"roles Plan[]"#, #"email String @db.Citext"#,
                         #"token String @default(dbgenerated("gen_random_uuid()")) @unique"#, #"@@unique([workspaceId, email])"#,
                         #"externalId String @default(dbgenerated("gen_random_uuid()")) @db.Uuid @map("external_id")"#] {
            #expect(lines.contains(expected), "\(expected) not in\n\(fragment)")
        }
    }
}
