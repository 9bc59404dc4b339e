import SchemaCore
import Testing

@Suite struct PrismaRendererTests {
    func render(_ yaml: String, provider: String? = "sqlite", host: PrismaSchema? = TestSupport.hostSchema) throws -> String {
        let entity = try #require(TestSupport.entity(yaml))
        let canonical = CanonicalEntity(entity)
        return PrismaRenderer(provider: provider, universe: [canonical], host: host).model(canonical)
    }

    static let everyType = """
        entities:
          - name: AllTypes
            fields:
              id: { type: cuid, primary: true, generated: true }
              ref: { type: uuid, generated: true }
              text: { type: string, maxLength: 40, default: "say \\"hi\\"" }
              count: { type: int, default: 3 }
              big: { type: bigint, nullable: true }
              ratio: { type: float, default: 1 }
              flag: { type: boolean, default: true }
              data: { type: json, nullable: true }
              seenAt: { type: datetime, default: now }
              kind: { type: string, enum: [a, b] }
        """

    /// Fields in the order the package declares them, as a Prisma author would write them.
    @Test func everyFieldTypeRendersOnSQLite() throws {
        let text = try render(Self.everyType)
        #expect(text == """
            model AllTypes {
              id     String   @id @default(cuid())
              ref    String   @default(uuid())
              /// at most 40 characters
              text   String   @default("say \\"hi\\"")
              count  Int      @default(3)
              big    BigInt?
              ratio  Float    @default(1)
              flag   Boolean  @default(true)
              data   Json?
              seenAt DateTime @default(now())
              /// one of: a, b
              kind   String
            }
            """)
    }

    /// Prisma takes `postgres` as another spelling of `postgresql`.
    @Test(arguments: ["postgresql", "postgres"])
    func nativeTypesOnlyForPostgreSQL(provider: String) throws {
        let text = try render(Self.everyType, provider: provider)
        #expect(text.contains("text   String   @default(\"say \\\"hi\\\"\") @db.VarChar(40)"))
        #expect(!text.contains("at most 40 characters"))
        #expect(text.contains("ref    String   @default(uuid())\n"))
        #expect(!(try render(Self.everyType, provider: "sqlite")).contains("@db."))
    }

    @Test func relationsIndexesAndUniques() throws {
        let text = try render("""
            entities:
              - name: Membership
                fields:
                  id: { type: cuid, primary: true }
                  userId: { type: string, index: true }
                  tenantId: { type: string, nullable: true }
                  code: { type: string, unique: true }
                indexes:
                  - { fields: [userId, tenantId], unique: true }
                  - { fields: [tenantId], name: membership_tenant }
                relations:
                  - { name: user, type: belongsTo, entity: User, field: userId, onDelete: Cascade }
                  - { name: tenant, type: belongsTo, entity: Tenant, field: tenantId }
            """)
        #expect(text.contains("code     String  @unique"))
        #expect(text.contains("user     User    @relation(fields: [userId], references: [id], onDelete: Cascade)"))
        #expect(text.contains("tenant   Tenant? @relation(fields: [tenantId], references: [id], onDelete: SetNull)"))
        #expect(text.contains("@@unique([userId, tenantId])"))
        #expect(text.contains("@@index([tenantId], map: \"membership_tenant\")"))
        #expect(text.contains("@@index([userId])"))
    }

    @Test func backRelationFieldsForHostModelsAndNamedRelations() throws {
        let yaml = """
            entities:
              - name: Transfer
                fields:
                  id: { type: cuid, primary: true }
                  fromId: { type: string }
                  toId: { type: string }
                relations:
                  - { name: from, type: belongsTo, entity: User, field: fromId }
                  - { name: to, type: belongsTo, entity: User, field: toId }
            """
        let entity = try #require(TestSupport.entity(yaml))
        let renderer = PrismaRenderer(provider: "sqlite", universe: [CanonicalEntity(entity)], host: TestSupport.hostSchema)
        let model = renderer.model(CanonicalEntity(entity))
        #expect(model.contains("@relation(\"Transfer_from\", fields: [fromId]"))
        #expect(renderer.hostBackRelationFields["User"] == [
            "  transfersByFrom Transfer[] @relation(\"Transfer_from\")",
            "  transfersByTo Transfer[] @relation(\"Transfer_to\")",
        ])
    }

    @Test func hasManyPairsWithTheOtherSide() throws {
        let yaml = """
            entities:
              - name: Board
                fields:
                  id: { type: cuid, primary: true }
                relations:
                  - { name: cards, type: hasMany, entity: Card, foreignKey: boardId }
              - name: Card
                fields:
                  id: { type: cuid, primary: true }
                  boardId: { type: string }
                relations:
                  - { name: board, type: belongsTo, entity: Board, field: boardId }
            """
        let entities = EntitiesFileParser.parse(yaml, file: "x").entities.map(CanonicalEntity.init)
        let renderer = PrismaRenderer(provider: nil, universe: entities, host: nil)
        #expect(renderer.model(entities[0]).contains("cards Card[]"))
        #expect(renderer.hostBackRelationFields.isEmpty)
        #expect(!renderer.model(entities[1]).contains("[]"))
    }
}

@Suite struct PrismaSchemaParserTests {
    @Test func parsesModelsFieldsAttributesAndProvider() throws {
        let (schema, diagnostics) = PrismaSchemaParser.parse("""
            generator client {
              provider = "prisma-client-js"
            }
            datasource db {
              provider = "postgresql" // comment
              url      = env("DATABASE_URL")
            }
            enum Role {
              USER
              ADMIN
            }
            /// A user
            model User {
              id    String  @id @default(cuid())
              email String  @unique // "quoted // not a comment start"
              role  Role    @default(USER)
              posts Post[]
              @@index([email(sort: Desc)], map: "user_email")
            }
            model Post {
              a      String
              b      String
              userId String
              user   User   @relation("Posts", fields: [userId], references: [id], onDelete: Cascade)
              @@id([a, b])
            }
            """, file: "schema.prisma")
        #expect(diagnostics.isEmpty)
        #expect(schema.provider == "postgresql")
        #expect(schema.enums == ["Role"])
        let user = try #require(schema.model(named: "User"))
        #expect(user.primaryKey == ["id"])
        #expect(user.field(named: "posts")?.isList == true)
        #expect(user.field(named: "id")?.attribute("default")?.positional == ["cuid()"])
        #expect(user.blockAttributes.first?.fieldList == ["email"])
        #expect(user.blockAttributes.first?.named["map"] == "\"user_email\"")
        let post = try #require(schema.model(named: "Post"))
        #expect(post.primaryKey == ["a", "b"])
        let relation = try #require(post.field(named: "user")?.attribute("relation"))
        #expect(relation.positional == ["\"Posts\""])
        #expect(relation.named["onDelete"] == "Cascade")
        #expect(relation.fieldList == ["userId"])
    }

    @Test func unclosedBlockIsReported() {
        let (_, diagnostics) = PrismaSchemaParser.parse("model A {\n  id String @id\n", file: "s.prisma")
        #expect(diagnostics.first?.code == .baseSchemaSyntax)
        #expect(diagnostics.first?.location.line == 1)
    }
}
