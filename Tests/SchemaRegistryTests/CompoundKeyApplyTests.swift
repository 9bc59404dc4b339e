import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// An explicit many-to-many join table keyed by both of its foreign keys (`primaryKey: [postId,
/// tagId]`, Prisma's `@@id`, issue 20) applies to the table Prisma Migrate makes on both databases,
/// refuses a second row for the same pair, and an online backfill walks it by the whole key.
@Suite(.serialized) struct CompoundKeyApplyTests {
    static let yaml = """
        entities:
          - name: Post
            fields:
              id: { type: string, primary: true }
              title: { type: string }
          - name: Tag
            fields:
              id: { type: string, primary: true }
          - name: PostTag
            primaryKey: [postId, tagId]
            fields:
              postId: { type: string }
              tagId: { type: string }
              note: { type: string, nullable: true }
            relations:
              - { name: post, type: belongsTo, entity: Post, field: postId, onDelete: Cascade }
              - { name: tag, type: belongsTo, entity: Tag, field: tagId, onDelete: Cascade }
        """

    /// What `prisma migrate dev` writes for the same three models, by hand.
    static func prismaMigrateSQL(_ dialect: SQLDialect) -> [String] {
        switch dialect {
        case .postgresql:
            [
                #"CREATE TABLE "Post" ("id" TEXT NOT NULL, "title" TEXT NOT NULL, CONSTRAINT "Post_pkey" PRIMARY KEY ("id"))"#,
                #"CREATE TABLE "Tag" ("id" TEXT NOT NULL, CONSTRAINT "Tag_pkey" PRIMARY KEY ("id"))"#,
                #"CREATE TABLE "PostTag" ("postId" TEXT NOT NULL, "tagId" TEXT NOT NULL, "note" TEXT, CONSTRAINT "PostTag_pkey" PRIMARY KEY ("postId","tagId"))"#,
                #"ALTER TABLE "PostTag" ADD CONSTRAINT "PostTag_postId_fkey" FOREIGN KEY ("postId") REFERENCES "Post"("id") ON DELETE CASCADE ON UPDATE CASCADE"#,
                #"ALTER TABLE "PostTag" ADD CONSTRAINT "PostTag_tagId_fkey" FOREIGN KEY ("tagId") REFERENCES "Tag"("id") ON DELETE CASCADE ON UPDATE CASCADE"#,
            ]
        case .sqlite:
            [
                #"CREATE TABLE "Post" ("id" TEXT NOT NULL PRIMARY KEY, "title" TEXT NOT NULL)"#,
                #"CREATE TABLE "Tag" ("id" TEXT NOT NULL PRIMARY KEY)"#,
                """
                CREATE TABLE "PostTag" (
                    "postId" TEXT NOT NULL,
                    "tagId" TEXT NOT NULL,
                    "note" TEXT,

                    PRIMARY KEY ("postId", "tagId"),
                    CONSTRAINT "PostTag_postId_fkey" FOREIGN KEY ("postId") REFERENCES "Post" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
                    CONSTRAINT "PostTag_tagId_fkey" FOREIGN KEY ("tagId") REFERENCES "Tag" ("id") ON DELETE CASCADE ON UPDATE CASCADE
                )
                """,
            ]
        }
    }

    @Test(arguments: Backend.available)
    func aJoinTableKeyedByBothColumnsIsPrismasAndHoldsEachPairOnce(_ backend: Backend) throws {
        let desired = try Desired.from(["blog": Self.yaml])
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.count == 3, "\(outcome.refused.map(\.message))")
        let ours = try Introspection.describe(database), prisma = try Introspection.oracle(backend, Self.prismaMigrateSQL)
        #expect(ours.contains { $0.contains("PostTag") && $0.contains("pk=2") } || ours.contains { $0.contains(#"PRIMARY KEY ("postId", "tagId")"#) }, "\(ours)")
        #expect(Set(ours).subtracting(prisma).sorted() == [], "ours, not Prisma's")
        #expect(Set(prisma).subtracting(ours).sorted() == [], "Prisma's, not ours")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)

        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Post" ("id", "title") VALUES ('p1', 'one'), ('p2', 'two')"#)
            try connection.execute(#"INSERT INTO "Tag" ("id") VALUES ('t1'), ('t2')"#)
            try connection.execute(#"INSERT INTO "PostTag" ("postId", "tagId") VALUES ('p1', 't1'), ('p1', 't2'), ('p2', 't1')"#)
        }
        #expect(throws: SchemaError.self) {
            try database.withLockedTransaction { try $0.execute(#"INSERT INTO "PostTag" ("postId", "tagId") VALUES ('p1', 't1')"#) }
        }

        // An optional field made required with a default: on PostgreSQL the NULLs are filled in
        // batches picked by the whole key, then the column is NOT NULL.
        let required = try Desired.from(["blog": Self.yaml.replacingOccurrences(of: "note: { type: string, nullable: true }", with: "note: { type: string, default: none }")])
        _ = try registry.scan(required, principal: "ci")
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, context: required.renderContext).accepted.count == 1)
        let changed = try registry.applyApproved(required)
        #expect(changed.applied.map(\.entity) == ["PostTag"], "\(changed.refused.map(\.message))")
        try registry.completeRollouts(required)
        let filled = try database.withLockedTransaction { try $0.query(#"SELECT COUNT(*) AS "count" FROM "PostTag" WHERE "note" = 'none'"#, []).first?["count"]?.integer }
        #expect(filled == 3)
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
        // A drifted join table reads back with its whole key: accepting it keeps the key.
        try database.withLockedTransaction { try $0.execute(#"CREATE INDEX "PostTag_tagId_idx" ON "PostTag" ("tagId")"#) }
        #expect(try registry.acceptDrift(["PostTag"], as: "alice", host: Desired.host).accepted == ["PostTag"])
        let snapshot = try #require(try registry.appliedEntities().first { $0.structure.name == "PostTag" }?.structure)
        #expect(snapshot.compoundKey == ["postId", "tagId"] && snapshot.indexes.contains { $0.fields == ["tagId"] }, "\(snapshot)")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }
}
