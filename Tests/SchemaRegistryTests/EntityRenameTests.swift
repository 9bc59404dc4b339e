import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Renamed entities (`renamedFrom:` on an entity, issues 20 and 22): the applied table is renamed
/// with every row, its constraints, indexes and sequence take the new table's names, tables that
/// reference it keep their rows, and in a rolling deploy the old name stays a view the running
/// version reads and writes until `complete`.
@Suite(.serialized) struct EntityRenameTests {
    static let v1 = """
        entities:
          - name: Post
            fields:
              id: { type: int, primary: true, generated: true }
              title: { type: string, maxLength: 100, index: true }
              status: { type: string, enum: [draft, live], default: draft }
          - name: Comment
            fields:
              id: { type: string, primary: true }
              postId: { type: int }
              body: { type: string }
            relations:
              - { name: post, type: belongsTo, entity: Post, field: postId, onDelete: Cascade }
        """
    /// Post renamed to Article; Comment's relation follows the name.
    static let v2 = v1.replacingOccurrences(of: "  - name: Post\n", with: "  - name: Article\n    renamedFrom: Post\n")
        .replacingOccurrences(of: "entity: Post,", with: "entity: Article,")

    /// What each version's client runs: inserts that leave the key and the status to their
    /// defaults (the serial sequence and the CHECK must work through the view), reads, updates.
    static func version(_ table: String) -> RolloutTests.Version {
        RolloutTests.Version(
            insertPost: { #"INSERT INTO "\#(table)" ("title") VALUES ('\#($0)')"# },
            selectPost: { #"SELECT "id", "title", "status" FROM "\#(table)" WHERE "title" = '\#($0)'"# },
            tag: { #"UPDATE "\#(table)" SET "status" = 'live' WHERE "title" = '\#($0)'"# })
    }

    /// v1 applied, with 2,000 posts and 500 comments on them.
    func atVersion1(_ yaml: String = v1) throws -> RolloutTests.Fixture {
        let fixture = try RolloutTests.Fixture.applied(yaml, package: "blog", seed: #"INSERT INTO "Post" ("title") SELECT 'seed ' || g FROM generate_series(1, 2000) AS g"#)
        try fixture.database.withLockedTransaction { connection in
            try connection.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO \(fixture.app)")
            if yaml.contains("Comment") {
                try connection.execute(#"INSERT INTO "Comment" ("id", "postId", "body") SELECT 'c' || g, g, 'on ' || g FROM generate_series(1, 500) AS g"#)
            }
        }
        return fixture
    }

    /// The names PostgreSQL has for the table's own objects.
    func objectNames(_ fixture: RolloutTests.Fixture, table: String) throws -> [String] {
        try fixture.database.withLockedTransaction { connection in
            let sql = """
                SELECT conname AS "name" FROM pg_constraint WHERE conrelid = '"\(table)"'::regclass
                UNION SELECT (SELECT relname FROM pg_class WHERE oid = indexrelid)::text FROM pg_index WHERE indrelid = '"\(table)"'::regclass
                UNION SELECT pg_get_serial_sequence('"\(table)"', 'id') ORDER BY 1
                """
            return try connection.query(sql, []).compactMap { $0["name"]?.text }
        }
    }

    /// Post alone (no Comment references it) at v1 with its rows, then its rename to Article
    /// expanded while both versions write; the caller closes the fixture's database.
    func expandedAlone() throws -> (fixture: RolloutTests.Fixture, rows: Int, engine: ApplyEngine) {
        let alone = { (yaml: String) in yaml.components(separatedBy: "  - name: Comment")[0] }
        let fixture = try atVersion1(alone(Self.v1))
        do {
            let (desired, rows) = try expand(fixture, alone(Self.v2))
            return (fixture, rows, ApplyEngine(registry: fixture.registry, desiredState: { desired }))
        } catch {
            fixture.database.close()
            throw error
        }
    }

    func relationKind(_ fixture: RolloutTests.Fixture, _ name: String) throws -> String? {
        try fixture.text(#"SELECT relkind::text AS "value" FROM pg_class WHERE relname = '\#(name)' AND relnamespace = current_schema()::regnamespace"#)
    }

    /// Scan, approve and apply v2 while the old version writes; then both versions side by side.
    func expand(_ fixture: RolloutTests.Fixture, _ yaml: String = v2) throws -> (desired: DesiredState, written: Int) {
        let desired = try Desired.from(["blog": yaml])
        let queued = try fixture.registry.scan(desired, principal: "ci").queued
        let rename = try #require(queued.first { $0.entity == "Article" })
        #expect(rename.renamedFrom == "Post" && rename.action == .alter && rename.isRolledOut)
        #expect(!queued.contains { $0.action == .drop || $0.action == .create }, "a rename, not a drop and a create: \(queued.map(\.action))")
        #expect(rename.statements.first?.sql == #"ALTER TABLE "Post" RENAME TO "Article""#)
        #expect(try fixture.registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext).accepted.count == queued.count)
        let before = RolloutTests.Client(Self.version("Post"), prefix: "o", connection: try fixture.application())
        usleep(100_000)
        let outcome = try fixture.registry.applyApproved(desired)
        #expect(outcome.refused.isEmpty, "\(outcome.refused)")
        let during = RolloutTests.Client(Self.version("Post"), prefix: "p", connection: try fixture.application())
        let newer = RolloutTests.Client(Self.version("Article"), prefix: "n", connection: try fixture.application())
        usleep(300_000)
        let (oldBefore, beforeErrors) = before.stop()
        let (oldDuring, duringErrors) = during.stop()
        let (newWritten, newErrors) = newer.stop()
        #expect(beforeErrors.isEmpty && duringErrors.isEmpty, "the old version kept working through the rename: \((beforeErrors + duringErrors).prefix(3))")
        #expect(newErrors.isEmpty, "the new version works from the expand on: \(newErrors.prefix(3))")
        #expect(!oldDuring.isEmpty && !newWritten.isEmpty)
        #expect(try relationKind(fixture, "Article") == "r" && relationKind(fixture, "Post") == "v", "the table renamed, the old name a view")
        // Each version sees what the other wrote, and the status default and the update arrived.
        let newest = try #require(newWritten.last), oldest = try #require(oldDuring.last)
        #expect(try fixture.text(#"SELECT "status" AS "value" FROM "Post" WHERE "title" = '\#(newest)'"#) == "live")
        #expect(try fixture.text(#"SELECT "status" AS "value" FROM "Article" WHERE "title" = '\#(oldest)'"#) == "live")
        #expect(try fixture.count(#"SELECT COUNT(DISTINCT "id") AS "count" FROM "Article""#) == Int64(2000 + oldBefore.count + oldDuring.count + newWritten.count))
        let names = try objectNames(fixture, table: "Article")
        #expect(names == ["Article_pkey", "Article_status_check", "Article_title_idx", "public.\"Article_id_seq\""], "\(names)")
        #expect(try fixture.registry.appliedEntities().map(\.structure.name).sorted() == desired.entities.map(\.structure.name).sorted())
        return (desired, 2000 + oldBefore.count + oldDuring.count + newWritten.count)
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func bothVersionsWorkFromExpandToComplete() throws {
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        let (desired, rows) = try expand(fixture)
        let engine = ApplyEngine(registry: fixture.registry, desiredState: { desired })
        let completed = try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice"))
        #expect(completed.finished.map(\.entity).contains("Article"))
        #expect(try relationKind(fixture, "Post") == nil, "the view is gone")
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "the tables are the new snapshots")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Article""#) == Int64(rows), "every row kept")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Comment" JOIN "Article" ON "Article"."id" = "Comment"."postId""#) == 500)
        let app = try fixture.application()
        defer { app.close() }
        try app.executeOutsideTransaction(Self.version("Article").insertPost("after"))
        #expect(throws: SchemaError.self) { try app.executeOutsideTransaction(Self.version("Post").insertPost("late")) }
        #expect(throws: SchemaError.self, "the foreign key still holds") {
            try app.executeOutsideTransaction(#"INSERT INTO "Comment" ("id", "postId", "body") VALUES ('dangling', -1, 'x')"#)
        }
        #expect(try fixture.registry.scan(desired, principal: "ci").queued.isEmpty, "nothing left to plan")
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func rollbackOfARenameOthersReferenceIsRefused() throws {
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        let (desired, rows) = try expand(fixture)
        let engine = ApplyEngine(registry: fixture.registry, desiredState: { desired })
        // Comment's foreign key was changed to name Article, whole, at the start: the rename alone cannot go back.
        do {
            _ = try engine.finishRollouts(.rollback, entities: ["Article"], ApplyRequest(principal: "alice"))
            Issue.record("the rollback of a rename another entity now references ran")
        } catch let error as SchemaError {
            #expect(error.code == .baseChanged && error.message.contains("Comment now references Article"), "\(error.message)")
        }
        #expect(try relationKind(fixture, "Post") == "v", "nothing ran")
        _ = rows
    }

    /// Without a referencing entity, the rollback renames everything back and keeps every row,
    /// those the new version wrote through the new name too.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func rollbackRestoresTheOldNameWithEveryRow() throws {
        let (fixture, rows, engine) = try expandedAlone()
        defer { fixture.database.close() }
        let back = try engine.finishRollouts(.rollback, entities: [], ApplyRequest(principal: "alice"))
        #expect(back.finished.map(\.entity).contains("Article"))
        #expect(try relationKind(fixture, "Post") == "r" && relationKind(fixture, "Article") == nil)
        let names = try objectNames(fixture, table: "Post")
        #expect(names == ["Post_pkey", "Post_status_check", "Post_title_idx", "public.\"Post_id_seq\""], "\(names)")
        #expect(try fixture.registry.appliedEntities().map(\.structure.name).sorted() == ["Post"])
        let drift = try fixture.registry.drift(host: Desired.host)
        #expect(!drift.hasDrift, "the tables are the old snapshots again: \(drift)")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Post""#) == Int64(rows), "every row kept, those the new version wrote too")
        try fixture.asApplication(Self.version("Post").insertPost("again"))
    }

    /// A table changed by hand after the expand holds `complete` back before anything runs,
    /// naming the change (before, its first transaction was skipped without a word, as if a
    /// crashed run had done it); put back, the same command completes.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aTableChangedByHandAfterTheExpandHoldsCompleteBack() throws {
        let (fixture, _, engine) = try expandedAlone()
        defer { fixture.database.close() }
        try fixture.database.withLockedTransaction { try $0.execute(#"CREATE INDEX "by_hand" ON "Article" ("status")"#) }
        do {
            _ = try engine.finishRollouts(.complete, entities: ["Article"], ApplyRequest(principal: "alice"))
            Issue.record("complete ran on a table changed by hand")
        } catch let error as SchemaError {
            #expect(error.code == .drift && error.message.contains("the table is not as the expand left it") && error.message.contains("by_hand"), "\(error.message)")
        }
        #expect(try relationKind(fixture, "Post") == "v", "nothing ran: the old name is still the view")
        #expect(try fixture.registry.audit(limit: 1_000).filter { $0.action == AuditAction.completeStarted.rawValue }.isEmpty)

        try fixture.database.withLockedTransaction { try $0.execute(#"DROP INDEX "by_hand""#) }
        let completed = try engine.finishRollouts(.complete, entities: ["Article"], ApplyRequest(principal: "alice"))
        #expect(completed.finished.map(\.entity) == ["Article"])
        #expect(try relationKind(fixture, "Post") == nil, "the view is gone")
        #expect(try fixture.registry.audit(limit: 1_000).filter { $0.action == AuditAction.completeStarted.rawValue }.count == 1)
    }

    /// Someone who can write the registry but not sign forges the line that says the contract's
    /// first transaction (here: dropping the old name's view) already ran. The rest of the
    /// contract runs, but the rollout is not closed while the old name is still there.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aForgedFirstTransactionLineDoesNotCloseARolloutWithTheOldNameLeft() throws {
        let (fixture, _, engine) = try expandedAlone()
        defer { fixture.database.close() }
        let item = try #require(try fixture.registry.items(in: [.applied]).first { $0.entity == "Article" })
        try fixture.database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO \#(connection.names.audit) ("at", "principal", "action", "item_id", "entity") VALUES ('2026-12-06T00:00:00Z', 'mallory', 'complete-started', ?, 'Article')"#,
                                   [.text(item.id)])
        }
        do {
            _ = try engine.finishRollouts(.complete, entities: ["Article"], ApplyRequest(principal: "alice"))
            Issue.record("the rollout closed with the old name left")
        } catch let error as SchemaError {
            #expect(error.code == .drift && error.message.contains("Post still exists"), "\(error.message)")
        }
        #expect(try Registry(database: fixture.database).openRollouts().map(\.entity) == ["Article"], "the rollout stays open")
    }

    /// SQLite (one node, no rollout): the rename applies whole; indexes are made again under the
    /// new table's names and the referencing table's foreign key follows.
    @Test func sqliteRenamesTheTableInPlace() throws {
        let (database, registry, outcome) = try Registry.applied(try Desired.from(["blog": Self.v1]), on: .sqlite)
        defer { database.close() }
        #expect(outcome.applied.count == 2)
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Post" ("title", "status") VALUES ('kept', 'live')"#)
            try connection.execute(#"INSERT INTO "Comment" ("id", "postId", "body") VALUES ('c1', 1, 'x')"#)
        }
        let desired = try Desired.from(["blog": Self.v2])
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
        let renamed = try registry.applyApproved(desired)
        #expect(renamed.refused.isEmpty && renamed.applied.contains { $0.entity == "Article" && $0.renamedFrom == "Post" })
        let (rows, indexes, foreignKey) = try database.withLockedTransaction { connection in
            (try connection.query(#"SELECT "title" FROM "Article""#, []).compactMap { $0["title"]?.text },
             try connection.query(#"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Article' AND sql IS NOT NULL"#, []).compactMap { $0["name"]?.text },
             try connection.query(#"SELECT "table" AS t FROM pragma_foreign_key_list('Comment')"#, []).first?["t"]?.text)
        }
        #expect(rows == ["kept"] && indexes == ["Article_title_idx"] && foreignKey == "Article")
        let drift = try registry.drift(host: Desired.host)
        #expect(!drift.hasDrift, "\(drift)")
        #expect(try registry.appliedEntities().map(\.structure.name).sorted() == ["Article", "Comment"])
    }

    /// The hint is ignored once the rename is applied, and a name still wanted is never taken over.
    @Test func planning() throws {
        let applied = try Desired.from(["blog": Self.v1]).entities.map { AppliedEntity(structure: $0.structure, checksum: $0.checksum, packages: $0.packages) }
        let desired = try Desired.from(["blog": Self.v2]).entities
        #expect(MigrationPlanner.entityRenames(desired: desired, applied: applied) == ["Article": "Post"])
        let done = desired.map { AppliedEntity(structure: $0.structure, checksum: $0.checksum, packages: $0.packages) }
        #expect(MigrationPlanner.entityRenames(desired: desired, applied: done).isEmpty)
        let changes = MigrationPlanner.plan(desired: desired, applied: applied, dialect: .postgresql, host: Desired.host)
        #expect(changes.map(\.action) == [.alter, .alter] && changes.first?.renamedFrom == "Post")
        let sqlite = MigrationPlanner.plan(desired: desired, applied: applied, dialect: .sqlite, host: Desired.host)
        // The checks are named inside SQLite's table definition: the renamed table is rebuilt under the new names.
        let rebuilt = try #require(sqlite.first?.statements.map(\.sql))
        #expect(rebuilt.first == #"ALTER TABLE "Post" RENAME TO "Article""# && rebuilt.contains { $0.contains(#"CONSTRAINT "Article_status_check""#) })
        // A changed `map:` renames the table too, and nothing else of it; a table without named
        // constraints keeps its definition on SQLite and has its indexes made again.
        let plain = "entities:\n  - name: Tag\n    fields:\n      id: { type: string, primary: true }\n      label: { type: string, index: true }\n"
        let mapped = plain.replacingOccurrences(of: "  - name: Tag\n", with: "  - name: Tag\n    map: tags\n")
        let before = try Desired.from(["tags": plain]).entities.map { AppliedEntity(structure: $0.structure, checksum: $0.checksum, packages: $0.packages) }
        let after = try Desired.from(["tags": mapped]).entities
        #expect(MigrationPlanner.unplannableChanges(desired: after, applied: before).isEmpty)
        #expect(MigrationPlanner.plan(desired: after, applied: before, dialect: .sqlite, host: nil).first?.statements.map(\.sql)
                == [#"ALTER TABLE "Tag" RENAME TO "tags""#, #"DROP INDEX "Tag_label_idx""#, #"CREATE INDEX "tags_label_idx" ON "tags"("label")"#])
        #expect(MigrationPlanner.plan(desired: after, applied: before, dialect: .postgresql, host: nil, deploys: .recreate).first?.statements.filter { $0.phase != .rowLevelSecurity }.map(\.sql)
                == [#"ALTER TABLE "Tag" RENAME TO "tags""#, #"ALTER TABLE "tags" RENAME CONSTRAINT "Tag_pkey" TO "tags_pkey""#, #"ALTER INDEX "Tag_label_idx" RENAME TO "tags_label_idx""#])
        // The old name kept by another entity: E061, nothing renamed.
        let both = DesiredState.resolve(Workspace.inMemory(["blog": Self.v2 + "\n" + Self.v1.components(separatedBy: "  - name: Comment")[0].replacingOccurrences(of: "entities:\n", with: "")],
                                                           baseSchema: Desired.host))
        #expect(both.report.diagnostics.contains { $0.code == .nameCollision && $0.message.contains("renamed from Post") })
    }
}
