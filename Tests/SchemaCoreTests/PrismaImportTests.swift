import Foundation
import SchemaCore
import Testing

/// `import-prisma` writes only what `entities.yaml` can say, and what it writes validates: an
/// index on a field it cannot carry, and a relation to part of a compound key with its list, are
/// listed, not written half (issue 20: 4 of 5 public apps' output failed `validate`).
struct PrismaImportTests {
    static let schema = PrismaSchemaParser.parse("""
        datasource db {
          provider = "postgresql"
          url      = env("DATABASE_URL")
        }

        enum Status {
          DRAFT
          LIVE
        }

        enum Tone {
          LOUD  @map("loud")
          QUIET
        }

        model Post {
          id        String   @id
          status    Status   @default(DRAFT)
          title     String   @db.Text
          price     Decimal  @db.Decimal(65, 30)
          cents     Decimal  @db.Decimal(10, 2)
          nick      String   @db.Xml
          site      String   @db.Cidr
          touchedAt DateTime @updatedAt
          limitKey  String
          limit     RateLimit @relation(fields: [limitKey], references: [key])
          tone      Tone?

          @@index([tone])
          @@index([status])
          @@index([status, title])
          @@index([title])
        }

        model RateLimit {
          key    String
          bucket Int
          posts  Post[]

          @@id([key, bucket])
        }
        """, file: "schema.prisma").schema

    @Test func whatCannotBeCarriedIsListedAndTheRestValidates() throws {
        let result = PrismaImport.package(from: Self.schema)
        let desired = DesiredState.resolve(Workspace.inMemory(["imported": result.yaml]))
        #expect(desired.isValid, "\(desired.errors.map(\.message))\n\(result.yaml)")
        // A key of several fields is carried (`primaryKey:`); a foreign key to part of it is not, nor its list.
        #expect(result.limits.contains { $0.contains("Post.limit: a foreign key to fields of RateLimit that are not unique together") }, "\(result.limits)")
        #expect(result.limits.contains { $0.contains("RateLimit.posts: its other side, Post.limit, is not carried over") }, "\(result.limits)")
        // An enum is carried as the package's enum type, with its default, indexes and the
        // database labels of its values (`@map`).
        #expect(!result.limits.contains { $0.contains("status") || $0.contains("tone") || $0.contains("Tone") }, "\(result.limits)")
        let post = try #require(desired.entities.first { $0.structure.name == "Post" }?.structure)
        #expect(post.indexes.map(\.fields) == [["status"], ["status", "title"], ["title"], ["tone"]])
        let tone = try #require(post.field(named: "tone"))
        #expect(tone.enumType == "Tone" && tone.enumValues == ["LOUD", "QUIET"] && tone.enumValueMap == ["LOUD": "loud"] && tone.enumTypeMap == nil, "\(result.yaml)")
        let status = try #require(post.field(named: "status"))
        #expect(status.enumType == "Status" && status.enumValues == ["DRAFT", "LIVE"] && status.defaultValue == .string("DRAFT"), "\(result.yaml)")
        #expect(post.field(named: "price")?.type == .decimal && post.field(named: "touchedAt")?.updatedAt == true)
        #expect(desired.entities.first { $0.structure.name == "RateLimit" }?.structure.compoundKey == ["key", "bucket"])
        // A native type equal to Prisma's own for the scalar carries over as nothing, another as `db:`, an unknown one is listed.
        #expect(!result.limits.contains { $0.contains("@db.Text") || $0.contains("Post.price") }, "\(result.limits)")
        #expect(post.field(named: "cents")?.nativeType == NativeType(name: "Decimal", arguments: [10, 2]), "\(result.yaml)")
        #expect(post.field(named: "nick")?.nativeType == NativeType(name: "Xml"), "\(result.yaml)")
        #expect(result.limits.contains { $0.contains("Post.site: @db.Cidr has no equivalent") }, "\(result.limits)")
    }

    /// `@id @unique` is a key and a unique index in Prisma Migrate's tables: both come over, and back.
    @Test func aKeyThatIsAlsoUniqueKeepsItsSecondIndex() throws {
        let schema = PrismaSchemaParser.parse("model Token {\n  id    String @id @unique\n  value String\n}\n", file: "schema.prisma").schema
        let result = PrismaImport.package(from: schema)
        let desired = DesiredState.resolve(Workspace.inMemory(["imported": result.yaml]))
        #expect(desired.isValid && result.limits.isEmpty, "\(desired.errors) \(result.limits)\n\(result.yaml)")
        let token = try #require(desired.entities.first?.structure)
        #expect(token.indexes == [CanonicalIndex(fields: ["id"], unique: true)], "\(result.yaml)")
        let sql = MigrationPlanner.plan(desired: desired.entities, applied: [], dialect: .postgresql, host: nil).flatMap(\.statements).map(\.sql)
        #expect(sql.contains(#"CREATE UNIQUE INDEX "Token_id_key" ON "Token"("id")"#), "\(sql)")
        let model = PrismaArtifacts.fragment([token], host: nil).split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(model.contains("id String @id @unique"), "\(model)")
    }

    /// `@relation(name: "…")` names a relation as `@relation("…")` does (inbox-zero's
    /// `User.premium`, papermark's FAQ messages): the name comes over, so a named and an unnamed
    /// relation between the same two models stay apart and the package validates.
    @Test func aRelationNamedWithTheLabelKeepsItsName() throws {
        let schema = PrismaSchemaParser.parse("""
            model User {
              id             String   @id
              premiumId      String?
              premium        Premium? @relation(name: "userPremium", fields: [premiumId], references: [id])
              premiumAdminId String?
              premiumAdmin   Premium? @relation(fields: [premiumAdminId], references: [id])
            }

            model Premium {
              id     String @id
              users  User[] @relation(name: "userPremium")
              admins User[]
            }
            """, file: "schema.prisma").schema
        let result = PrismaImport.package(from: schema)
        let desired = DesiredState.resolve(Workspace.inMemory(["imported": result.yaml]))
        #expect(desired.isValid && result.limits.isEmpty, "\(desired.errors.map(\.message)) \(result.limits)\n\(result.yaml)")
        let user = try #require(desired.entities.first { $0.structure.name == "User" })
        let premium = try #require(desired.entities.first { $0.structure.name == "Premium" })
        #expect(user.structure.relations.first { $0.name == "premium" }?.field == "premiumId")
        #expect(premium.structure.relations.first { $0.name == "users" }?.field == "premiumId", "\(result.yaml)")
        #expect(premium.structure.relations.first { $0.name == "admins" }?.field == "premiumAdminId", "\(result.yaml)")
        let models = PrismaArtifacts.fragment([user.structure, premium.structure], host: nil)
        #expect(models.contains(#"@relation("userPremium""#) || models.contains(#"@relation(name: "userPremium""#), "\(models)")
    }

    /// An index's `map:` is the database's name for it, any name PostgreSQL takes: one starting
    /// with `_` (papermark's `_jackson_index_key_store`) comes over and validates.
    @Test func anIndexNameStartingWithAnUnderscoreComesOver() throws {
        let schema = PrismaSchemaParser.parse("""
            model jackson_index {
              id       Int    @id @default(autoincrement())
              key      String
              storeKey String

              @@index([key, storeKey], map: "_jackson_index_key_store")
            }
            """, file: "schema.prisma").schema
        let result = PrismaImport.package(from: schema)
        let desired = DesiredState.resolve(Workspace.inMemory(["imported": result.yaml]))
        #expect(desired.isValid && result.limits.isEmpty, "\(desired.errors.map(\.message)) \(result.limits)\n\(result.yaml)")
        let sql = MigrationPlanner.plan(desired: desired.entities, applied: [], dialect: .postgresql, host: nil).flatMap(\.statements).map(\.sql)
        #expect(sql.contains(#"CREATE INDEX "_jackson_index_key_store" ON "jackson_index"("key", "storeKey")"#), "\(sql)")
    }

    /// Prisma's named operator classes (`ops: JsonbPathOps`, inbox-zero's GIN index on a Json
    /// field) come over as PostgreSQL's names, and go back as Prisma's; a class Prisma does not
    /// name stays `raw("…")`.
    @Test func aNamedOperatorClassComesOverAndBack() throws {
        let schema = PrismaSchemaParser.parse("""
            datasource db {
              provider = "postgresql"
              url      = env("DATABASE_URL")
            }

            model Account {
              id      String @id
              history Json
              title   String

              @@index([history(ops: JsonbPathOps)], type: Gin)
              @@index([title(ops: raw("text_pattern_ops"))])
            }
            """, file: "schema.prisma").schema
        let result = PrismaImport.package(from: schema)
        let host = PrismaSchemaParser.parse("datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n", file: "schema.prisma").schema
        let desired = DesiredState.resolve(Workspace.inMemory(["imported": result.yaml], baseSchema: host))
        #expect(result.limits.isEmpty, "\(result.limits)")
        let account = try #require(desired.entities.first?.structure, "\(desired.errors.map(\.message))\n\(result.yaml)")
        #expect(account.indexes.compactMap { $0.operatorClasses?["history"] } == ["jsonb_path_ops"], "\(result.yaml)")
        let sql = MigrationPlanner.plan(desired: desired.entities, applied: [], dialect: .postgresql, host: nil).flatMap(\.statements).map(\.sql)
        #expect(sql.contains(#"CREATE INDEX "Account_history_idx" ON "Account" USING gin ("history" jsonb_path_ops)"#), "\(sql)")
        let model = PrismaArtifacts.fragment([account], host: host)
        #expect(model.contains("@@index([history(ops: JsonbPathOps)], type: Gin)") && model.contains(#"@@index([title(ops: raw("text_pattern_ops"))])"#), "\(model)")
    }

    /// `@@index(orgId)`: Prisma reads a single field without brackets as a list of one (langfuse
    /// writes six so); the indexes come over. An index whose fields cannot be read is listed,
    /// never dropped without a word.
    @Test func anIndexOfOneFieldWithoutBracketsComesOver() throws {
        let schema = PrismaSchemaParser.parse("""
            model ApiKey {
              id        String @id
              orgId     String
              projectId String
              createdAt DateTime

              @@index(orgId)
              @@index(projectId, map: "api_keys_project")
              @@index([createdAt(sort: Desc)])
              @@index("oops")
            }
            """, file: "schema.prisma").schema
        let result = PrismaImport.package(from: schema)
        let desired = DesiredState.resolve(Workspace.inMemory(["imported": result.yaml]))
        let key = try #require(desired.entities.first?.structure, "\(desired.errors.map(\.message))\n\(result.yaml)")
        #expect(key.indexes.map(\.fields) == [["createdAt"], ["orgId"], ["projectId"]], "\(result.yaml)")
        #expect(key.indexes.first { $0.fields == ["projectId"] }?.name == "api_keys_project")
        #expect(result.limits.count == 1 && result.limits.first?.contains("@@index(\"oops\")") == true, "\(result.limits)")
    }
}
