import Foundation
@testable import SchemaCore
import Testing

/// Host schemas as real Prisma projects write them: block comments, a schema folder, models and
/// fields renamed with `@@map`/`@map` (issue 20).
struct PrismaHostSchemaTests {
    static let commented = """
        /**
         * The host's schema. A `model Fake {` in this comment is not a model.
         */
        datasource db {
          provider = "postgresql" /* inline */
          url      = env("DATABASE_URL")
        }

        /// The people who sign in.
        model User {
          id    String @id @map("user_id") /* the key */
          email String @unique // "not /* a comment */"
          note  String @default("/* kept */")

          @@map("users")
        }
        /* unclosed at the end
        """

    @Test func blockCommentsAreCommentsAndPositionsStay() {
        let (schema, diagnostics) = PrismaSchemaParser.parse(Self.commented, file: "schema.prisma")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(schema.provider == "postgresql")
        #expect(schema.models.map(\.name) == ["User"])
        let user = schema.models.first
        #expect(user?.location.line == 10, "line numbers are the file's")
        #expect(user?.fields.map(\.name) == ["id", "email", "note"])
        #expect(user?.field(named: "note")?.attribute("default")?.positional.first == #""/* kept */""#, "inside a string it is text")
        #expect(user?.tableName == "users")
        #expect(user?.field(named: "id")?.columnName == "user_id")
        #expect(user?.field(named: "email")?.columnName == "email")
    }

    @Test func aRelationToAMappedHostModelReferencesItsTableAndColumn() {
        let host = PrismaSchemaParser.parse(Self.commented, file: "schema.prisma").schema
        let keys = PrimaryKeys.of(host: host, entities: [])
        #expect(keys["User"] == "user_id")
        #expect(PrimaryKeys.table("User", in: keys) == "users")
        #expect(PrimaryKeys.table("Post", in: keys) == "Post")
        // A package entity of the same name is its own table.
        let entity = CanonicalEntity(name: "User", fields: [CanonicalField(name: "id", type: .string, optional: false, primary: true)], indexes: [], relations: [], acl: nil)
        #expect(PrimaryKeys.table("User", in: PrimaryKeys.of(host: host, entities: [entity])) == "User")
    }

    /// A relation to a host model in another database schema (`@@schema`, Prisma's multiSchema):
    /// the foreign key names the table with its schema (`"auth"."accounts"`), drift compares it so,
    /// and Prisma's multi-schema gets `@@schema("public")` on the package's model. A datasource
    /// whose schemas leave out public (where package tables are made) is E072.
    @Test func aRelationToAModelOfAnotherDatabaseSchemaNamesItsSchema() throws {
        let text = """
            datasource db {
              provider = "postgresql"
              schemas  = ["public", "auth"]
            }
            model Account {
              id String @id
              @@map("accounts")
              @@schema("auth")
            }
            model Tenant {
              id String @id
              @@schema("public")
            }
            """
        let host = PrismaSchemaParser.parse(text, file: "prisma/schema.prisma").schema
        #expect(host.schemas == ["public", "auth"] && host.model(named: "Account")?.databaseSchema == "auth")
        let yaml = """
            entities:
              - name: Note
                fields:
                  id: { type: string, primary: true }
                  accountId: { type: string }
                relations:
                  - { name: account, type: belongsTo, entity: Account, field: accountId }
            """
        let report = TestSupport.validate(yaml, host: host)
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
        let keys = PrimaryKeys.of(host: host, entities: [])
        #expect(PrimaryKeys.qualifiedTable("Account", in: keys) == "auth.accounts" && PrimaryKeys.qualifiedTable("Tenant", in: keys) == "Tenant")
        let note = try #require(TestSupport.desired(yaml, host: host).entities.first?.structure)
        let sql = DerivedChange(from: nil, to: note, renderer: MigrationSQLRenderer(dialect: .postgresql, primaryKeys: keys)).statements.map(\.sql).joined(separator: "\n")
        #expect(sql.contains(#"FOREIGN KEY ("accountId") REFERENCES "auth"."accounts"("id")"#), "\(sql)")
        #expect(TableShape.expected(for: note, dialect: .postgresql, primaryKeys: keys).foreignKeys.first?.target == "auth.accounts")

        let merged = PrismaArtifacts.merged(baseText: text, host: host, entities: [note])
        #expect(merged.contains("model Note {") && merged.contains("  @@schema(\"public\")\n}"), "\(merged)")
        if let blocks = try PrismaGrammar.blocks(of: merged) { #expect(blocks.contains("model Note"), "\(blocks)") }
        #expect(PrismaArtifacts.merged(baseText: TestSupport.hostSchemaText, host: TestSupport.hostSchema, entities: [note]).contains("@@schema") == false)

        // Without public among the datasource's schemas, Prisma would not see the package's tables.
        let elsewhere = PrismaSchemaParser.parse(text.replacingOccurrences(of: "[\"public\", \"auth\"]", with: "[\"auth\", \"app\"]"), file: "prisma/schema.prisma").schema
        #expect(TestSupport.validate(yaml, host: elsewhere).diagnostics.map(\.code.rawValue) == ["E072"])
        // A model of another database schema is not moved into a package.
        let imported = PrismaImport.package(from: host, models: ["Account"])
        #expect(imported.limits.contains { $0.contains("Account: it lives in the database schema auth") } && !imported.yaml.contains("name: Account"), "\(imported)")
    }

    @Test func aSchemaFolderIsReadAsOneSchema() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("schema-folder-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("prisma/schema")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("models"), withIntermediateDirectories: true)
        try "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\n".write(to: folder.appendingPathComponent("schema.prisma"), atomically: true, encoding: .utf8)
        try "model Tenant {\n  id String @id\n}\n".write(to: folder.appendingPathComponent("models/tenant.prisma"), atomically: true, encoding: .utf8)
        try "/** users */\nmodel User {\n  id String @id\n  @@map(\"users\")\n}\nenum Role {\n  USER\n}\n".write(to: folder.appendingPathComponent("user.prisma"), atomically: true, encoding: .utf8)
        var diagnostics: [Diagnostic] = []
        let schema = WorkspaceLoader(root: root).loadBaseSchema(&diagnostics)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(schema?.provider == "postgresql")
        #expect(Set(schema?.models.map(\.name) ?? []) == ["Tenant", "User"])
        #expect(schema?.enums == ["Role"])
        #expect(schema?.models.first { $0.name == "User" }?.location.file == "prisma/schema/user.prisma")
        // `--base` may name the folder too.
        var explicit: [Diagnostic] = []
        #expect(WorkspaceLoader(root: root, baseSchemaFile: folder).loadBaseSchema(&explicit)?.models.count == 2)
        // The enum's values come with it (E062 compares packages' enums with the host's).
        #expect(schema?.enumValues["Role"] == ["USER"])
    }

    /// Prisma's config file (`prisma.config.ts`'s `schema:`) or `package.json`'s `"prisma": { "schema" }`
    /// says where the schema is; a path outside the project or that does not exist is not followed.
    @Test func theSchemaPathOfPrismasConfigIsFollowed() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("schema-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("db"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "model Account {\n  id String @id\n}\n".write(to: root.appendingPathComponent("db/app.prisma"), atomically: true, encoding: .utf8)
        var diagnostics: [Diagnostic] = []
        #expect(WorkspaceLoader(root: root).loadBaseSchema(&diagnostics) == nil, "no config, no default file: no host schema")
        let config = root.appendingPathComponent("prisma.config.ts")
        try "import { defineConfig } from 'prisma/config'\nexport default defineConfig({\n  schema: 'db/app.prisma',\n})\n".write(to: config, atomically: true, encoding: .utf8)
        #expect(WorkspaceLoader(root: root).loadBaseSchema(&diagnostics)?.models.map(\.name) == ["Account"])
        try FileManager.default.removeItem(at: config)
        try #"{ "name": "app", "prisma": { "seed": "node seed.js", "schema": "db/app.prisma" } }"#.write(to: root.appendingPathComponent("package.json"), atomically: true, encoding: .utf8)
        #expect(WorkspaceLoader(root: root).loadBaseSchema(&diagnostics)?.models.map(\.name) == ["Account"])
        try #"{ "prisma": { "schema": "../outside.prisma" } }"#.write(to: root.appendingPathComponent("package.json"), atomically: true, encoding: .utf8)
        #expect(WorkspaceLoader(root: root).loadBaseSchema(&diagnostics) == nil)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
    }

    /// Configs usually compute the path (`schema: path.join(__dirname, "prisma")`, as rallly's does
    /// for its folder of `schema.prisma` beside `models/*.prisma`): the config's folder joined with
    /// string literals is followed; a path built from anything else is not.
    @Test func aConfigsJoinedSchemaPathIsFollowed() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("schema-config-join-\(UUID().uuidString)")
        let prisma = root.appendingPathComponent("prisma")
        try FileManager.default.createDirectory(at: prisma.appendingPathComponent("models"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "datasource db {\n  provider = \"postgresql\"\n}\n".write(to: prisma.appendingPathComponent("schema.prisma"), atomically: true, encoding: .utf8)
        try "model User {\n  id String @id\n  @@map(\"users\")\n}\n".write(to: prisma.appendingPathComponent("models/user.prisma"), atomically: true, encoding: .utf8)
        var diagnostics: [Diagnostic] = []
        #expect(WorkspaceLoader(root: root).loadBaseSchema(&diagnostics)?.models.isEmpty == true, "without a config, prisma/schema.prisma alone")
        let config = root.appendingPathComponent("prisma.config.ts")
        for (written, models) in [("path.join(__dirname, \"prisma\")", ["User"]), ("path.resolve(import.meta.dirname, 'prisma')", ["User"]),
                                  ("join(process.cwd(), \"prisma\", \"models\")", ["User"]), ("path.join(base, \"prisma\")", []),
                                  ("path.join(__dirname, `${folder}`)", [])] {
            try "import path from \"node:path\";\nexport default defineConfig({\n  schema: \(written),\n  migrations: { path: path.join(__dirname, \"prisma/migrations\") },\n});\n"
                .write(to: config, atomically: true, encoding: .utf8)
            #expect(WorkspaceLoader(root: root).loadBaseSchema(&diagnostics)?.models.map(\.name) == models, "\(written)")
        }
        #expect(diagnostics.isEmpty, "\(diagnostics)")
    }
}
