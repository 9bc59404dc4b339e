import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// A renamed entity and the change of a table that references it run in one start or wait
/// together (`waits-for-rename`): run alone, the rename would leave the other table's snapshot
/// naming a table that is gone, and every later start would refuse that table for drift.
@Suite(.serialized) struct RenameGroupTests {
    static let v1 = """
        entities:
          - name: Post
            fields:
              id: { type: string, primary: true }
          - name: Comment
            fields:
              id: { type: string, primary: true }
              postId: { type: string }
            relations:
              - { name: post, type: belongsTo, entity: Post, field: postId, onDelete: Cascade }
        """
    /// Post renamed to Article; Comment follows it, and gains a required column its rows cannot fill.
    static let v2 = v1.replacingOccurrences(of: "  - name: Post\n", with: "  - name: Article\n    renamedFrom: Post\n")
        .replacingOccurrences(of: "entity: Post,", with: "entity: Article,")
        .replacingOccurrences(of: "      postId: { type: string }", with: "      postId: { type: string }\n      score: { type: int }")

    @Test(arguments: Backend.available)
    func aRenameWaitsForTheTablesThatReferenceIt(_ backend: Backend) throws {
        let (database, registry, outcome) = try Registry.applied(try Desired.from(["blog": Self.v1], deploys: .recreate), on: backend)
        defer { database.close() }
        #expect(outcome.applied.count == 2)
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Post" ("id") VALUES ('p1')"#)
            try connection.execute(#"INSERT INTO "Comment" ("id", "postId") VALUES ('c1', 'p1')"#)
        }
        let blocked = try Desired.from(["blog": Self.v2], deploys: .recreate)
        #expect(try registry.scan(blocked, principal: "ci").queued.map(\.entity).sorted() == ["Article", "Comment"])
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: Desired.recreating)
        let refused = try registry.applyApproved(blocked)
        #expect(refused.applied.isEmpty, "\(refused.applied.map(\.entity))")
        #expect(refused.refused.contains { $0.entity == "Comment" && $0.code == .dataViolation })
        let waiting = refused.refused.first { $0.entity == "Article" }
        #expect(waiting?.code == .waitsForRename && waiting?.message.contains("Comment references Post and changes with the rename") == true,
                "\(refused.refused.map { "\($0.entity ?? "-") \($0.code): \($0.message)" })")
        #expect(try EnumTypeApplyTests.text(#"SELECT COUNT(*) AS "value" FROM "Post""#, database) == "1", "Post keeps its name")
        #expect(try registry.items(in: [.approved]).map(\.entity) == ["Article"], "the rename stays approved")

        // Comment's change made possible: both run in the next start.
        let fixed = try Desired.from(["blog": Self.v2.replacingOccurrences(of: "score: { type: int }", with: "score: { type: int, nullable: true }")], deploys: .recreate)
        _ = try registry.scan(fixed, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: Desired.recreating)
        let done = try registry.applyApproved(fixed)
        #expect(done.applied.map(\.entity).sorted() == ["Article", "Comment"], "\(done.refused.map(\.message))")
        #expect(try EnumTypeApplyTests.text(#"SELECT "postId" AS "value" FROM "Comment" JOIN "Article" ON "Article"."id" = "Comment"."postId""#, database) == "p1")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
        #expect(try registry.scan(fixed, principal: "ci").queued.isEmpty, "nothing left to plan")
    }

    /// The other way round: the rename cannot run (its own rows break it), so the table that
    /// would reference the new name waits too instead of failing on a table that is not there.
    @Test(arguments: Backend.available)
    func aReferrerWaitsForTheRenameItPointsAt(_ backend: Backend) throws {
        let (database, registry, _) = try Registry.applied(try Desired.from(["blog": Self.v1], deploys: .recreate), on: backend)
        defer { database.close() }
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Post" ("id") VALUES ('p1')"#)
            try connection.execute(#"INSERT INTO "Comment" ("id", "postId") VALUES ('c1', 'p1')"#)
        }
        let renamedOnly = Self.v1.replacingOccurrences(of: "  - name: Post\n", with: "  - name: Article\n    renamedFrom: Post\n")
            .replacingOccurrences(of: "entity: Post,", with: "entity: Article,")
        let blocked = try Desired.from(["blog": renamedOnly.replacingOccurrences(of: "      id: { type: string, primary: true }\n  - name: Comment",
                                                                                  with: "      id: { type: string, primary: true }\n      slug: { type: string }\n  - name: Comment")],
                                       deploys: .recreate)
        #expect(try registry.scan(blocked, principal: "ci").queued.map(\.entity).sorted() == ["Article", "Comment"])
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: Desired.recreating)
        let refused = try registry.applyApproved(blocked)
        #expect(refused.applied.isEmpty, "\(refused.applied.map(\.entity))")
        #expect(refused.refused.contains { $0.entity == "Article" && $0.code == .dataViolation })
        let waiting = refused.refused.first { $0.entity == "Comment" }
        #expect(waiting?.code == .waitsForRename && waiting?.message.contains("it references Article, whose rename does not run in this start") == true,
                "\(refused.refused.map { "\($0.entity ?? "-") \($0.code): \($0.message)" })")
        #expect(try EnumTypeApplyTests.text(#"SELECT COUNT(*) AS "value" FROM "Comment" JOIN "Post" ON "Post"."id" = "Comment"."postId""#, database) == "1", "nothing ran")
    }
}
