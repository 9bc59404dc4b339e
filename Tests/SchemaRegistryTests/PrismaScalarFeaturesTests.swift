import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Prisma's `Decimal`, `Bytes` and `@updatedAt` in a package (issue 20): the tables are what
/// Prisma Migrate creates for the same model, compared catalog to catalog, and values keep what
/// they are.
@Suite struct PrismaScalarFeaturesTests {
    static let yaml = """
        entities:
          - name: Product
            fields:
              id: { type: string, primary: true }
              price: { type: decimal, default: 9.5 }
              weight: { type: Decimal, nullable: true }
              thumbnail: { type: bytes, nullable: true }
              updatedAt: { type: datetime, updatedAt: true }
              ref: { type: string, db: Uuid, nullable: true }
              happenedAt: { type: datetime, db: Timestamptz(6) }
              country: { type: string, db: Char(2), nullable: true }
              ratio: { type: decimal, db: "Decimal(10, 2)", nullable: true }
              rank: { type: int, db: SmallInt, default: 0 }
              page: { type: string, db: Xml, nullable: true }
              flags: { type: string, db: Bit(3), default: "101" }
              mask: { type: string, db: VarBit(8), nullable: true }
              blob: { type: int, db: Oid, nullable: true }
              cost: { type: decimal, db: Money, default: 0 }
        """

    /// What Prisma Migrate writes for
    /// `model Product { id String @id  price Decimal @default(9.5)  weight Decimal?  thumbnail Bytes?  updatedAt DateTime @updatedAt
    /// ref String? @db.Uuid  happenedAt DateTime @db.Timestamptz(6)  country String? @db.Char(2)  ratio Decimal? @db.Decimal(10, 2)
    /// rank Int @default(0) @db.SmallInt  page String? @db.Xml  flags String @default("101") @db.Bit(3)  mask String? @db.VarBit(8)
    /// blob Int? @db.Oid  cost Decimal @default(0) @db.Money }` (SQLite has no native types: Prisma uses the scalars' own there)
    /// (its type mapping: `Decimal` is `DECIMAL(65,30)` on PostgreSQL and `DECIMAL` on SQLite,
    /// `Bytes` is `BYTEA` / `BLOB`, as in the migration.sql files of public Prisma apps), by hand.
    static func prismaMigrateSQL(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .postgresql:
            """
            CREATE TABLE "Product" (
                "id" TEXT NOT NULL,
                "price" DECIMAL(65,30) NOT NULL DEFAULT 9.5,
                "weight" DECIMAL(65,30),
                "thumbnail" BYTEA,
                "updatedAt" TIMESTAMP(3) NOT NULL,
                "ref" UUID,
                "happenedAt" TIMESTAMPTZ(6) NOT NULL,
                "country" CHAR(2),
                "ratio" DECIMAL(10,2),
                "rank" SMALLINT NOT NULL DEFAULT 0,
                "page" XML,
                "flags" BIT(3) NOT NULL DEFAULT '101',
                "mask" VARBIT(8),
                "blob" OID,
                "cost" MONEY NOT NULL DEFAULT 0,

                CONSTRAINT "Product_pkey" PRIMARY KEY ("id")
            )
            """
        case .sqlite:
            """
            CREATE TABLE "Product" (
                "id" TEXT NOT NULL PRIMARY KEY,
                "price" DECIMAL NOT NULL DEFAULT 9.5,
                "weight" DECIMAL,
                "thumbnail" BLOB,
                "updatedAt" DATETIME NOT NULL,
                "ref" TEXT,
                "happenedAt" DATETIME NOT NULL,
                "country" TEXT,
                "ratio" DECIMAL,
                "rank" INTEGER NOT NULL DEFAULT 0,
                "page" TEXT,
                "flags" TEXT NOT NULL DEFAULT '101',
                "mask" TEXT,
                "blob" INTEGER,
                "cost" DECIMAL NOT NULL DEFAULT 0
            )
            """
        }
    }

    func value(_ sql: String, _ database: any RegistryDatabase) throws -> String? {
        try database.withLockedTransaction { connection in
            switch try connection.query(sql, []).first?["value"] {
            case .text(let text)?: text
            case .integer(let number)?: String(number)
            default: nil
            }
        }
    }

    @Test(arguments: Backend.available)
    func theTablesArePrismaMigratesAndValuesKeepWhatTheyAre(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let desired = try Desired.from(["shop": Self.yaml])
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
        #expect(try registry.applyApproved(desired).applied.map(\.entity) == ["Product"])

        #expect(try Introspection.describe(database) == Introspection.oracle(backend) { [Self.prismaMigrateSQL($0)] })
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)

        let dialect = database.dialect
        let bytes = dialect == .postgresql ? #"'\x00ff10'::bytea"# : "X'00FF10'"
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Product" ("id", "weight", "thumbnail", "updatedAt", "happenedAt") VALUES ('a', 0.1, \#(bytes), CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), ('b', 0.2, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"#)
        }
        #expect(try value(#"SELECT length("thumbnail") AS "value" FROM "Product" WHERE "id" = 'a'"#, database) == "3")
        #expect(try value(#"SELECT COUNT(*) AS "value" FROM "Product" WHERE "price" = 9.5"#, database) == "2", "the default")
        if dialect == .postgresql {
            // Exact: a sum of decimals has no binary rounding (SQLite stores DECIMAL as a float, as Prisma's SQLite does).
            #expect(try value(#"SELECT (SUM("weight") = 0.3)::text AS "value" FROM "Product""#, database) == "true")
        }
        var postgresHost = desired.host ?? PrismaSchema()
        postgresHost.provider = "postgresql"
        let native = PrismaArtifacts.fragment(desired.entities.map(\.structure), host: postgresHost)
            .split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(native.contains("ref String? @db.Uuid") && native.contains("happenedAt DateTime @db.Timestamptz(6)")
                && native.contains("ratio Decimal? @db.Decimal(10, 2)") && native.contains("rank Int @default(0) @db.SmallInt"), "\(native)")
        #expect(native.contains("page String? @db.Xml") && native.contains("flags String @default(\"101\") @db.Bit(3)") && native.contains("mask String? @db.VarBit(8)")
                && native.contains("blob Int? @db.Oid") && native.contains("cost Decimal @default(0) @db.Money"), "\(native)")
        let fragment = PrismaArtifacts.fragment(desired.entities.map(\.structure), host: desired.host)
            .split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(fragment.contains("price Decimal @default(9.5)") && fragment.contains("weight Decimal?") && fragment.contains("thumbnail Bytes?")
                && fragment.contains("updatedAt DateTime @updatedAt"), "\(fragment)")
    }

    /// `db: Citext` (Prisma's `@db.Citext`, a case-insensitive text that rallly and many apps use for
    /// emails) is the `citext` extension's type, which the host installs: before it does, the
    /// change is refused with the way out and stays approved (it used to be a statement failure
    /// half-way through the start, had the type been accepted); after, the column is `CITEXT` as
    /// Prisma Migrate makes it and its unique index ignores case.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aCitextColumnWaitsForItsExtension() throws {
        let desired = try Desired.from(["members": """
            entities:
              - name: Member
                fields:
                  id: { type: string, primary: true }
                  email: { type: string, unique: true, db: Citext }
            """])
        let (database, registry, accepted) = try Registry.approved(desired, on: .postgres)
        defer { database.close() }
        #expect(accepted == 1)
        let approved = try registry.items(in: [.approved])
        let blockers = try registry.impact(of: approved, context: desired.renderContext)[approved.first?.id ?? ""]?.blockers ?? []
        #expect(blockers.count == 1 && blockers.first?.contains("CREATE EXTENSION IF NOT EXISTS citext") == true, "\(blockers)")
        let refused = try registry.applyApproved(desired)
        #expect(refused.applied.isEmpty && refused.refused.map(\.code) == [.hostTableMissing], "\(refused.refused)")
        #expect(refused.refused.first?.message.contains("Member.email is CITEXT, a type of the citext extension") == true, "\(refused.refused)")
        #expect(try registry.items(in: [.approved]).count == 1, "the approval stays good for when the extension is there")

        try database.withLockedTransaction { try $0.execute("CREATE EXTENSION IF NOT EXISTS citext") }
        #expect(try registry.applyApproved(desired).applied.map(\.entity) == ["Member"])
        #expect(try Introspection.describe(database) == Introspection.oracle(.postgres) { _ in ["CREATE EXTENSION IF NOT EXISTS citext", """
            CREATE TABLE "Member" (
                "id" TEXT NOT NULL,
                "email" CITEXT NOT NULL,

                CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
            )
            """, #"CREATE UNIQUE INDEX "Member_email_key" ON "Member"("email")"#] })
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id", "email") VALUES ('a', 'Ada@Example.com')"#) }
        #expect(throws: (any Error).self, "the unique index ignores case") {
            try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Member" ("id", "email") VALUES ('b', 'ada@example.COM')"#) }
        }
        var postgresHost = desired.host ?? PrismaSchema()
        postgresHost.provider = "postgresql"
        let fragment = PrismaArtifacts.fragment(desired.entities.map(\.structure), host: postgresHost)
            .split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(fragment.contains("email String @unique @db.Citext"), "\(fragment)")
    }

    @Test func rulesFollowTheType() {
        func codes(_ field: String) -> [String] {
            Desired.errorCodes("""
                entities:
                  - name: Product
                    fields:
                      id: { type: string, primary: true }
                      \(field)
                """)
        }
        #expect(codes("price: { type: decimal, min: 0, max: 1000.5, default: 1 }").isEmpty)
        #expect(codes("price: { type: decimal, maxLength: 3 }") == ["E022"])
        #expect(codes("thumbnail: { type: bytes, default: \"x\" }") == ["E024"])
        #expect(codes("price: { type: decimal, min: 5, default: 1 }") == ["E024"])
        #expect(codes("touched: { type: string, updatedAt: true }") == ["E022"])
        #expect(codes("ref: { type: int, db: Uuid }") == ["E022"])
        #expect(codes("ref: { type: string, db: Uuid(3) }") == ["E022"])
        #expect(codes("ref: { type: string, db: VarChar }") == ["E022"])
        #expect(codes("ref: { type: string, db: \"Uuid(\" }") == ["E026"])
        #expect(codes("ref: { type: string, maxLength: 3, db: Char(3) }") == ["E022"])
        #expect(codes("cost: { type: int, db: Money }") == ["E022"])
        #expect(codes("flags: { type: string, db: Bit }") == ["E022"], "Bit takes its length")
        // A default the column's native type refuses would fail the start's CREATE TABLE: said here.
        #expect(codes("ref: { type: string, db: Uuid, default: \"6f1c2a4e-8b7d-4e1f-9a3b-2c5d7e9f0a1b\" }").isEmpty)
        #expect(codes("ref: { type: string, db: Uuid, default: \"none\" }") == ["E024"])
        #expect(codes("country: { type: string, db: Char(2), default: \"NLD\" }") == ["E024"])
        #expect(codes("flags: { type: string, db: Bit(3), default: \"101\" }").isEmpty)
        #expect(codes("flags: { type: string, db: Bit(3), default: \"10\" }") == ["E024"])
        #expect(codes("flags: { type: string, db: VarBit(3), default: \"102\" }") == ["E024"])
        #expect(codes("flags: { type: string, db: VarBit(3), default: \"1011\" }") == ["E024"])
        #expect(codes("rank: { type: int, db: SmallInt, default: 40000 }") == ["E024"])
        #expect(codes("blob: { type: int, db: Oid, default: -1 }") == ["E024"])
        #expect(codes("ratio: { type: decimal, db: \"Decimal(4, 2)\", default: 99.99 }").isEmpty)
        #expect(codes("ratio: { type: decimal, db: \"Decimal(4, 2)\", default: 100 }") == ["E024"])
        #expect(codes("ratio: { type: decimal, db: \"Decimal(4, 2)\", default: \"123.0\" }") == ["E024"])
        // PostgreSQL makes no foreign key from TEXT to UUID: said at validation, not at the start.
        func relation(_ key: String) -> [String] {
            DesiredState.resolve(Workspace.inMemory(["shop": """
                entities:
                  - name: Owner
                    fields:
                      id: { type: uuid, primary: true, generated: true, db: Uuid }
                  - name: Pet
                    fields:
                      id: { type: string, primary: true }
                      \(key)
                    relations:
                      - { name: owner, type: belongsTo, entity: Owner, field: ownerId }
                """], baseSchema: Desired.host)).errors.map(\.code.rawValue)
        }
        #expect(relation("ownerId: { type: uuid }") == [DiagnosticCode.relationTypeMismatch.rawValue])
        #expect(relation("ownerId: { type: uuid, db: Uuid }").isEmpty)
    }

    /// `@updatedAt` changes the generated client, not the table: a change of it alone is queued
    /// (its checksum differs) with no statement on either database (SQLite used to rebuild the
    /// table for it); an entity without it keeps its checksum.
    @Test func updatedAtCountsForTheClientOnly() throws {
        let plain = try #require(try Desired.from(["shop": Self.yaml.replacingOccurrences(of: ", updatedAt: true", with: "")]).entities.first)
        let stamped = try #require(try Desired.from(["shop": Self.yaml]).entities.first)
        #expect(plain.checksum != stamped.checksum)
        #expect(!CanonicalEncoding.encode(plain.structure).contains("updatedAt\":"))
        for dialect in [SQLDialect.postgresql, .sqlite] {
            let change = DerivedChange(from: plain.structure, to: stamped.structure, renderer: MigrationSQLRenderer(dialect: dialect, primaryKeys: [:]))
            #expect(change.statements.filter { $0.phase != .rowLevelSecurity }.isEmpty && change.operations.isEmpty, "\(dialect): \(change.statements.map(\.sql))")
        }
        let decoded = try JSONDecoder().decode(CanonicalEntity.self, from: JSONEncoder().encode(plain.structure))
        #expect(decoded == plain.structure)
    }
}
