import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Host models whose keys Prisma names (`@@id([…], name: "…", map: "…")`, `@id(map: "…")`) moved
/// and a foreign key Prisma names (`@relation(…, map: "…")`) moved into a package with
/// `import-prisma` (issue 20): the tables are those Prisma Migrate writes, a changed map renames
/// the constraint in place, and keys renamed by hand are drift that can be accepted.
@Suite(.serialized) struct PrimaryKeyNameApplyTests {
    static let prismaSchema = """
        datasource db {
          provider = "postgresql"
          url      = env("DATABASE_URL")
        }

        model Invoice {
          tenantId String
          number   Int
          total    Int
          lines    InvoiceLine[]

          @@id([tenantId, number], name: "invoiceKey", map: "invoices_pk")
          @@map("invoices")
        }

        model InvoiceLine {
          id       Int     @id(map: "invoice_lines_pk") @default(autoincrement())
          tenantId String
          number   Int
          invoice  Invoice @relation(fields: [tenantId, number], references: [tenantId, number], map: "lines_invoice_fk")
        }
        """

    /// What Prisma Migrate writes for the schema above, by hand from its conventions (the key
    /// and foreign key constraints named by `map:` on PostgreSQL; SQLite's keys have no name,
    /// its foreign keys Prisma's).
    static func prismaMigrateSQL(_ dialect: SQLDialect) -> [String] {
        switch dialect {
        case .postgresql:
            [
                #"CREATE TABLE "invoices" ("tenantId" TEXT NOT NULL, "number" INTEGER NOT NULL, "total" INTEGER NOT NULL, CONSTRAINT "invoices_pk" PRIMARY KEY ("tenantId","number"))"#,
                #"CREATE TABLE "InvoiceLine" ("id" SERIAL NOT NULL, "tenantId" TEXT NOT NULL, "number" INTEGER NOT NULL, CONSTRAINT "invoice_lines_pk" PRIMARY KEY ("id"))"#,
                #"ALTER TABLE "InvoiceLine" ADD CONSTRAINT "lines_invoice_fk" FOREIGN KEY ("tenantId", "number") REFERENCES "invoices"("tenantId", "number") ON DELETE RESTRICT ON UPDATE CASCADE"#,
            ]
        case .sqlite:
            [
                """
                CREATE TABLE "invoices" ("tenantId" TEXT NOT NULL, "number" INTEGER NOT NULL, "total" INTEGER NOT NULL,
                    PRIMARY KEY ("tenantId", "number"))
                """,
                """
                CREATE TABLE "InvoiceLine" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "tenantId" TEXT NOT NULL, "number" INTEGER NOT NULL,
                    CONSTRAINT "InvoiceLine_tenantId_number_fkey" FOREIGN KEY ("tenantId", "number") REFERENCES "invoices" ("tenantId", "number") ON DELETE RESTRICT ON UPDATE CASCADE)
                """,
            ]
        }
    }

    static func imported() throws -> String {
        let imported = PrismaImport.package(from: PrismaSchemaParser.parse(prismaSchema, file: "schema.prisma").schema)
        #expect(imported.limits.isEmpty, "\(imported.limits)")
        return imported.yaml
    }

    @Test(arguments: Backend.available)
    func importedKeysKeepTheirNamesAndAChangedMapRenamesTheConstraint(_ backend: Backend) throws {
        let yaml = try Self.imported()
        let desired = try Desired.from(["billing": yaml])
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.count == 2, "\(outcome.refused.map(\.message))")
        let ours = try Introspection.describe(database), prisma = try Introspection.oracle(backend, Self.prismaMigrateSQL)
        #expect(Set(ours).subtracting(prisma).sorted() == [], "ours, not Prisma's")
        #expect(Set(prisma).subtracting(ours).sorted() == [], "Prisma's, not ours")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
        let snapshot = try #require(try registry.appliedEntities().first { $0.structure.name == "Invoice" }?.structure)
        #expect(snapshot.keyName == "invoiceKey" && snapshot.keyMap == "invoices_pk", "\(snapshot)")

        // A changed map is one rename, the rows stay; drift then expects the new name.
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "invoices" ("tenantId", "number", "total") VALUES ('t1', 1, 10)"#) }
        let renamed = try Desired.from(["billing": yaml.replacingOccurrences(of: #"map: "invoices_pk""#, with: #"map: "invoice_key""#)])
        _ = try registry.scan(renamed, principal: "ci")
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, context: renamed.renderContext).accepted.count == 1)
        let changed = try registry.applyApproved(renamed)
        #expect(changed.applied.map(\.entity) == ["Invoice"], "\(changed.refused.map(\.message))")
        let ran = changed.statements.filter { $0.phase != .rowLevelSecurity }.map(\.sql)
        #expect(ran == (backend == .postgres ? [#"ALTER TABLE "invoices" RENAME CONSTRAINT "invoices_pk" TO "invoice_key""#] : []), "\(ran)")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
        let rows = try database.withLockedTransaction { try $0.query(#"SELECT COUNT(*) AS "count" FROM "invoices""#, []).first?["count"]?.integer }
        #expect(rows == 1)
        if backend == .postgres { try Self.keysRenamedByHandAreDriftToAccept(database, registry) }
    }

    /// The constraints' names in PostgreSQL's catalog, and both keys renamed by hand: drift, and
    /// accepting it records the live names as the maps.
    static func keysRenamedByHandAreDriftToAccept(_ database: any RegistryDatabase, _ registry: Registry) throws {
        let names = try database.withLockedTransaction { connection in
            try connection.query("SELECT conname FROM pg_constraint WHERE contype = 'p' AND conrelid IN ('invoices'::regclass, '\"InvoiceLine\"'::regclass) ORDER BY conname", [])
                .compactMap { $0["conname"]?.text }
        }
        #expect(names == ["invoice_key", "invoice_lines_pk"])

        // Renamed by hand: drift; accepted, the snapshot records the live name as the key's map.
        try database.withLockedTransaction { connection in
            try connection.execute(#"ALTER TABLE "InvoiceLine" RENAME CONSTRAINT "invoice_lines_pk" TO "lines_by_hand""#)
            try connection.execute(#"ALTER TABLE "InvoiceLine" RENAME CONSTRAINT "lines_invoice_fk" TO "fk_by_hand""#)
        }
        let drift = try registry.drift(host: Desired.host)
        #expect(drift.drifted.map(\.entity) == ["InvoiceLine"], "\(drift.drifted)")
        #expect(try registry.acceptDrift(["InvoiceLine"], as: "alice", host: Desired.host).accepted == ["InvoiceLine"])
        let accepted = try #require(try registry.appliedEntities().first { $0.structure.name == "InvoiceLine" }?.structure)
        #expect(accepted.keyMap == "lines_by_hand" && accepted.relations.first { $0.name == "invoice" }?.map == "fk_by_hand", "\(accepted)")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }
}
