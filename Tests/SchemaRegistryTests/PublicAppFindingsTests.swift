import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// What langfuse's and trigger.dev's schemas showed `import-prisma` → validate → apply could not
/// yet take, written here as models of our own: a key of several fields one of which Prisma Client
/// makes (`@@id([id, projectId])` with `id String @default(cuid())`), and a decimal default that
/// keeps its digits (`Decimal @default("2.00") @db.Decimal(4, 2)`, which Prisma Migrate writes
/// `DEFAULT 2.00`).
@Suite(.serialized) struct PublicAppFindingsTests {
    static let schema = """
        datasource db {
          provider = "postgresql"
          url      = env("DATABASE_URL")
        }

        model TraceSession {
          id        String   @default(cuid())
          projectId String
          createdAt DateTime @default(now())

          @@id([id, projectId])
        }

        model Environment {
          id          String  @id @default(cuid())
          burstFactor Decimal @default("2.00") @db.Decimal(4, 2)
          ratio       Decimal @default(0.50) @db.Decimal(3, 2)
        }
        """

    /// Prisma Migrate's SQL for the schema above, by hand.
    static let prismaMigrateSQL = [
        #"CREATE TABLE "TraceSession" ("id" TEXT NOT NULL, "projectId" TEXT NOT NULL, "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT "TraceSession_pkey" PRIMARY KEY ("id","projectId"))"#,
        #"CREATE TABLE "Environment" ("id" TEXT NOT NULL, "burstFactor" DECIMAL(4,2) NOT NULL DEFAULT 2.00, "ratio" DECIMAL(3,2) NOT NULL DEFAULT 0.50, CONSTRAINT "Environment_pkey" PRIMARY KEY ("id"))"#,
    ]

    static func imported() throws -> (yaml: String, desired: DesiredState) {
        try Desired.imported(Self.schema, as: "app")
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func theModelsApplyAsPrismaMigrateMakesThem() throws {
        let (yaml, desired) = try Self.imported()
        #expect(yaml.contains(#"default: "2.00""#) && yaml.contains(#"default: "0.50""#), "\(yaml)")
        let (database, registry, outcome) = try Registry.applied(desired, on: .postgres)
        defer { database.close() }
        #expect(outcome.applied.count == 2, "\(outcome.refused.map(\.message))")
        let (ours, prisma) = try Introspection.againstPrisma(database, Self.prismaMigrateSQL)
        #expect(ours.contains { $0.contains("2.00") }, "the comparison must not be vacuous: \(ours)")
        #expect(Set(ours).subtracting(prisma).sorted() == [], "ours, not Prisma's")
        #expect(Set(prisma).subtracting(ours).sorted() == [], "Prisma's, not ours")
        #expect(!(try registry.drift(host: nil)).hasDrift)
        let host = PrismaSchemaParser.parse(Self.schema.components(separatedBy: "model TraceSession")[0], file: "prisma/schema.prisma").schema
        try registry.expectFragmentLines([#"burstFactor Decimal @default("2.00") @db.Decimal(4, 2)"#, "id String @default(cuid())", "@@id([id, projectId])"], host: host)
    }

    /// SQLite keeps the default's digits too, and a row written without the key's generated field
    /// is Prisma Client's to fill (the database has no default for it).
    @Test(arguments: Backend.available)
    func aDecimalDefaultKeepsItsDigits(_ backend: Backend) throws {
        let (_, desired) = try Self.imported()
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.count == 2, "\(outcome.refused.map(\.message))")
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Environment" ("id") VALUES ('e1')"#) }
        let stored = try EnumTypeApplyTests.text(#"SELECT CAST("burstFactor" AS TEXT) || ' ' || CAST("ratio" AS TEXT) AS "value" FROM "Environment""#, database)
        #expect(stored == (backend == .postgres ? "2.00 0.50" : "2 0.5"), "\(stored ?? "-")")
        #expect(!(try registry.drift(host: nil)).hasDrift)
    }

    /// What stays refused: a decimal default that is no plain number, and a database sequence
    /// in a key of several fields.
    @Test func whatStaysRefused() {
        func codes(_ fields: String, key: String? = nil) -> [String] {
            let yaml = "entities:\n  - name: Thing\n" + (key.map { "    primaryKey: \($0)\n" } ?? "") + "    fields:\n" + fields
            return DesiredState.resolve(.inMemory(["app": yaml])).errors.map(\.code.rawValue)
        }
        let id = "      id: { type: string, primary: true }\n"
        #expect(codes(id + "      ratio: { type: decimal, default: \"2.00\" }\n") == [])
        #expect(codes(id + "      ratio: { type: decimal, default: \"2.0.0\" }\n") == ["E024"])
        #expect(codes(id + "      ratio: { type: decimal, default: \"abc\" }\n") == ["E024"])
        #expect(codes(id + "      ratio: { type: decimal, default: \"1e5\" }\n") == ["E024"])
        #expect(codes("      id: { type: cuid, generated: true }\n      projectId: { type: string }\n", key: "[id, projectId]") == [])
        #expect(codes("      id: { type: int, generated: true }\n      projectId: { type: string }\n", key: "[id, projectId]").contains("E026"))
    }
}
