import Foundation
import SchemaCore
import Testing

/// A key's Prisma Client name and constraint name (`@@id([a, b], name: "…", map: "…")`,
/// `@id(map: "…")`, issue 20): `primaryKey: { fields:, name:, map: }`.
@Suite struct PrimaryKeyNameTests {
    static let postgresHost = PrismaSchemaParser.parse("datasource db {\n  provider = \"postgresql\"\n}\n", file: "schema.prisma").schema

    /// An invoice keyed by tenant and number, and a user keyed by one field, with the key options given.
    static func yaml(invoiceKey: String = "[tenantId, number]", userKey: String? = nil) -> String {
        """
        entities:
          - name: Invoice
            map: invoices
            primaryKey: \(invoiceKey)
            fields:
              tenantId: { type: string }
              number: { type: int }
              total: { type: int }
          - name: User
        """ + (userKey.map { "\n    primaryKey: \($0)" } ?? "") + """

            fields:
              id: { type: int, primary: true, generated: true }
        """
    }

    static func structures(invoiceKey: String = "[tenantId, number]", userKey: String? = nil) throws -> (invoice: CanonicalEntity, user: CanonicalEntity) {
        let desired = TestSupport.desired(yaml(invoiceKey: invoiceKey, userKey: userKey), host: postgresHost)
        try #require(desired.isValid, "\(desired.errors)")
        let byName = Self.byName(desired)
        return (try #require(byName["Invoice"]?.structure), try #require(byName["User"]?.structure))
    }

    static func byName(_ desired: DesiredState) -> [String: DesiredEntity] {
        Dictionary(desired.entities.map { ($0.structure.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func statements(from old: CanonicalEntity?, to new: CanonicalEntity, _ dialect: SQLDialect) -> [String] {
        DerivedChange(from: old, to: new, renderer: MigrationSQLRenderer(dialect: dialect, primaryKeys: [:])).statements
            .filter { $0.phase != .rowLevelSecurity && $0.part != .rollback }.map(\.sql)
    }

    @Test func namesWrittenOrPrismasOwnKeepTheChecksumAndOthersChangeIt() throws {
        let plain = try Self.structures()
        // The object form without names, and Prisma's own constraint name written out, are the plain key.
        let objectForm = try Self.structures(invoiceKey: "{ fields: [tenantId, number] }", userKey: "{ map: User_pkey }")
        let prismasName = try Self.structures(invoiceKey: "{ fields: [tenantId, number], map: invoices_pkey }")
        #expect(Checksum(of: objectForm.invoice) == Checksum(of: plain.invoice) && Checksum(of: objectForm.user) == Checksum(of: plain.user))
        #expect(Checksum(of: prismasName.invoice) == Checksum(of: plain.invoice))
        #expect(!CanonicalEncoding.encode(plain.invoice).contains("primaryKeyMap") && !CanonicalEncoding.encode(plain.invoice).contains("primaryKeyName"))
        let named = try Self.structures(invoiceKey: "{ fields: [tenantId, number], name: invoiceKey }", userKey: "{ map: users_pk }")
        let mapped = try Self.structures(invoiceKey: "{ fields: [tenantId, number], map: invoices_pk }")
        let checksums = [plain.invoice, named.invoice, mapped.invoice].map { Checksum(of: $0) }
        #expect(Set(checksums).count == 3)
        #expect(Checksum(of: named.user) != Checksum(of: plain.user))
        #expect(CanonicalEncoding.encode(named.invoice).contains(#""primaryKeyName":"invoiceKey""#))
        #expect(CanonicalEncoding.encode(mapped.invoice).contains(#""primaryKeyMap":"invoices_pk""#))
    }

    @Test func theMapNamesTheConstraintOnPostgreSQLOnly() throws {
        let keys = try Self.structures(invoiceKey: "{ fields: [tenantId, number], name: invoiceKey, map: invoices_pk }", userKey: "{ map: users_pk }")
        let invoice = Self.statements(from: nil, to: keys.invoice, .postgresql).joined(separator: "\n")
        #expect(invoice.contains(#"CONSTRAINT "invoices_pk" PRIMARY KEY ("tenantId", "number")"#), "\(invoice)")
        #expect(Self.statements(from: nil, to: keys.user, .postgresql).joined().contains(#"CONSTRAINT "users_pk" PRIMARY KEY ("id")"#))
        // SQLite names no key constraint, as Prisma Migrate writes it there.
        let sqlite = Self.statements(from: nil, to: keys.invoice, .sqlite).joined(separator: "\n")
        #expect(sqlite.contains(#"PRIMARY KEY ("tenantId", "number")"#) && !sqlite.contains("invoices_pk"), "\(sqlite)")
        #expect(!Self.statements(from: nil, to: keys.user, .sqlite).joined().contains("users_pk"))
        // Drift expects the mapped name.
        #expect(TableShape.expected(for: keys.invoice, dialect: .postgresql, primaryKeys: [:]).primaryKeyName == "invoices_pk")
    }

    @Test func changingTheMapRenamesTheConstraintAndTheNameRunsNothing() throws {
        let plain = try Self.structures()
        let mapped = try Self.structures(invoiceKey: "{ fields: [tenantId, number], map: invoices_pk }", userKey: "{ map: users_pk }")
        let renamed = try Self.structures(invoiceKey: "{ fields: [tenantId, number], name: invoiceKey, map: invoice_key }")
        #expect(Self.statements(from: plain.invoice, to: mapped.invoice, .postgresql) == [#"ALTER TABLE "invoices" RENAME CONSTRAINT "invoices_pkey" TO "invoices_pk""#])
        #expect(Self.statements(from: mapped.invoice, to: renamed.invoice, .postgresql) == [#"ALTER TABLE "invoices" RENAME CONSTRAINT "invoices_pk" TO "invoice_key""#])
        #expect(Self.statements(from: mapped.user, to: plain.user, .postgresql) == [#"ALTER TABLE "User" RENAME CONSTRAINT "users_pk" TO "User_pkey""#])
        #expect(Self.statements(from: mapped.invoice, to: renamed.invoice, .sqlite).isEmpty)
        // The client name alone changes Prisma Client only.
        let named = try Self.structures(invoiceKey: "{ fields: [tenantId, number], name: invoiceKey }")
        #expect(DerivedChange(from: plain.invoice, to: named.invoice, renderer: MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:])).operations.isEmpty)
        // A renamed table keeps a mapped key's name: only the map's change renames it.
        var moved = mapped.invoice
        moved.table = "bills"
        let statements = Self.statements(from: mapped.invoice, to: moved, .postgresql)
        #expect(statements.first == #"ALTER TABLE "invoices" RENAME TO "bills""# && !statements.contains { $0.contains("RENAME CONSTRAINT") }, "\(statements)")
    }

    @Test func prismaGetsBothNamesAndImportCarriesThemBack() throws {
        let keys = try Self.structures(invoiceKey: "{ fields: [tenantId, number], name: invoiceKey, map: invoices_pk }", userKey: "{ map: users_pk }")
        let postgres = PrismaArtifacts.fragment([keys.invoice, keys.user], host: Self.postgresHost)
        #expect(postgres.contains(#"@@id([tenantId, number], name: "invoiceKey", map: "invoices_pk")"#), "\(postgres)")
        #expect(postgres.contains(#"@id(map: "users_pk") @default(autoincrement())"#), "\(postgres)")
        if let blocks = try PrismaGrammar.blocks(of: postgres) { #expect(blocks == ["model Invoice", "model User"], "\(blocks)") }
        // Prisma refuses a key constraint's name on SQLite: the fragment for a SQLite host leaves it out.
        let sqlite = PrismaArtifacts.fragment([keys.invoice, keys.user], host: TestSupport.hostSchema)
        #expect(sqlite.contains(#"@@id([tenantId, number], name: "invoiceKey")"#) && !sqlite.contains("map: \"invoices_pk\"") && !sqlite.contains("users_pk"), "\(sqlite)")
        let schema = PrismaSchemaParser.parse("datasource db {\n  provider = \"postgresql\"\n}\n" + postgres, file: "schema.prisma").schema
        let imported = PrismaImport.package(from: schema)
        #expect(imported.limits.isEmpty, "\(imported.limits)")
        let again = TestSupport.desired(imported.yaml, host: Self.postgresHost)
        try #require(again.isValid, "\(again.errors)\n\(imported.yaml)")
        #expect(Self.byName(again)["Invoice"]?.checksum == Checksum(of: keys.invoice), "\(imported.yaml)")
        #expect(Self.byName(again)["User"]?.checksum == Checksum(of: keys.user), "\(imported.yaml)")
    }

    @Test func eachNameIsCheckedWhereItIsWritten() {
        func codes(_ invoiceKey: String, userKey: String? = nil) -> [String] {
            TestSupport.validate(Self.yaml(invoiceKey: invoiceKey, userKey: userKey), host: Self.postgresHost).diagnostics.map(\.code.rawValue)
        }
        #expect(codes("[tenantId, number]", userKey: "{ name: userKey }") == ["E026"], "a client name for a key of one field")
        #expect(codes("{ fields: [tenantId, number], map: \"bad name\" }") == ["E011"])
        #expect(codes("{ fields: [tenantId, number], name: \"has space\" }") == ["E011"])
        #expect(codes("{ fields: [tenantId, number], map: User }") == ["E061"], "the key's index would take the User table's name")
        #expect(codes("{ fields: [tenantId, number], map: users_pk }", userKey: "{ map: users_pk }") == ["E061"])
        // A host model's key named by its own map takes that name, not Prisma's.
        let host = PrismaSchemaParser.parse("datasource db {\n  provider = \"postgresql\"\n}\nmodel Account {\n  id Int @id(map: \"acct_pk\")\n}\n", file: "schema.prisma").schema
        #expect(TestSupport.validate(Self.yaml(invoiceKey: "{ fields: [tenantId, number], map: acct_pk }"), host: host).diagnostics.map(\.code.rawValue) == ["E061"])
        #expect(TestSupport.validate(Self.yaml(invoiceKey: "{ fields: [tenantId, number], map: Account_pkey }"), host: host).diagnostics.isEmpty)
        let located = TestSupport.validate(Self.yaml(invoiceKey: "{ fields: [tenantId, number], map: \"bad name\" }"), host: Self.postgresHost).diagnostics.first
        #expect(located?.location.line == 4, "\(String(describing: located))")
    }

    @Test func aLiveKeyUnderAnotherNameReadsAsItsMapAndARepairRenamesItBack() throws {
        let keys = try Self.structures()
        let table = keys.invoice.inDatabase
        var live = TableShape.expected(for: keys.invoice, dialect: .postgresql, primaryKeys: [:])
        live.primaryKeyName = "renamed_by_hand"
        let approximation = LiveEntity.approximate(live, snapshot: keys.invoice, dialect: .postgresql, primaryKeys: [:])
        #expect(approximation.limits.isEmpty && approximation.entity.keyMap == "renamed_by_hand", "\(approximation)")
        let repair = DriftRepair.plan(live: live, applied: AppliedEntity(structure: keys.invoice, checksum: Checksum(of: keys.invoice), packages: ["fixture"]),
                                      dialect: .postgresql, primaryKeys: [:])
        guard case .change(let change) = repair else { Issue.record("no repair: \(repair)"); return }
        #expect(change.statements.filter { $0.phase != .rowLevelSecurity }.map(\.sql) == [#"ALTER TABLE "\#(table.name)" RENAME CONSTRAINT "renamed_by_hand" TO "invoices_pkey""#])
    }
}
