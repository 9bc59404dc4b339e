import Foundation
import SchemaCore
import Testing

/// What packages gained in Prisma's terms (computed defaults, `@db.Citext`, a model without `@id`,
/// a named relation beside an unnamed one, a foreign key of two fields to a unique index) renders as a fragment Prisma's grammar reads, and
/// import-prisma carries the fragment back to the same Prisma models.
@Suite struct PrismaFeatureGrammarTests {
    static let yaml = """
        entities:
          - name: Member
            fields:
              id: { type: uuid, primary: true, db: Uuid, default: { dbgenerated: "gen_random_uuid()" } }
              email: { type: string, unique: true, db: Citext }
              seenAt: { type: datetime, default: { dbgenerated: CURRENT_TIMESTAMP } }
          - name: Session
            fields:
              id: { type: cuid, primary: true, generated: true }
              memberId: { type: uuid, db: Uuid }
              impersonatorId: { type: uuid, db: Uuid, nullable: true }
            relations:
              - { name: member, type: belongsTo, entity: Member, field: memberId, onDelete: Cascade }
              - { name: impersonator, type: belongsTo, entity: Member, field: impersonatorId, relationName: Impersonations }
          - name: VerificationToken
            fields:
              identifier: { type: string }
              token: { type: string, unique: true }
              expires: { type: datetime }
            indexes:
              - fields: [identifier, token]
                unique: true
          - name: Rule
            fields:
              id: { type: string, primary: true }
              memberId: { type: uuid, db: Uuid }
            indexes:
              - fields: [id, memberId]
                unique: true
          - name: Action
            fields:
              id: { type: string, primary: true }
              ruleId: { type: string }
              memberId: { type: uuid, db: Uuid }
            relations:
              - { name: rule, type: belongsTo, entity: Rule, fields: [ruleId, memberId], references: [id, memberId], onDelete: Cascade }
        """

    @Test func theFragmentParsesAndComesBackTheSame() throws {
        // Native types are PostgreSQL's: the host says so.
        var host = try #require(TestSupport.hostSchema)
        host.provider = "postgresql"
        let desired = TestSupport.desired(Self.yaml, host: host)
        try #require(desired.isValid, "\(desired.errors)")
        let fragment = PrismaArtifacts.fragment(desired.entities.map(\.structure), host: host)
        let lines = fragment.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines.contains(#"id String @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid"#) && lines.contains("email String @unique @db.Citext"), "\(fragment)")
        #expect(lines.contains("member Member @relation(fields: [memberId], references: [id], onDelete: Cascade)")
                && lines.contains { $0.hasPrefix(#"impersonator Member? @relation("Impersonations""#) }, "\(fragment)")
        #expect(lines.contains("rule Rule @relation(fields: [ruleId, memberId], references: [id, memberId], onDelete: Cascade)"), "\(fragment)")
        if let blocks = try PrismaGrammar.blocks(of: fragment) {
            #expect(Set(blocks).isSuperset(of: ["model Member", "model Session", "model VerificationToken", "model Rule", "model Action"]), "\(blocks)")
        }
        let imported = PrismaImport.package(from: PrismaSchemaParser.parse(fragment, file: "schema.prisma").schema)
        #expect(imported.limits.isEmpty, "\(imported.limits)")
        let again = TestSupport.desired(imported.yaml, host: host)
        #expect(again.isValid, "\(again.errors)\n\(imported.yaml)")
        // The same Prisma models again (a package may spell them otherwise: `uuid` as `string`
        // with `db: Uuid`, a generated back-relation as a declared `hasMany`, whose fields come in
        // another order: the README's listed difference), compared line by line in any order.
        let back = PrismaArtifacts.fragment(again.entities.map(\.structure), host: host)
        func models(_ text: String) -> [String] {
            text.split(separator: "\n").filter { !$0.hasPrefix("//") }.map { $0.split(separator: " ").joined(separator: " ") }
        }
        #expect(models(back).sorted() == models(fragment).sorted(), "\(back)\n---\n\(fragment)")
    }

    /// A multi-schema host whose package tables go to `app` (`packageSchema`): the merged schema
    /// parses, every package model and enum says `@@schema("app")` (Prisma wants one on each), and
    /// import-prisma, reading the merged schema with the same setting, carries the package model
    /// back and leaves the models of other schemas in the host.
    @Test func aMergedSchemaWithPackageModelsInTheAppSchemaParses() throws {
        let base = """
            datasource db {
              provider = "postgresql"
              url      = env("DATABASE_URL")
              schemas  = ["app", "public"]
            }

            model User {
              id String @id

              @@schema("public")
            }
            """
        var host = PrismaSchemaParser.parse(base, file: "schema.prisma").schema
        host.packageSchema = "app"
        let yaml = """
            enums:
              Status: [OPEN, DONE]
            entities:
              - name: Note
                fields:
                  id: { type: string, primary: true }
                  userId: { type: string }
                  status: { type: Status, default: OPEN }
                relations:
                  - { name: user, type: belongsTo, entity: User, field: userId }
            """
        let desired = TestSupport.desired(yaml, host: host)
        let errors = desired.errors.map(\.message)
        try #require(errors.isEmpty, "\(errors)")
        let merged = PrismaArtifacts.merged(baseText: base, host: host, entities: desired.entities.map(\.structure), fingerprint: "f")
        #expect(merged.components(separatedBy: #"@@schema("app")"#).count == 3, "\(merged)")
        // The tree-sitter grammar knows no block attribute in an enum (`@@map` neither), which
        // Prisma requires there under multi-schema (prisma/prisma#23081): the grammar reads the
        // rest, our parser the enum's.
        let enumAttribute = "  DONE\n\n  @@schema(\"app\")\n"
        #expect(merged.contains(enumAttribute), "\(merged)")
        #expect(PrismaSchemaParser.parse(merged, file: "schema.prisma").schema.enumSchemas["Status"] == "app")
        let forGrammar = merged.replacingOccurrences(of: enumAttribute, with: "  DONE\n")
        if let blocks = try PrismaGrammar.blocks(of: forGrammar) {
            #expect(Set(blocks).isSuperset(of: ["model User", "model Note", "enum Status"]), "\(blocks)")
        }
        var again = PrismaSchemaParser.parse(merged, file: "schema.prisma").schema
        again.packageSchema = "app"
        let imported = PrismaImport.package(from: again)
        #expect(imported.limits.count == 1 && imported.limits.contains { $0.hasPrefix("User: it lives in the database schema public") }, "\(imported.limits)")
        #expect(imported.yaml.contains("- name: Note") && !imported.yaml.contains("- name: User"), "\(imported.yaml)")
    }
}
