import Foundation
import SchemaCore
import Testing

/// Ids Prisma Client makes in another version (`@default(cuid(2))`, `@default(uuid(7))`, issue 20;
/// formbricks' workflow tables use `cuid(2)`): `version:` on a generated cuid or uuid.
@Suite struct IDVersionTests {
    static func yaml(_ id: String) -> String {
        """
        entities:
          - name: Run
            fields:
              id: \(id)
              label: { type: string }
        """
    }

    static func structure(_ id: String) throws -> CanonicalEntity {
        let desired = TestSupport.desired(yaml(id), host: PrimaryKeyNameTests.postgresHost)
        try #require(desired.isValid, "\(desired.errors)")
        return try #require(desired.entities.first?.structure)
    }

    @Test func aVersionIsInTheChecksumAndTheClientButNotTheSQL() throws {
        let cuid = try Self.structure("{ type: cuid, primary: true, generated: true }")
        let cuid1 = try Self.structure("{ type: cuid, primary: true, generated: true, version: 1 }")
        let cuid2 = try Self.structure("{ type: cuid, primary: true, generated: true, version: 2 }")
        let uuid7 = try Self.structure("{ type: uuid, primary: true, generated: true, version: 7, db: Uuid }")
        let uuid4 = try Self.structure("{ type: uuid, primary: true, generated: true, version: 4, db: Uuid }")
        let uuid = try Self.structure("{ type: uuid, primary: true, generated: true, db: Uuid }")
        #expect(Checksum(of: cuid1) == Checksum(of: cuid) && Checksum(of: uuid4) == Checksum(of: uuid), "Prisma's default version is no version")
        #expect(Checksum(of: cuid2) != Checksum(of: cuid) && Checksum(of: uuid7) != Checksum(of: uuid))
        #expect(!CanonicalEncoding.encode(cuid).contains("version") && CanonicalEncoding.encode(cuid2).contains(#""version":2"#))
        for dialect in [SQLDialect.sqlite, .postgresql] {
            let renderer = MigrationSQLRenderer(dialect: dialect, primaryKeys: [:])
            #expect(DerivedChange(from: nil, to: cuid2, renderer: renderer).statements.map(\.sql) == DerivedChange(from: nil, to: cuid, renderer: renderer).statements.map(\.sql))
            let changed = DerivedChange(from: cuid, to: cuid2, renderer: renderer)
            #expect(changed.operations.isEmpty && changed.statements.allSatisfy { $0.phase == .rowLevelSecurity }, "\(dialect): \(changed.statements.map(\.sql))")
        }
        let fragment = PrismaArtifacts.fragment([cuid2], host: PrimaryKeyNameTests.postgresHost)
        #expect(fragment.contains("@id @default(cuid(2))"), "\(fragment)")
        let uuidFragment = PrismaArtifacts.fragment([uuid7], host: PrimaryKeyNameTests.postgresHost)
        #expect(uuidFragment.contains("@default(uuid(7)) @db.Uuid"), "\(uuidFragment)")
        #expect(PrismaArtifacts.fragment([cuid], host: PrimaryKeyNameTests.postgresHost).contains("@default(cuid())"))
        if let blocks = try PrismaGrammar.blocks(of: fragment + uuidFragment.replacingOccurrences(of: "model Run", with: "model Run2")) {
            #expect(blocks == ["model Run", "model Run2"], "\(blocks)")
        }
        for (text, structure) in [(fragment, cuid2), (uuidFragment, uuid7)] {
            let imported = PrismaImport.package(from: PrismaSchemaParser.parse("datasource db {\n  provider = \"postgresql\"\n}\n" + text, file: "schema.prisma").schema)
            #expect(imported.limits.isEmpty, "\(imported.limits)")
            #expect(TestSupport.desired(imported.yaml, host: PrimaryKeyNameTests.postgresHost).entities.first?.checksum == Checksum(of: structure), "\(imported.yaml)")
        }
    }

    @Test func onlyAGeneratedCuidOrUuidHasAVersionPrismaMakes() {
        func codes(_ id: String) -> [String] { TestSupport.validate(Self.yaml(id), host: PrimaryKeyNameTests.postgresHost).diagnostics.map(\.code.rawValue) }
        #expect(codes("{ type: cuid, primary: true, generated: true, version: 3 }") == ["E026"])
        #expect(codes("{ type: uuid, primary: true, generated: true, version: 2 }") == ["E026"])
        #expect(codes("{ type: cuid, primary: true, version: 2 }") == ["E022"], "not generated")
        #expect(codes("{ type: int, primary: true, generated: true, version: 2 }") == ["E022"])
        let report = TestSupport.validate(Self.yaml("{ type: cuid, primary: true, generated: true, version: 3 }"), host: PrimaryKeyNameTests.postgresHost)
        #expect(report.diagnostics.first?.hint?.contains("version: 2") == true && report.diagnostics.first?.location.line == 4, "\(report.diagnostics)")
    }
}
