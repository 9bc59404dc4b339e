import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Index access methods, operator classes and sort order (issue 20: Prisma's `type: Gin`,
/// `ops: raw("…")`, `sort: Desc`): the indexes are what Prisma Migrate creates, drift sees them
/// changed by hand, and Prisma's attributes come back through import-prisma.
@Suite struct IndexLayoutTests {
    static let yaml = """
        entities:
          - name: Recipient
            fields:
              id: { type: string, primary: true }
              email: { type: string }
              name: { type: string }
              createdAt: { type: datetime, default: now }
              tags: { type: json, nullable: true }
            indexes:
              - fields: [email]
              - fields: [email]
                name: Recipient_email_pattern_idx
                ops: { email: text_pattern_ops }
              - fields: [name, createdAt]
                sort: { createdAt: Desc }
              - fields: [tags]
                type: Gin
                ops: { tags: jsonb_path_ops }
        """

    /// What Prisma Migrate writes for `@@index([email])`, `@@index([email(ops: raw("text_pattern_ops"))],
    /// map: "Recipient_email_pattern_idx")`, `@@index([name, createdAt(sort: Desc)])` and
    /// `@@index([tags(ops: JsonbPathOps)], type: Gin)`, by hand from its conventions (as in
    /// public apps' migration.sql: `CREATE INDEX "X" ON "T" USING GIN ("c" jsonb_path_ops)`). SQLite
    /// has no access methods or operator classes (Prisma offers them only for PostgreSQL); the order stays.
    static func prismaMigrateSQL(_ dialect: SQLDialect) -> [String] {
        switch dialect {
        case .postgresql:
            [
                #"CREATE TABLE "Recipient" ("id" TEXT NOT NULL, "email" TEXT NOT NULL, "name" TEXT NOT NULL, "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "tags" JSONB, CONSTRAINT "Recipient_pkey" PRIMARY KEY ("id"))"#,
                #"CREATE INDEX "Recipient_email_idx" ON "Recipient"("email")"#,
                #"CREATE INDEX "Recipient_email_pattern_idx" ON "Recipient"("email" text_pattern_ops)"#,
                #"CREATE INDEX "Recipient_name_createdAt_idx" ON "Recipient"("name", "createdAt" DESC)"#,
                #"CREATE INDEX "Recipient_tags_idx" ON "Recipient" USING GIN ("tags" jsonb_path_ops)"#,
            ]
        case .sqlite:
            [
                #"CREATE TABLE "Recipient" ("id" TEXT NOT NULL PRIMARY KEY, "email" TEXT NOT NULL, "name" TEXT NOT NULL, "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, "tags" JSONB)"#,
                #"CREATE INDEX "Recipient_email_idx" ON "Recipient"("email")"#,
                #"CREATE INDEX "Recipient_email_pattern_idx" ON "Recipient"("email")"#,
                #"CREATE INDEX "Recipient_name_createdAt_idx" ON "Recipient"("name", "createdAt" DESC)"#,
                #"CREATE INDEX "Recipient_tags_idx" ON "Recipient"("tags")"#,
            ]
        }
    }

    @Test(arguments: Backend.available)
    func theIndexesArePrismaMigrates(_ backend: Backend) throws {
        let desired = try Desired.from(["mail": Self.yaml])
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.map(\.entity) == ["Recipient"] && outcome.refused.isEmpty, "\(outcome.refused)")
        #expect(try Introspection.describe(database) == Introspection.oracle(backend, Self.prismaMigrateSQL))
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// PostgreSQL keeps method, classes and order in its catalog (SQLite's drift sees columns only).
    @Test(.enabled(if: Backend.available.contains(.postgres), "needs PostgreSQL (scripts/test.sh starts one)"))
    func driftSeesAnIndexRebuiltByHand() throws {
        let (database, registry, _) = try Registry.applied(try Desired.from(["mail": Self.yaml]), on: .postgres)
        defer { database.close() }
        // The GIN index rebuilt by hand as a B-tree under its name, the DESC dropped from another.
        try database.withLockedTransaction { connection in
            try connection.execute(#"DROP INDEX "Recipient_tags_idx""#)
            try connection.execute(#"CREATE INDEX "Recipient_tags_idx" ON "Recipient"("tags")"#)
            try connection.execute(#"DROP INDEX "Recipient_name_createdAt_idx""#)
            try connection.execute(#"CREATE INDEX "Recipient_name_createdAt_idx" ON "Recipient"("name", "createdAt")"#)
        }
        let drift = try registry.drift(host: Desired.host)
        let changed = drift.drifted.flatMap(\.differences).filter { $0.kind == .indexChanged }.map(\.object).sorted()
        #expect(changed == ["Recipient_name_createdAt_idx", "Recipient_tags_idx"], "\(drift.drifted)")
        #expect(drift.drifted.flatMap(\.differences).contains { $0.expected?.contains("using gin (tags jsonb_path_ops)") == true }, "\(drift.drifted)")
    }

    /// The Prisma attributes, rendered for PostgreSQL and read back by import-prisma to the same structure.
    @Test func prismaAttributesComeBackThroughImport() throws {
        let desired = try Desired.from(["mail": Self.yaml])
        let structure = try #require(desired.entities.first?.structure)
        var host = PrismaSchema()
        host.provider = "postgresql"
        let fragment = PrismaArtifacts.fragment([structure], host: host)
        #expect(fragment.contains(#"@@index([tags(ops: JsonbPathOps)], type: Gin)"#) && fragment.contains("@@index([name, createdAt(sort: Desc)])")
                && fragment.contains(#"@@index([email(ops: raw("text_pattern_ops"))], map: "Recipient_email_pattern_idx")"#) && fragment.contains("@@index([email])"),
                "\(fragment)")
        let parsed = PrismaSchemaParser.parse("datasource db {\n  provider = \"postgresql\"\n}\n" + fragment, file: "schema.prisma").schema
        let imported = PrismaImport.package(from: parsed)
        #expect(imported.limits.isEmpty, "\(imported.limits)")
        let again = try Desired.from(["mail": imported.yaml])
        #expect(again.entities.first?.checksum == desired.entities.first?.checksum, "\(imported.yaml)")
        // A B-tree index in ascending order has the checksum it always had.
        let plain = "entities:\n  - name: A\n    fields:\n      id: { type: string, primary: true }\n      b: { type: string }\n    indexes:\n      - fields: [b]\n"
        let explicit = plain + "        type: BTree\n        sort: { b: Asc }\n"
        #expect(try Desired.from(["a": plain]).entities.first?.checksum == Desired.from(["a": explicit]).entities.first?.checksum)
        #expect(CanonicalEncoding.encode(try #require(try Desired.from(["a": plain]).entities.first?.structure)).contains(#"{"fields":["b"],"unique":false}"#))
    }

    @Test func mistakesAreDiagnosedWhereTheyAreWritten() {
        func codes(_ index: String) -> [String] {
            Desired.errorCodes("""
                entities:
                  - name: A
                    fields:
                      id: { type: string, primary: true }
                      b: { type: string }
                    indexes:
                      - fields: [b]
                \(index)
                """)
        }
        #expect(codes("        type: Gin").isEmpty)
        #expect(codes("        type: Ginn") == ["E026"])
        #expect(codes("        sort: { c: Desc }") == ["E030"])
        #expect(codes("        sort: { b: Down }") == ["E026"])
        #expect(codes("        ops: { b: \"x; DROP TABLE a\" }") == ["E011"])
        #expect(codes("        unique: true\n        type: Gin") == ["E026"])
        #expect(codes("        sort: [b]") == ["E004"])
    }

    /// An operator class an extension brings (pg_trgm's `gin_trgm_ops`, which documenso's
    /// `@@index([email(ops: raw("gin_trgm_ops"))], type: Gin)` uses) before the host installed the
    /// extension: the start refuses the change with the way out and nothing runs (it was a
    /// statement failure half-way through the start), the review says so, and once the extension
    /// is there the index is built.
    /// Whether the PostgreSQL the tests use can install pg_trgm (a contrib extension; Debian's
    /// and the official images have it).
    static let trigramsInstallable: Bool = Backend.available.contains(.postgres) && (try? Backend.asSuperuser(database: nil) { superuser in
        try superuser.withLockedTransaction { try $0.query("SELECT 1 AS \"one\" FROM pg_available_extensions WHERE name = 'pg_trgm'", []).count == 1 }
    }) == true

    @Test(.enabled(if: trigramsInstallable, "needs PostgreSQL with the pg_trgm extension available (scripts/test.sh starts one)"))
    func anOperatorClassOfAnExtensionWaitsForIt() throws {
        let desired = try Desired.from(["search": """
            entities:
              - name: Recipient
                fields:
                  id: { type: string, primary: true }
                  email: { type: string }
                indexes:
                  - fields: [email]
                    type: Gin
                    ops: { email: gin_trgm_ops }
            """])
        let (database, registry, accepted) = try Registry.approved(desired, on: .postgres)
        defer { database.close() }
        #expect(accepted == 1)
        let approved = try registry.items(in: [.approved])
        let blockers = try registry.impact(of: approved, context: desired.renderContext)[approved.first?.id ?? ""]?.blockers ?? []
        #expect(blockers.count == 1 && blockers.first?.contains("CREATE EXTENSION IF NOT EXISTS pg_trgm") == true, "\(blockers)")
        let refused = try registry.applyApproved(desired)
        #expect(refused.applied.isEmpty && refused.statements.isEmpty && refused.refused.map(\.code) == [.hostTableMissing], "\(refused.refused)")
        #expect(refused.refused.first?.message.contains("uses gin_trgm_ops for email, an operator class for gin of the pg_trgm extension") == true, "\(refused.refused)")
        #expect(try registry.items(in: [.approved]).count == 1, "the approval stays good for when the extension is there")

        try database.withLockedTransaction { try $0.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm") }
        #expect(try registry.applyApproved(desired).applied.map(\.entity) == ["Recipient"])
        let index = try database.withLockedTransaction { try $0.query("SELECT indexdef FROM pg_indexes WHERE indexname = 'Recipient_email_idx'", []).first?["indexdef"]?.text }
        #expect(index?.contains("USING gin (email gin_trgm_ops)") == true, "\(String(describing: index))")
    }
}
