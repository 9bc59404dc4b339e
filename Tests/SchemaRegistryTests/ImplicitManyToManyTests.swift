import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Prisma's implicit many-to-many (`tags Tag[]` / `posts Post[]`, issue 20): the join table
/// `_PostToTag` (or `_` + the relation's name) exactly as Prisma Migrate makes it on each database,
/// planned and applied like an entity, and no model of its own in the Prisma output.
@Suite(.serialized) struct ImplicitManyToManyTests {
    static let yaml = """
        entities:
          - name: Post
            fields:
              id: { type: cuid, primary: true, generated: true }
            relations:
              - { name: tags, type: manyToMany, entity: Tag }
              - { name: related, type: manyToMany, entity: Post, relationName: RelatedPosts }
              - { name: readers, type: manyToMany, entity: User }
          - name: Tag
            fields:
              id: { type: int, primary: true, generated: true }
            relations:
              - { name: posts, type: manyToMany, entity: Post }
        """

    /// What `prisma migrate dev` writes for the join tables of `model Post { id String @id @default(cuid())
    /// tags Tag[]  related Post[] @relation("RelatedPosts")  relatedBy Post[] @relation("RelatedPosts")  readers User[] }`
    /// `model Tag { id Int @id @default(autoincrement())  posts Post[] }` beside the host's `User`, by hand
    /// (Prisma 6: a primary key on PostgreSQL, a unique index on SQLite, as public apps' migration.sql show).
    static func prismaMigrateSQL(_ dialect: SQLDialect) -> [String] {
        var statements: [String] = []
        for (table, a, b, bType) in [("_PostToTag", "Post", "Tag", "INTEGER"), ("_RelatedPosts", "Post", "Post", "TEXT"), ("_PostToUser", "Post", "User", "TEXT")] {
            switch dialect {
            case .postgresql:
                statements += [
                    #"CREATE TABLE "\#(table)" ("A" TEXT NOT NULL, "B" \#(bType) NOT NULL, CONSTRAINT "\#(table)_AB_pkey" PRIMARY KEY ("A","B"))"#,
                    #"CREATE INDEX "\#(table)_B_index" ON "\#(table)"("B")"#,
                    #"ALTER TABLE "\#(table)" ADD CONSTRAINT "\#(table)_A_fkey" FOREIGN KEY ("A") REFERENCES "\#(a)"("id") ON DELETE CASCADE ON UPDATE CASCADE"#,
                    #"ALTER TABLE "\#(table)" ADD CONSTRAINT "\#(table)_B_fkey" FOREIGN KEY ("B") REFERENCES "\#(b)"("id") ON DELETE CASCADE ON UPDATE CASCADE"#,
                ]
            case .sqlite:
                statements += [
                    #"""
                    CREATE TABLE "\#(table)" ("A" TEXT NOT NULL, "B" \#(bType) NOT NULL,
                        CONSTRAINT "\#(table)_A_fkey" FOREIGN KEY ("A") REFERENCES "\#(a)" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
                        CONSTRAINT "\#(table)_B_fkey" FOREIGN KEY ("B") REFERENCES "\#(b)" ("id") ON DELETE CASCADE ON UPDATE CASCADE)
                    """#,
                    #"CREATE UNIQUE INDEX "\#(table)_AB_unique" ON "\#(table)"("A", "B")"#,
                    #"CREATE INDEX "\#(table)_B_index" ON "\#(table)"("B")"#,
                ]
            }
        }
        return statements
    }

    @Test(arguments: Backend.available)
    func joinTablesArePrismasAndTheirRowsGoWithEitherSide(_ backend: Backend) throws {
        let desired = try Desired.from(["blog": Self.yaml])
        #expect(desired.entities.map(\.structure.name).sorted() == ["Post", "Tag", "_PostToTag", "_PostToUser", "_RelatedPosts"])
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.count == 5, "\(outcome.refused.map(\.message))")
        let prisma = try Introspection.oracle(backend) { dialect in
            let post = dialect == .postgresql ? #"CREATE TABLE "Post" ("id" TEXT NOT NULL, CONSTRAINT "Post_pkey" PRIMARY KEY ("id"))"# : #"CREATE TABLE "Post" ("id" TEXT NOT NULL PRIMARY KEY)"#
            let tag = dialect == .postgresql ? #"CREATE TABLE "Tag" ("id" SERIAL NOT NULL, CONSTRAINT "Tag_pkey" PRIMARY KEY ("id"))"# : #"CREATE TABLE "Tag" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT)"#
            return [post, tag] + Self.prismaMigrateSQL(dialect)
        }
        let ours = try Introspection.describe(database)
        #expect(ours.contains { $0.contains("_PostToTag") }, "\(ours)")
        #expect(Set(ours).subtracting(prisma).sorted() == [], "ours, not Prisma's")
        #expect(Set(prisma).subtracting(ours).sorted() == [], "Prisma's, not ours")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)

        // A join table without drift is nothing to repair; one changed by hand is refused with the reason.
        #expect(try registry.queueRepairs(host: Desired.host, principal: "alice").refused.isEmpty)
        try database.withLockedTransaction { try $0.execute(#"DROP INDEX "_PostToUser_B_index""#) }
        let repairs = try registry.queueRepairs(host: Desired.host, principal: "alice")
        #expect(repairs.refused.map(\.entity) == ["_PostToUser"] && repairs.refused.first?.message.contains("join table of a many-to-many") == true,
                "\(repairs.refused.map(\.message))")
        try database.withLockedTransaction { try $0.execute(#"CREATE INDEX "_PostToUser_B_index" ON "_PostToUser"("B")"#) }
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)

        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Post" ("id") VALUES ('p1'), ('p2')"#)
            try connection.execute(#"INSERT INTO "Tag" ("id") VALUES (1), (2)"#)
            try connection.execute(#"INSERT INTO "_PostToTag" ("A", "B") VALUES ('p1', 1), ('p1', 2), ('p2', 1)"#)
        }
        #expect(throws: SchemaError.self, "each pair once") {
            try database.withLockedTransaction { try $0.execute(#"INSERT INTO "_PostToTag" ("A", "B") VALUES ('p1', 1)"#) }
        }
        if backend == .postgres {
            let left = try database.withLockedTransaction { connection -> Int64? in
                try connection.execute(#"DELETE FROM "Tag" WHERE "id" = 1"#)
                return try connection.query(#"SELECT COUNT(*) AS "count" FROM "_PostToTag""#, []).first?["count"]?.integer
            }
            #expect(left == 1, "the rows of a deleted tag go with it")
        }

        // Prisma: list fields on both sides (the self-relation's other side added), no join model.
        let fragment = PrismaArtifacts.fragment(try registry.appliedEntities().map(\.structure), host: Desired.host)
        let lines = Set(fragment.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") })
        for expected in ["tags Tag[]", "posts Post[]", #"related Post[] @relation("RelatedPosts")"#, #"postsOfRelated Post[] @relation("RelatedPosts")"#, "readers User[]"] {
            #expect(lines.contains(expected), "\(expected) not in\n\(fragment)")
        }
        #expect(!fragment.contains("model _"), "\(fragment)")
        // import-prisma reads the lists back as the same many-to-many relations.
        let base = "model User {\n  id String @id\n}\n"
        let merged = PrismaArtifacts.merged(baseText: base, host: PrismaSchemaParser.parse(base, file: "schema.prisma").schema,
                                            entities: try registry.appliedEntities().map(\.structure))
        #expect(merged.contains("  posts Post[]\n}"), "the host's User gets its side of readers: \(merged)")
        let imported = PrismaImport.package(from: PrismaSchemaParser.parse(merged, file: "schema.prisma").schema, models: ["Post", "Tag"])
        #expect(imported.limits.isEmpty, "\(imported.limits)")
        let again = DesiredState.resolve(.inMemory(["blog": imported.yaml], baseSchema: Desired.host))
        #expect(Set(again.entities.filter(\.structure.isJoinTable).map(\.checksum)) == Set(desired.entities.filter(\.structure.isJoinTable).map(\.checksum)),
                "\(again.errors)\n\(imported.yaml)")
    }

    @Test func whatAJoinCannotSayIsAnError() {
        #expect(Desired.errorCodes(Self.yaml.replacingOccurrences(of: ", relationName: RelatedPosts", with: "")) == ["E038"], "a self-relation needs its name")
        #expect(Desired.errorCodes(Self.yaml.replacingOccurrences(of: "{ name: tags, type: manyToMany, entity: Tag }", with: "{ name: tags, type: manyToMany, entity: Tag, onDelete: Cascade }")) == ["E036"])
        #expect(Desired.errorCodes(Self.yaml.replacingOccurrences(of: "entity: Tag }", with: "entity: Tags }")) == ["E035"])
    }
}
