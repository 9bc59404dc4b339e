import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Package entities with database names of their own (`map:` on the entity and its fields,
/// Prisma's `@@map`/`@map`, issue 20): snake_case tables and columns, created, related, secured,
/// checked for drift and changed under those names, while Prisma Client keeps the model's.
@Suite(.serialized) struct MappedEntityTests {
    static let blog = """
        entities:
          - name: BlogPost
            map: blog_posts
            fields:
              id: { type: string, primary: true }
              title: { type: string, maxLength: 200 }
              userId: { type: string, map: user_id, index: true }
              createdAt: { type: datetime, default: now, map: created_at }
            indexes:
              - fields: [userId, createdAt]
                sort: { createdAt: Desc }
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
              body: { type: string }
            relations:
              - { name: post, type: belongsTo, entity: BlogPost, field: postId, onDelete: Cascade }
        """

    @Test(arguments: Backend.available)
    func mappedTablesAndColumnsApplyAndMatchTheirSnapshots(_ backend: Backend) throws {
        let desired = try Desired.from(["blog": Self.blog])
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.map(\.entity).sorted() == ["BlogComment", "BlogPost"], "\(outcome.refused.map(\.message))")
        let catalog = try Introspection.describe(database).joined(separator: "\n")
        // Only the database's names: no table or column is named after the model or its fields.
        for name in ["blog_posts", "blog_comments", "user_id", "created_at", "post_id"] {
            #expect(catalog.contains(name), "\(name) missing from\n\(catalog)")
        }
        for name in ["\"BlogPost\"", "BlogComment", "userId", "createdAt", "postId"] {
            #expect(!catalog.contains(name), "\(name) in\n\(catalog)")
        }
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "User" ("id", "email") VALUES ('u1', 'u1@x')"#)
            try connection.execute(#"INSERT INTO "blog_posts" ("id", "title", "user_id") VALUES ('p1', 'hello', 'u1')"#)
            try connection.execute(#"INSERT INTO "blog_comments" ("id", "post_id", "body") VALUES ('c1', 'p1', 'hi')"#)
        }
        // The foreign key between two mapped tables references the table and column.
        switch backend {
        case .postgres:
            #expect(throws: SchemaError.self) {
                try database.withLockedTransaction { try $0.execute(#"INSERT INTO "blog_comments" ("id", "post_id", "body") VALUES ('c2', 'nowhere', 'x')"#) }
            }
        case .sqlite:
            let key = try database.withLockedTransaction { connection in
                try connection.query(#"SELECT "table", "from", "to" FROM pragma_foreign_key_list('blog_comments')"#, []).first
                    .map { "\($0["from"]?.text ?? "") → \($0["table"]?.text ?? "")(\($0["to"]?.text ?? ""))" }
            }
            #expect(key == "post_id → blog_posts(id)", "\(key ?? "no foreign key")")
        }
        let drift = try registry.drift(host: Desired.host)
        #expect(!drift.hasDrift && drift.policies.isEmpty, "\(drift.drifted) \(drift.policies)")
        if backend == .postgres {
            // Row-level security names the owner's column, not the field.
            let policy = try database.withLockedTransaction { connection in
                try connection.query(#"SELECT qual AS "value" FROM pg_policies WHERE tablename = 'blog_posts' AND cmd = 'UPDATE'"#, []).first?["value"]?.text
            }
            #expect(policy?.contains("user_id") == true && policy?.contains("userId") == false, "\(policy ?? "no policy")")
        }
        // A second scan finds nothing to do: the snapshots are the mapped structures.
        #expect(try registry.scan(desired, principal: "ci").queued.isEmpty)
    }

    /// A field whose `map:` changes is its column renamed: every value kept (on PostgreSQL rolled
    /// out, the old column kept in step until `complete`), and a hand-made index is drift that
    /// `--accept` records under the entity's and fields' own names.
    @Test(arguments: Backend.available)
    func changingAColumnsMapRenamesItAndKeepsTheRows(_ backend: Backend) throws {
        let desired = try Desired.from(["blog": Self.blog])
        let (database, registry, _) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "User" ("id", "email") VALUES ('u1', 'u1@x')"#)
            try connection.execute(#"INSERT INTO "blog_posts" ("id", "title", "user_id") VALUES ('p1', 'kept', 'u1')"#)
        }
        let renamed = try Desired.from(["blog": Self.blog.replacingOccurrences(of: "map: user_id", with: "map: author_id")])
        let item = try #require(try registry.scan(renamed, principal: "ci").queued.first)
        #expect(item.entity == "BlogPost" && item.action == .alter)
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, context: renamed.renderContext).accepted.count == 1)
        let outcome = try registry.applyApproved(renamed)
        #expect(outcome.applied.map(\.entity) == ["BlogPost"], "\(outcome.refused.map(\.message))")
        try registry.completeRollouts(renamed)
        let owner = try database.withLockedTransaction { try $0.query(#"SELECT "author_id" AS "value" FROM "blog_posts" WHERE "id" = 'p1'"#, []).first?["value"]?.text }
        #expect(owner == "u1", "the value moved with the column")
        let drift = try registry.drift(host: Desired.host)
        #expect(!drift.hasDrift && drift.policies.isEmpty, "\(drift.drifted) \(drift.policies)")

        try database.withLockedTransaction { try $0.execute(#"CREATE INDEX "blog_posts_title_idx" ON "blog_posts" ("title")"#) }
        #expect(try registry.drift(host: Desired.host).drifted.map(\.entity) == ["BlogPost"])
        let accepted = try registry.acceptDrift(["BlogPost"], as: "alice", host: Desired.host)
        #expect(accepted.accepted == ["BlogPost"], "\(accepted.refused.map(\.message))")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
        let snapshot = try #require(try registry.appliedEntities().first { $0.structure.name == "BlogPost" }?.structure)
        #expect(snapshot.table == "blog_posts" && snapshot.field(named: "userId")?.column == "author_id", "\(snapshot)")
        #expect(snapshot.indexes.contains { $0.fields == ["title"] } && snapshot.field(named: "author_id") == nil)
    }

    /// A changed `map:` on an entity renames its table, every row kept, instead of creating an
    /// empty table beside the old one; the names that follow the table follow it, and the tables
    /// end as the new snapshot says (after `complete` on PostgreSQL, where it rolls out).
    @Test(arguments: Backend.available)
    func changingAnEntitysMapRenamesItsTable(_ backend: Backend) throws {
        let desired = try Desired.from(["blog": Self.blog])
        let (database, registry, _) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "User" ("id", "email") VALUES ('u1', 'a@b')"#)
            try connection.execute(#"INSERT INTO "blog_posts" ("id", "title", "user_id") VALUES ('p1', 't', 'u1')"#)
            try connection.execute(#"INSERT INTO "blog_comments" ("id", "post_id", "body") VALUES ('c1', 'p1', 'kept')"#)
        }
        let moved = try Desired.from(["blog": Self.blog.replacingOccurrences(of: "map: blog_comments", with: "map: comments")])
        let queued = try registry.scan(moved, principal: "ci").queued
        #expect(queued.map(\.entity) == ["BlogComment"] && queued.first?.action == .alter && queued.first?.renamedFrom == nil)
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
        #expect(try registry.applyApproved(moved).refused.isEmpty)
        try registry.completeRollouts(moved)
        let body = try database.withLockedTransaction { try $0.query(#"SELECT "body" FROM "comments""#, []).first?["body"]?.text }
        #expect(body == "kept")
        let drift = try registry.drift(host: Desired.host)
        #expect(!drift.hasDrift, "\(drift)")
        #expect(try registry.scan(moved, principal: "ci").queued.isEmpty)
    }
}
