import Foundation
import SchemaCore
import Testing

/// A primary key of several fields (`primaryKey: [postId, tagId]`, Prisma's `@@id`, issue 20): the
/// key of an explicit many-to-many join table.
@Suite struct CompoundPrimaryKeyTests {
    static let yaml = """
        entities:
          - name: Post
            fields:
              id: { type: string, primary: true }
          - name: Tag
            fields:
              id: { type: string, primary: true }
          - name: PostTag
            primaryKey: [postId, tagId]
            fields:
              tagId: { type: string }
              postId: { type: string }
              note: { type: string, nullable: true }
            relations:
              - { name: post, type: belongsTo, entity: Post, field: postId, onDelete: Cascade }
              - { name: tag, type: belongsTo, entity: Tag, field: tagId, onDelete: Cascade }
        """

    static func structure(_ yaml: String = yaml, _ name: String = "PostTag") throws -> CanonicalEntity {
        let desired = TestSupport.desired(yaml)
        try #require(desired.isValid, "\(desired.errors)")
        return try #require(desired.entities.first { $0.structure.name == name }?.structure)
    }

    @Test func theKeyKeepsItsOrderAndOnlyItCountsInTheChecksum() throws {
        let entity = try Self.structure()
        #expect(entity.compoundKey == ["postId", "tagId"] && entity.keyColumns == ["postId", "tagId"] && entity.primaryKey == nil)
        #expect(entity.fields.filter(\.primary).map(\.name) == ["postId", "tagId"] && entity.fields.filter(\.primary).allSatisfy { !$0.optional })
        #expect(CanonicalEncoding.encode(entity).contains(#""primaryKey":["postId","tagId"]"#))
        let swapped = try Self.structure(Self.yaml.replacingOccurrences(of: "[postId, tagId]", with: "[tagId, postId]"))
        #expect(Checksum(of: swapped) != Checksum(of: entity), "the key's order is its index's order")
        // A key of one field said either way is the same key, with the checksum it always had.
        let single = "entities:\n  - name: Tag\n    fields:\n      id: { type: string, primary: true }\n"
        let listed = "entities:\n  - name: Tag\n    primaryKey: [id]\n    fields:\n      id: { type: string }\n"
        #expect(try Checksum(of: Self.structure(single, "Tag")) == Checksum(of: Self.structure(listed, "Tag")))
    }

    @Test func bothDatabasesGetTheKeyPrismaMigrateWrites() throws {
        let entity = try Self.structure()
        let postgres = DerivedChange(from: nil, to: entity, renderer: MigrationSQLRenderer(dialect: .postgresql, primaryKeys: ["Post": "id", "Tag": "id"]))
        let create = try #require(postgres.statements.first { $0.sql.hasPrefix("CREATE TABLE") }?.sql)
        #expect(create.contains(#"CONSTRAINT "PostTag_pkey" PRIMARY KEY ("postId", "tagId")"#), "\(create)")
        let sqlite = DerivedChange(from: nil, to: entity, renderer: MigrationSQLRenderer(dialect: .sqlite, primaryKeys: ["Post": "id", "Tag": "id"]))
        let table = try #require(sqlite.statements.first { $0.sql.hasPrefix("CREATE TABLE") }?.sql)
        #expect(table.contains(#"    PRIMARY KEY ("postId", "tagId")"#) && !table.contains("NOT NULL PRIMARY KEY"), "\(table)")
        // A backfill walks the rows by the whole key.
        let required = try Self.structure(Self.yaml.replacingOccurrences(of: "note: { type: string, nullable: true }", with: "note: { type: string, default: none }"))
        let backfill = DerivedChange(from: entity, to: required, renderer: MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:])).statements.map(\.sql)
        #expect(backfill.contains { $0.contains(#"SELECT "postId", "tagId" FROM "PostTag""#) && $0.contains(#"AND ("postId", "tagId") IN (SELECT "postId", "tagId" FROM "batch")"#) },
                "\(backfill)")
        let shape = TableShape.expected(for: entity, dialect: .postgresql, primaryKeys: [:])
        #expect(shape.primaryKey == ["postId", "tagId"])
    }

    @Test func prismaSaysAtAtIdAndImportCarriesItBack() throws {
        let desired = TestSupport.desired(Self.yaml)
        let fragment = PrismaArtifacts.fragment(desired.entities.map(\.structure), host: TestSupport.hostSchema)
        #expect(fragment.contains("  @@id([postId, tagId])") && !fragment.contains("postId String @id"), "\(fragment)")
        if let blocks = try PrismaGrammar.blocks(of: fragment) { #expect(blocks.contains("model PostTag"), "\(blocks)") }
        let imported = PrismaImport.package(from: PrismaSchemaParser.parse(fragment, file: "schema.prisma").schema)
        #expect(imported.limits.isEmpty, "\(imported.limits)")
        let again = TestSupport.desired(imported.yaml)
        #expect(try Checksum(of: #require(again.entities.first { $0.structure.name == "PostTag" }?.structure)) == Checksum(of: Self.structure()), "\(imported.yaml)")
    }

    @Test func wrongKeysAndRelationsToThemAreErrors() {
        let codes = { (yaml: String) in TestSupport.validate(yaml).diagnostics.filter { $0.severity == .error }.map(\.code.rawValue) }
        #expect(codes(Self.yaml).isEmpty)
        #expect(codes(Self.yaml.replacingOccurrences(of: "[postId, tagId]", with: "[postId, tagID]")) == ["E030"])
        #expect(codes(Self.yaml.replacingOccurrences(of: "[postId, tagId]", with: "[postId, postId]")) == ["E020"])
        #expect(codes(Self.yaml.replacingOccurrences(of: "tagId: { type: string }", with: "tagId: { type: string, primary: true }")) == ["E020"])
        #expect(codes(Self.yaml.replacingOccurrences(of: "tagId: { type: string }", with: "tagId: { type: string, nullable: true }")) == ["E021"])
        let twoPrimaries = TestSupport.validate(Self.yaml.replacingOccurrences(of: "    primaryKey: [postId, tagId]\n", with: "")
            .replacingOccurrences(of: "tagId: { type: string }", with: "tagId: { type: string, primary: true }")
            .replacingOccurrences(of: "postId: { type: string }", with: "postId: { type: string, primary: true }"))
        #expect(twoPrimaries.diagnostics.map(\.code.rawValue) == ["E020"] && twoPrimaries.diagnostics.first?.hint?.contains("primaryKey: [") == true,
                "\(twoPrimaries.diagnostics)")
        let pointing = Self.yaml + """

              - name: Vote
                fields:
                  id: { type: string, primary: true }
                  postTagId: { type: string }
                relations:
                  - { name: postTag, type: belongsTo, entity: PostTag, field: postTagId }
            """
        #expect(codes(pointing) == ["E032"], "a foreign key of several columns is not said yet")
    }

    @Test func aChangedCompoundKeyIsNotPlanned() throws {
        let before = try Self.structure()
        let after = TestSupport.desired(Self.yaml.replacingOccurrences(of: "[postId, tagId]", with: "[tagId, postId]"))
        let messages = MigrationPlanner.unplannableChanges(desired: after.entities, applied: [AppliedEntity(structure: before, checksum: Checksum(of: before), packages: ["fixture"])])
        #expect(messages.count == 1 && messages[0].contains("(postId, tagId) to (tagId, postId)"), "\(messages)")
    }
}
