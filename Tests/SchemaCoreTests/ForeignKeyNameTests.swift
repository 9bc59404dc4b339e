import Foundation
import SchemaCore
import Testing

/// A foreign key's constraint name (`@relation(…, map: "…")`, issue 20): `map:` on a belongsTo.
@Suite struct ForeignKeyNameTests {
    static let postgresHost = PrimaryKeyNameTests.postgresHost

    static func yaml(map: String? = nil, on kind: String = "belongsTo") -> String {
        """
        entities:
          - name: Org
            fields:
              id: { type: int, primary: true, generated: true }
            relations:
              - { name: members, type: hasMany, entity: Member, field: orgId\(kind == "hasMany" ? map.map { ", map: \($0)" } ?? "" : "") }
          - name: Member
            fields:
              id: { type: int, primary: true, generated: true }
              orgId: { type: int, map: org_id }
            relations:
              - { name: org, type: belongsTo, entity: Org, field: orgId, onDelete: Cascade\(kind == "belongsTo" ? map.map { ", map: \($0)" } ?? "" : "") }
        """
    }

    static func member(map: String? = nil) throws -> (member: CanonicalEntity, org: CanonicalEntity) {
        let desired = TestSupport.desired(yaml(map: map), host: postgresHost)
        try #require(desired.isValid, "\(desired.errors)")
        let byName = PrimaryKeyNameTests.byName(desired)
        return (try #require(byName["Member"]?.structure), try #require(byName["Org"]?.structure))
    }

    @Test func prismasNameWrittenOutKeepsTheChecksumAndAnotherChangesIt() throws {
        let plain = try Self.member().member
        // Prisma names the key after the table and its columns (`org_id`, the field's map).
        #expect(Checksum(of: try Self.member(map: "Member_org_id_fkey").member) == Checksum(of: plain))
        let named = try Self.member(map: "member_org_fk").member
        #expect(Checksum(of: named) != Checksum(of: plain))
        #expect(CanonicalEncoding.encode(named).contains(#""map":"member_org_fk""#) && !CanonicalEncoding.encode(plain).contains(#""map":"Member"#))
    }

    @Test func theMapNamesTheConstraintOnPostgreSQLAndARenameIsOneStatement() throws {
        let plain = try Self.member().member, named = try Self.member(map: "member_org_fk").member, renamed = try Self.member(map: "member_org").member
        let created = PrimaryKeyNameTests.statements(from: nil, to: named, .postgresql).joined(separator: "\n")
        #expect(created.contains(#"CONSTRAINT "member_org_fk" FOREIGN KEY ("org_id")"#) && !created.contains("Member_org_id_fkey"), "\(created)")
        let sqlite = PrimaryKeyNameTests.statements(from: nil, to: named, .sqlite).joined(separator: "\n")
        #expect(sqlite.contains(#"CONSTRAINT "Member_org_id_fkey" FOREIGN KEY ("org_id")"#) && !sqlite.contains("member_org_fk"), "\(sqlite)")
        #expect(TableShape.expected(for: named, dialect: .postgresql, primaryKeys: [:]).foreignKeys.map(\.name) == ["member_org_fk"])
        #expect(PrimaryKeyNameTests.statements(from: named, to: renamed, .postgresql) == [#"ALTER TABLE "Member" RENAME CONSTRAINT "member_org_fk" TO "member_org""#])
        #expect(PrimaryKeyNameTests.statements(from: plain, to: named, .postgresql) == [#"ALTER TABLE "Member" RENAME CONSTRAINT "Member_org_id_fkey" TO "member_org_fk""#])
        #expect(PrimaryKeyNameTests.statements(from: named, to: renamed, .sqlite).isEmpty)
        // Another change to the key drops the old name and adds the new one.
        let cascadeless = try #require(TestSupport.desired(Self.yaml(map: "member_org").replacingOccurrences(of: "onDelete: Cascade", with: "onDelete: Restrict"), host: Self.postgresHost)
            .entities.first { $0.structure.name == "Member" }?.structure)
        let changed = PrimaryKeyNameTests.statements(from: named, to: cascadeless, .postgresql)
        #expect(changed.contains { $0.contains(#"DROP CONSTRAINT IF EXISTS "member_org_fk""#) } && changed.contains { $0.contains(#"ADD CONSTRAINT "member_org" FOREIGN KEY"#) }, "\(changed)")
    }

    @Test func prismaSaysItAndImportCarriesItBack() throws {
        let (member, org) = try Self.member(map: "member_org_fk")
        let postgres = PrismaArtifacts.fragment([org, member], host: Self.postgresHost)
        #expect(postgres.contains(#"@relation(fields: [orgId], references: [id], onDelete: Cascade, map: "member_org_fk")"#), "\(postgres)")
        if let blocks = try PrismaGrammar.blocks(of: postgres) { #expect(blocks == ["model Member", "model Org"] || blocks == ["model Org", "model Member"], "\(blocks)") }
        #expect(!PrismaArtifacts.fragment([org, member], host: TestSupport.hostSchema).contains("member_org_fk"))
        let imported = PrismaImport.package(from: PrismaSchemaParser.parse("datasource db {\n  provider = \"postgresql\"\n}\n" + postgres, file: "schema.prisma").schema)
        #expect(imported.limits.isEmpty, "\(imported.limits)")
        let again = TestSupport.desired(imported.yaml, host: Self.postgresHost)
        try #require(again.isValid, "\(again.errors)\n\(imported.yaml)")
        #expect(PrimaryKeyNameTests.byName(again)["Member"]?.checksum == Checksum(of: member), "\(imported.yaml)")
    }

    @Test func aNamedUniqueFieldImportsAsANamedIndex() throws {
        let schema = PrismaSchemaParser.parse("""
            datasource db {
              provider = "postgresql"
            }
            model Org {
              id   Int    @id
              slug String @unique(map: "org_slug_uq")
            }
            """, file: "schema.prisma").schema
        let imported = PrismaImport.package(from: schema)
        let desired = TestSupport.desired(imported.yaml, host: Self.postgresHost)
        try #require(desired.isValid, "\(desired.errors)\n\(imported.yaml)")
        let org = try #require(desired.entities.first?.structure)
        #expect(org.indexes.map(\.name) == ["org_slug_uq"] && org.indexes.first?.unique == true, "\(imported.yaml)")
    }

    @Test func onlyABelongsToNamesAKeyAndTheNameIsChecked() {
        func codes(_ yaml: String) -> [String] { TestSupport.validate(yaml, host: Self.postgresHost).diagnostics.map(\.code.rawValue) }
        #expect(codes(Self.yaml(map: "org_members", on: "hasMany")) == ["E036"])
        #expect(codes(Self.yaml(map: "\"bad name\"")) == ["E011"])
        #expect(codes(Self.yaml(map: "Member_pkey")) == ["E061"], "the key's name is the primary key's")
    }

    @Test func aLiveKeyUnderAnotherNameReadsAsItsMapAndARepairRenamesItBack() throws {
        let member = try Self.member().member
        var live = TableShape.expected(for: member, dialect: .postgresql, primaryKeys: [:])
        live.foreignKeys[0].name = "fk_by_hand"
        let approximation = LiveEntity.approximate(live, snapshot: member, dialect: .postgresql, primaryKeys: [:])
        #expect(approximation.limits.isEmpty && approximation.entity.relations.first { $0.name == "org" }?.map == "fk_by_hand", "\(approximation)")
        let repair = DriftRepair.plan(live: live, applied: AppliedEntity(structure: member, checksum: Checksum(of: member), packages: ["fixture"]), dialect: .postgresql, primaryKeys: [:])
        guard case .change(let change) = repair else { Issue.record("no repair: \(repair)"); return }
        #expect(change.statements.filter { $0.phase != .rowLevelSecurity }.map(\.sql) == [#"ALTER TABLE "Member" RENAME CONSTRAINT "fk_by_hand" TO "Member_org_id_fkey""#])
    }
}
