import Foundation
import SchemaCore
import Testing

/// `map:` on entities and fields (Prisma's `@@map`/`@map`, issue 20): the database's names beside
/// the model's. The expected SQL and Prisma below are written by hand from Prisma's conventions
/// (indexes and constraints are named after the table and columns, not the model and fields).
@Suite struct MappedNameTests {
    static let yaml = """
        entities:
          - name: BlogPost
            map: blog_posts
            fields:
              id: { type: string, primary: true }
              userId: { type: string, map: user_id, index: true }
              createdAt: { type: datetime, default: now, map: created_at }
            relations:
              - { name: user, type: belongsTo, entity: User, field: userId, onDelete: Cascade }
            acl:
              read: [public]
              update: [owner]
          - name: BlogComment
            map: blog_comments
            fields:
              id: { type: string, primary: true }
              postId: { type: string, map: post_id }
            relations:
              - { name: post, type: belongsTo, entity: BlogPost, field: postId, onDelete: Cascade }
        """

    static func structures(_ yaml: String = yaml) throws -> [String: CanonicalEntity] {
        let desired = TestSupport.desired(yaml)
        try #require(desired.isValid, "\(desired.errors)")
        return Dictionary(uniqueKeysWithValues: desired.entities.map { ($0.structure.name, $0.structure) })
    }

    @Test func aMapEqualToTheNameIsNoMapAndEveryOtherOneCounts() throws {
        let plain = "entities:\n  - name: Tag\n    fields:\n      id: { type: string, primary: true }\n      label: { type: string }\n"
        let sameNames = plain.replacingOccurrences(of: "    fields:", with: "    map: Tag\n    fields:").replacingOccurrences(of: "string }\n", with: "string, map: label }\n")
        let mapped = plain.replacingOccurrences(of: "    fields:", with: "    map: tags\n    fields:")
        let checksum = { (yaml: String) in try #require(TestSupport.desired(yaml).entities.first?.checksum) }
        #expect(try checksum(plain) == checksum(sameNames), "a map that names what the name already does changes nothing")
        #expect(try checksum(plain) != checksum(mapped))
        #expect(try !CanonicalEncoding.encode(#require(Self.structures(plain)["Tag"])).contains("map"))
    }

    @Test func theSQLNamesTablesColumnsAndConstraintsAsPrismaMigrateWould() throws {
        let entities = try Self.structures()
        let keys = PrimaryKeys.of(host: TestSupport.hostSchema, entities: Array(entities.values))
        let renderer = MigrationSQLRenderer(dialect: .postgresql, primaryKeys: keys)
        let post = DerivedChange(from: nil, to: entities["BlogPost"], renderer: renderer).statements.map(\.sql).joined(separator: ";\n")
        let comment = DerivedChange(from: nil, to: entities["BlogComment"], renderer: renderer).statements.map(\.sql).joined(separator: ";\n")
        for expected in [#"CREATE TABLE "blog_posts""#, #""user_id" TEXT NOT NULL"#, #""created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP"#,
                         #"CONSTRAINT "blog_posts_pkey" PRIMARY KEY ("id")"#, #"CREATE INDEX "blog_posts_user_id_idx" ON "blog_posts"("user_id")"#,
                         #"ADD CONSTRAINT "blog_posts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "User"("id") ON DELETE CASCADE"#,
                         #""blog_posts"."user_id"::text"#] {
            #expect(post.contains(expected), "\(expected) not in\n\(post)")
        }
        #expect(comment.contains(#"FOREIGN KEY ("post_id") REFERENCES "blog_posts"("id")"#), "\(comment)")
        for logical in ["BlogPost", "userId", "createdAt", "postId"] {
            #expect(!(post + comment).contains("\"\(logical)\""), "\(logical) named in SQL")
        }
    }

    @Test func changingAFieldsMapRenamesTheColumn() throws {
        let before = try #require(try Self.structures()["BlogPost"])
        let after = try #require(try Self.structures(Self.yaml.replacingOccurrences(of: "map: created_at", with: "map: published_at"))["BlogPost"])
        let change = DerivedChange(from: before, to: after, renderer: MigrationSQLRenderer(dialect: .sqlite, primaryKeys: [:]))
        #expect(change.operations.contains(.renameColumn(table: "blog_posts", from: "created_at", to: "published_at")), "\(change.operations)")
        #expect(!change.isDestructive)
        // A renamed field that keeps its column changes nothing in the database.
        let renamed = try #require(try Self.structures(Self.yaml.replacingOccurrences(of: "createdAt: { type: datetime", with: "publishedAt: { type: datetime, renamedFrom: createdAt"))["BlogPost"])
        let same = DerivedChange(from: before, to: renamed, renames: ["publishedAt": "createdAt"], renderer: MigrationSQLRenderer(dialect: .sqlite, primaryKeys: [:]))
        #expect(same.operations.isEmpty, "\(same.operations)")
    }

    /// A changed entity `map:` renames the table, constraints and indexes following it, and plans nothing else.
    @Test func aChangedTableMapRenamesTheTable() throws {
        let before = try #require(try Self.structures()["BlogComment"])
        let moved = TestSupport.desired(Self.yaml.replacingOccurrences(of: "map: blog_comments", with: "map: comments"))
        let applied = [AppliedEntity(structure: before, checksum: Checksum(of: before), packages: ["fixture"])]
        #expect(MigrationPlanner.unplannableChanges(desired: moved.entities, applied: applied).isEmpty)
        let after = try #require(moved.entities.first { $0.structure.name == "BlogComment" }?.structure)
        let change = DerivedChange(from: before, to: after, renderer: MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:]))
        #expect(change.operations == [.renameTable(from: "blog_comments", to: "comments")], "\(change.operations)")
        #expect(change.statements.filter { $0.phase != .rowLevelSecurity }.map(\.sql) == [
            #"ALTER TABLE "blog_comments" RENAME TO "comments""#,
            #"ALTER TABLE "comments" RENAME CONSTRAINT "blog_comments_pkey" TO "comments_pkey""#,
            #"ALTER TABLE "comments" RENAME CONSTRAINT "blog_comments_post_id_fkey" TO "comments_post_id_fkey""#,
        ])
        #expect(!change.isDestructive)
    }

    @Test func badOrCollidingNamesAreErrors() {
        let codes = { (yaml: String) in TestSupport.validate(yaml).diagnostics.filter { $0.severity == .error }.map(\.code.rawValue) }
        #expect(codes(Self.yaml.replacingOccurrences(of: "map: post_id", with: "map: \"post id\"")) == ["E011"])
        #expect(codes(Self.yaml.replacingOccurrences(of: "map: blog_posts", with: "map: _blog")) == ["E011"], "a table's name does not begin with _, as join tables' do")
        #expect(codes(Self.yaml.replacingOccurrences(of: "map: post_id", with: "map: _post_id")) == [], "a column's may, as Prisma's @map allows")
        #expect(codes(Self.yaml.replacingOccurrences(of: "map: post_id", with: "map: _")) == ["E011"])
        #expect(codes(Self.yaml.replacingOccurrences(of: "map: created_at", with: "map: user_id")) == ["E061"], "two fields, one column")
        #expect(codes(Self.yaml.replacingOccurrences(of: "map: blog_comments", with: "map: blog_posts")) == ["E061"], "two entities, one table")
        let host = PrismaSchemaParser.parse("model Account {\n  id String @id\n  @@map(\"blog_posts\")\n}\nmodel User {\n  id String @id\n}\n", file: "schema.prisma").schema
        #expect(TestSupport.validate(Self.yaml, host: host).diagnostics.map(\.code.rawValue) == ["E061"], "the host's table")
        let report = TestSupport.validate(Self.yaml.replacingOccurrences(of: "map: post_id", with: "map: \"post id\""))
        #expect(report.diagnostics.first.map { [$0.location.line, $0.location.column] } == [17, 36], "\(report.diagnostics)")
    }

    @Test func twoPackagesThatMapOneEntityDifferentlyConflictAndSayWhere() {
        let other = Self.yaml.replacingOccurrences(of: "map: blog_posts", with: "map: posts").replacingOccurrences(of: "map: post_id", with: "map: post")
        let desired = DesiredState.resolve(.inMemory(["one": Self.yaml, "two": other], baseSchema: TestSupport.hostSchema))
        let conflicts = desired.errors.filter { $0.code == .crossPackageConflict }
        let details = conflicts.flatMap(\.details).joined(separator: "\n")
        #expect(!conflicts.isEmpty && details.contains("map is blog_posts") && details.contains("post_id"), "\(desired.errors)")
    }

    @Test func prismaShowsTheMapsAndImportCarriesThemBack() throws {
        let entities = try Self.structures()
        let fragment = PrismaArtifacts.fragment(entities.values.sorted { $0.name < $1.name }, host: TestSupport.hostSchema)
        let lines = Set(fragment.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") })
        for expected in [#"userId String @map("user_id")"#, #"createdAt DateTime @default(now()) @map("created_at")"#, #"@@map("blog_posts")"#,
                         #"user User @relation(fields: [userId], references: [id], onDelete: Cascade)"#, "@@index([userId])", #"@@map("blog_comments")"#] {
            #expect(lines.contains(expected), "\(expected) not in\n\(fragment)")
        }
        if let blocks = try PrismaGrammar.blocks(of: fragment) { #expect(blocks == ["model BlogComment", "model BlogPost"], "\(blocks)") }
        // Moved from the host into a package and back: the same tables, columns, keys and indexes.
        let merged = PrismaSchemaParser.parse(TestSupport.hostSchemaText + "\n" + fragment, file: "schema.prisma").schema
        let imported = PrismaImport.package(from: merged, models: ["BlogPost", "BlogComment"])
        // User stays in the host: the relation to it is carried as a belongsTo to a host model.
        #expect(imported.limits.isEmpty, "\(imported.limits)")
        let again = try Self.structures(imported.yaml)
        let keys = PrimaryKeys.of(host: TestSupport.hostSchema, entities: Array(entities.values))
        for (name, original) in entities {
            let expected = original
            let back = try #require(again[name])
            #expect(back.table == original.table && back.fields.map(\.column) == original.fields.map(\.column), "\(name)\n\(imported.yaml)")
            let differences = Drift.differences(expected: TableShape.expected(for: expected, dialect: .postgresql, primaryKeys: keys),
                                                live: TableShape.expected(for: back, dialect: .postgresql, primaryKeys: keys))
            #expect(differences.isEmpty, "\(name): \(differences)\n\(imported.yaml)")
        }
    }
}
