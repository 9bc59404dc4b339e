import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Prisma's `@default(dbgenerated("…"))` in a package (issue 20; rallly keys `instance_settings` by
/// `dbgenerated("gen_random_uuid()")`), limited to the expressions a package may give: the table
/// is what Prisma Migrate makes, the database fills the values, drift is clean, and a column added
/// with a per-row default to a table with rows is the rewrite it is on PostgreSQL.
@Suite struct DatabaseDefaultTests {
    static let yaml = """
        entities:
          - name: Device
            fields:
              id: { type: uuid, primary: true, db: Uuid, default: { dbgenerated: "gen_random_uuid()" } }
              token: { type: string, default: { dbgenerated: gen_random_uuid() } }
              seenAt: { type: datetime, default: { dbgenerated: "now()" } }
              day: { type: datetime, db: Date, default: { dbgenerated: CURRENT_DATE } }
              name: { type: string, nullable: true }
        """

    /// What Prisma Migrate writes for `model Device { id String @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
    /// token String @default(dbgenerated("gen_random_uuid()"))  seenAt DateTime @default(dbgenerated("now()"))
    /// day DateTime @default(dbgenerated("CURRENT_DATE")) @db.Date  name String? }` on PostgreSQL: the
    /// expression as written (its documented behaviour for dbgenerated), by hand.
    static let prismaMigrateSQL = """
        CREATE TABLE "Device" (
            "id" UUID NOT NULL DEFAULT gen_random_uuid(),
            "token" TEXT NOT NULL DEFAULT gen_random_uuid(),
            "seenAt" TIMESTAMP(3) NOT NULL DEFAULT now(),
            "day" DATE NOT NULL DEFAULT CURRENT_DATE,
            "name" TEXT,

            CONSTRAINT "Device_pkey" PRIMARY KEY ("id")
        )
        """

    static let uuidV4 = #"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"#

    func texts(_ sql: String, _ database: any RegistryDatabase) throws -> [String] {
        try database.withLockedTransaction { connection in
            try connection.query(sql, []).compactMap { $0["value"]?.text }
        }
    }

    @Test(arguments: Backend.available)
    func theDatabaseFillsTheValuesAndTheTableIsPrismaMigrates(_ backend: Backend) throws {
        let desired = try Desired.from(["devices": Self.yaml])
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.map(\.entity) == ["Device"])
        if backend == .postgres {
            #expect(try Introspection.describe(database) == Introspection.oracle(.postgres) { _ in [Self.prismaMigrateSQL] })
        }
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
        try database.withLockedTransaction { connection in
            for name in ["a", "b", "c"] { try connection.execute(#"INSERT INTO "Device" ("name") VALUES ('\#(name)')"#) }
        }
        let cast = backend == .postgres ? "::text" : ""
        let ids = try texts(#"SELECT "id"\#(cast) AS "value" FROM "Device""#, database)
        let tokens = try texts(#"SELECT "token" AS "value" FROM "Device""#, database)
        #expect(ids.count == 3 && Set(ids).count == 3 && Set(tokens).count == 3, "every row its own: \(ids) \(tokens)")
        #expect((ids + tokens).allSatisfy { $0.range(of: Self.uuidV4, options: .regularExpression) != nil }, "version-4 UUIDs: \(ids) \(tokens)")
        #expect(try texts(#"SELECT CAST(COUNT(*) AS TEXT) AS "value" FROM "Device" WHERE "seenAt" IS NOT NULL AND "day" IS NOT NULL"#, database) == ["3"])

        let fragment = PrismaArtifacts.fragment(desired.entities.map(\.structure), host: desired.host)
            .split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(fragment.contains(#"token String @default(dbgenerated("gen_random_uuid()"))"#)
                && fragment.contains(#"seenAt DateTime @default(dbgenerated("now()"))"#), "\(fragment)")
    }

    /// Drift reads a computed default back: a default dropped by hand and one added by hand (an
    /// accepted expression, which the live table read as a structure can say) are both repaired.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func driftOfAComputedDefaultIsRepaired() throws {
        let desired = try Desired.from(["devices": Self.yaml])
        let (database, registry, _) = try Registry.applied(desired, on: .postgres)
        defer { database.close() }
        try database.withLockedTransaction { connection in
            try connection.execute(#"ALTER TABLE "Device" ALTER COLUMN "token" DROP DEFAULT"#)
            try connection.execute(#"ALTER TABLE "Device" ALTER COLUMN "name" SET DEFAULT gen_random_uuid()"#)
        }
        #expect(try registry.drift(host: Desired.host).hasDrift)
        let repairs = try registry.queueRepairs(host: Desired.host, principal: "ci")
        #expect(repairs.refused.isEmpty && repairs.queued.count == 1, "\(repairs.refused)")
        let sql = repairs.queued.first?.statements.map(\.sql).joined(separator: "\n") ?? ""
        #expect(sql.contains(#"ALTER COLUMN "token" SET DEFAULT gen_random_uuid()"#) && sql.contains(#"ALTER COLUMN "name" DROP DEFAULT"#), "\(sql)")
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext).accepted.count == 1)
        #expect(try registry.applyApproved(desired).applied.count == 1)
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// `uuid_generate_v4()` is the `uuid-ossp` extension's: until the host installed it, the change
    /// is refused with the way out (Prisma's spelling of the extension included) and stays approved.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func uuidGenerateV4WaitsForItsExtension() throws {
        let desired = try Desired.from(["legacy": """
            entities:
              - name: Legacy
                fields:
                  id: { type: uuid, primary: true, db: Uuid, default: { dbgenerated: "uuid_generate_v4()" } }
            """])
        let (database, registry, accepted) = try Registry.approved(desired, on: .postgres)
        defer { database.close() }
        #expect(accepted == 1)
        let refused = try registry.applyApproved(desired)
        #expect(refused.applied.isEmpty && refused.refused.map(\.code) == [.hostTableMissing], "\(refused.refused)")
        #expect(refused.refused.first?.message.contains(#"CREATE EXTENSION IF NOT EXISTS "uuid-ossp";"#) == true
                && refused.refused.first?.message.contains(#"extensions = [uuid_ossp(map: "uuid-ossp")]"#) == true, "\(refused.refused)")
        try database.withLockedTransaction { try $0.execute(#"CREATE EXTENSION IF NOT EXISTS "uuid-ossp""#) }
        #expect(try registry.applyApproved(desired).applied.map(\.entity) == ["Legacy"])
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Legacy" DEFAULT VALUES"#) }
        #expect(try texts(#"SELECT "id"::text AS "value" FROM "Legacy""#, database).allSatisfy { $0.range(of: Self.uuidV4, options: .regularExpression) != nil })
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// A column added with `gen_random_uuid()` gives each existing row its own value: on PostgreSQL
    /// that rewrites the table (RW101, approved with `--allow-rewrite`); SQLite rebuilds the table.
    @Test(arguments: Backend.available)
    func aColumnAddedWithAPerRowDefaultFillsEveryRow(_ backend: Backend) throws {
        func gadget(_ fields: String...) throws -> DesiredState {
            try Desired.from(["devices": "entities:\n  - name: Gadget\n    fields:\n      id: { type: string, primary: true }\n"
                                + fields.map { "      \($0)\n" }.joined()], deploys: .recreate)
        }
        let serial = #"serial: { type: string, default: { dbgenerated: "gen_random_uuid()" } }"#
        let at = #"at: { type: datetime, nullable: true, default: { dbgenerated: "now()" } }"#
        let before = try gadget()
        let (database, registry, _) = try Registry.applied(before, on: backend)
        defer { database.close() }
        try database.withLockedTransaction { connection in
            for id in ["a", "b", "c"] { try connection.execute(#"INSERT INTO "Gadget" ("id") VALUES ('\#(id)')"#) }
        }
        let after = try gadget(serial, at)
        _ = try registry.scan(after, principal: "ci")
        let pending = try registry.items(in: [.pending])
        #expect(pending.count == 1)
        if backend == .postgres {
            #expect(pending.first?.risks.contains { $0.kind == .tableRewrite } == true, "\(pending.first?.risks ?? [])")
            #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, context: after.renderContext).accepted.isEmpty, "needs --allow-rewrite")
        } else {
            #expect(pending.first?.risks.contains { $0.kind == .tableRewrite } == false)
        }
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: after.renderContext).accepted.count == 1)
        #expect(try registry.applyApproved(after).applied.map(\.entity) == ["Gadget"])
        let serials = try texts(#"SELECT "serial" AS "value" FROM "Gadget""#, database)
        #expect(serials.count == 3 && Set(serials).count == 3 && serials.allSatisfy { $0.range(of: Self.uuidV4, options: .regularExpression) != nil }, "\(serials)")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)

        // A nullable column alone: SQLite cannot ADD COLUMN with a computed default, so it rebuilds.
        let later = try gadget(serial, at, #"day: { type: datetime, nullable: true, default: { dbgenerated: "CURRENT_DATE" } }"#)
        _ = try registry.scan(later, principal: "ci")
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, context: later.renderContext).accepted.count == 1)
        #expect(try registry.applyApproved(later).applied.map(\.entity) == ["Gadget"])
        #expect(try texts(#"SELECT CAST(COUNT(*) AS TEXT) AS "value" FROM "Gadget" WHERE "day" IS NOT NULL"#, database) == ["3"])
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    @Test func onlyTheAcceptedExpressionsOfTheRightType() {
        func codes(_ field: String) -> [String] {
            Desired.errorCodes("entities:\n  - name: Thing\n    fields:\n      id: { type: string, primary: true }\n      x: \(field)\n")
        }
        #expect(codes(#"{ type: string, default: { dbgenerated: "gen_random_uuid()" } }"#) == [])
        #expect(codes(#"{ type: string, default: { dbgenerated: "uuid_generate_v4()" } }"#) == [])
        #expect(codes(#"{ type: string, default: { dbgenerated: "md5(random()::text)" } }"#) == ["E024"], "not on the list: the host's migrations")
        #expect(codes(#"{ type: string, default: { dbgenerated: "pg_sleep(10)" } }"#) == ["E024"])
        #expect(codes(#"{ type: int, default: { dbgenerated: "gen_random_uuid()" } }"#) == ["E024"], "an int is not filled by a UUID")
        #expect(codes(#"{ type: string, default: { dbgenerated: "now()" } }"#) == ["E024"])
        #expect(codes(#"{ type: cuid, generated: true, default: { dbgenerated: "gen_random_uuid()" } }"#) == ["E024"])
        #expect(codes(#"{ type: string, default: { sql: "now()" } }"#) == ["E010"], "an unknown key")
        #expect(codes(#"{ type: string, default: {} }"#) == ["E004"], "an empty mapping")
    }

    /// import-prisma carries the accepted expressions and lists the others.
    @Test func importPrismaCarriesAcceptedExpressions() {
        let schema = PrismaSchemaParser.parse("""
            model Setting {
              id         Int      @id
              instanceId String   @unique @default(dbgenerated("gen_random_uuid()")) @db.Uuid
              legacyId   String   @default(dbgenerated("uuid_generate_v4()"))
              salt       String   @default(dbgenerated("md5(random()::text)"))
              touchedAt  DateTime @default(dbgenerated("now()"))
            }
            """, file: "schema.prisma").schema
        let imported = PrismaImport.package(from: schema)
        #expect(imported.yaml.contains(#"instanceId: { type: string, unique: true, default: { dbgenerated: "gen_random_uuid()" }, db: "Uuid" }"#), "\(imported.yaml)")
        #expect(imported.yaml.contains(#"touchedAt: { type: datetime, default: { dbgenerated: "now()" } }"#), "\(imported.yaml)")
        #expect(imported.yaml.contains(#"legacyId: { type: string, default: { dbgenerated: "uuid_generate_v4()" } }"#), "\(imported.yaml)")
        #expect(imported.limits == [#"Setting.salt: @default(dbgenerated("md5(random()::text)")) has no equivalent"#], "\(imported.limits)")
        #expect(Desired.errorCodes(imported.yaml) == [], "its output validates")
    }
}
