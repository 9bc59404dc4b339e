import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Scalar lists (`type: "String[]"`, Prisma's `String[]`, issue 20): PostgreSQL arrays as Prisma
/// Migrate makes them, nullable, with `ARRAY[…]` defaults; SQLite, which has no arrays (and whose
/// Prisma has no lists), refuses them at scan with the reason.
@Suite(.serialized) struct ScalarListTests {
    static let yaml = """
        enums:
          Role: [USER, ADMIN]
        entities:
          - name: Member
            fields:
              id: { type: string, primary: true }
              tags: { type: "String[]", default: [] }
              roles: { type: "Role[]", default: [USER] }
              scores: { type: "int[]" }
              refs: { type: "string[]", db: Uuid }
              seen: { type: "DateTime[]" }
              prices: { type: "Decimal[]" }
            indexes:
              - fields: [tags]
                type: Gin
        """

    /// What `prisma migrate dev` writes for `model Member { id String @id  tags String[] @default([])
    /// roles Role[] @default([USER])  scores Int[]  refs String[] @db.Uuid  seen DateTime[]  prices Decimal[]
    /// @@index([tags], type: Gin) }`, by hand.
    static let prismaMigrateSQL = [
        #"CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN')"#,
        """
        CREATE TABLE "Member" (
            "id" TEXT NOT NULL,
            "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
            "roles" "Role"[] DEFAULT ARRAY['USER']::"Role"[],
            "scores" INTEGER[],
            "refs" UUID[],
            "seen" TIMESTAMP(3)[],
            "prices" DECIMAL(65,30)[],

            CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
        )
        """,
        #"CREATE INDEX "Member_tags_idx" ON "Member" USING GIN ("tags")"#,
    ]

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func listsArePrismasArraysAndHoldValues() throws {
        let desired = try Desired.from(["members": Self.yaml])
        let (database, registry, outcome) = try Registry.applied(desired, on: .postgres)
        defer { database.close() }
        #expect(outcome.applied.map(\.entity) == ["Member"], "\(outcome.refused.map(\.message))")
        let (ours, prisma) = try Introspection.againstPrisma(database, Self.prismaMigrateSQL)
        #expect(ours.contains { $0.contains("Member.tags ARRAY/_text") }, "\(ours)")
        #expect(Set(ours).subtracting(prisma).sorted() == [], "ours, not Prisma's")
        #expect(Set(prisma).subtracting(ours).sorted() == [], "Prisma's, not ours")
        let drift = try registry.drift(host: Desired.host)
        #expect(!drift.hasDrift, "\(drift.drifted.flatMap(\.differences))")
        let roles = try database.withLockedTransaction { connection -> String? in
            try connection.execute(#"INSERT INTO "Member" ("id", "scores") VALUES ('m1', ARRAY[3, 1])"#)
            return try connection.query(#"SELECT array_to_string("roles", ',') || '|' || cardinality("tags") || '|' || "scores"[2] AS "value" FROM "Member""#, []).first?["value"]?.text
        }
        #expect(roles == "USER|0|1", "the defaults and the values")

        // The Prisma side: lists, their defaults and the enum a list alone uses.
        var postgres = desired.host ?? PrismaSchema()
        postgres.provider = "postgresql"
        let fragment = PrismaArtifacts.fragment([try #require(desired.entities.first?.structure)], host: postgres)
        let lines = Set(fragment.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") })
        for expected in ["tags String[] @default([])", "roles Role[] @default([USER])", "scores Int[]", "refs String[] @db.Uuid", "enum Role {"] {
            #expect(lines.contains(expected), "\(expected) not in\n\(fragment)")
        }
        let imported = PrismaImport.package(from: PrismaSchemaParser.parse(fragment, file: "schema.prisma").schema)
        #expect(imported.limits.isEmpty, "\(imported.limits)")
        #expect(try Desired.from(["members": imported.yaml]).entities.first?.checksum == desired.entities.first?.checksum, "\(imported.yaml)")
    }

    @Test func sqliteRefusesListsAtScan() throws {
        let (database, _) = try Backend.sqlite.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        let desired = try Desired.from(["members": Self.yaml])
        #expect(errorCode { try registry.scan(desired, principal: "ci") } == .invalidPackages)
        do {
            _ = try registry.scan(desired, principal: "ci")
        } catch let error as SchemaError {
            #expect(error.message.contains("Member.tags: a list (String[]) needs PostgreSQL"), "\(error.message)")
        }
    }

    @Test func whatDoesNotApplyToAListIsAnError() {
        func codes(_ field: String) -> [String] {
            Desired.errorCodes("entities:\n  - name: Member\n    fields:\n      id: { type: string, primary: true }\n      \(field)\n")
        }
        #expect(codes(#"tags: { type: "string[]" }"#).isEmpty)
        // Unquoted in braces, the brackets are YAML's: the error says how to write it.
        let unquoted = EntitiesFileParser.parse("entities:\n  - name: M\n    fields:\n      tags: { type: string[] }\n", file: "e.yaml")
        #expect(unquoted.diagnostics.first?.hint?.contains(#"type: "string[]""#) == true, "\(unquoted.diagnostics)")
        #expect(codes(#"tags: { type: "string[]", maxLength: 3 }"#) == ["E022"])
        #expect(codes(#"tags: { type: "string[]", nullable: true }"#) == ["E022"])
        #expect(codes(#"tags: { type: "string[]", unique: true }"#) == ["E022"])
        #expect(codes(#"tags: { type: "int[]", default: [1, "x"] }"#) == ["E024"])
        #expect(codes(#"tags: { type: "int[]", default: 1 }"#) == ["E004"])
        #expect(codes(#"tags: { type: "string[]" }"# + "\n    relations:\n      - { name: user, type: belongsTo, entity: User, field: tags }") == ["E032"])
    }
}
