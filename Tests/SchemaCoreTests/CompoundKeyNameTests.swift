import Foundation
import SchemaCore
import Testing

/// A compound unique key's name in Prisma Client (`@@unique([tenantId, slug], name: "tenantSlug")`,
/// issue 20): application code queries by it, so it is structure, but the database never sees it.
@Suite struct CompoundKeyNameTests {
    static func yaml(_ clientName: String?) -> String {
        """
        entities:
          - name: Page
            fields:
              id: { type: string, primary: true }
              tenantId: { type: string }
              slug: { type: string }
            indexes:
              - fields: [tenantId, slug]
                unique: true
        """ + (clientName.map { "\n        clientName: \($0)" } ?? "")
    }

    static func structure(_ clientName: String?) throws -> CanonicalEntity {
        let desired = TestSupport.desired(yaml(clientName))
        try #require(desired.isValid, "\(desired.errors)")
        return try #require(desired.entities.first?.structure)
    }

    @Test func itIsInTheChecksumAndPrismaButNeverInTheDatabase() throws {
        let unnamed = try Self.structure(nil)
        let named = try Self.structure("tenantSlug")
        let other = try Self.structure("bySlug")
        #expect(Checksum(of: unnamed) != Checksum(of: named) && Checksum(of: named) != Checksum(of: other))
        // An unnamed key keeps the checksum it always had.
        #expect(!CanonicalEncoding.encode(unnamed).contains("clientName"))
        for dialect in [SQLDialect.sqlite, .postgresql] {
            let renderer = MigrationSQLRenderer(dialect: dialect, primaryKeys: [:])
            let renamed = DerivedChange(from: unnamed, to: named, renderer: renderer)
            #expect(renamed.operations.isEmpty && renamed.statements.allSatisfy { $0.phase == .rowLevelSecurity }, "\(dialect): \(renamed.statements.map(\.sql))")
            #expect(DerivedChange(from: nil, to: named, renderer: renderer).statements.map(\.sql) == DerivedChange(from: nil, to: unnamed, renderer: renderer).statements.map(\.sql))
        }
        #expect(Rollout.incompatibilities(from: unnamed, to: named).isEmpty)
        let fragment = PrismaArtifacts.fragment([named], host: nil)
        #expect(fragment.contains(#"@@unique([tenantId, slug], name: "tenantSlug")"#), "\(fragment)")
        if let blocks = try PrismaGrammar.blocks(of: fragment) { #expect(blocks == ["model Page"], "\(blocks)") }
        let imported = PrismaImport.package(from: PrismaSchemaParser.parse(fragment, file: "schema.prisma").schema)
        let again = TestSupport.desired(imported.yaml)
        #expect(again.entities.first?.checksum == Checksum(of: named), "\(imported.yaml)")
    }

    @Test func itNamesAUniqueKeyOnly() {
        let codes = TestSupport.validate(Self.yaml("tenantSlug").replacingOccurrences(of: "unique: true", with: "unique: false")).diagnostics.map(\.code.rawValue)
        #expect(codes == ["E026"])
        #expect(TestSupport.validate(Self.yaml("\"has space\"")).diagnostics.map(\.code.rawValue) == ["E011"])
    }
}
