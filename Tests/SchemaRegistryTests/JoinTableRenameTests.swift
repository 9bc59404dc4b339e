import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// An entity renamed while it is a side of an implicit many-to-many (issue 20): the join table's
/// name follows the models' names (`_PostToTag` → `_CategoryToPost` when `Tag` becomes
/// `Category`), and its columns may swap sides (`A` is the model first in alphabetical order).
/// Every pair is kept, each side's key in the column Prisma Client now reads it from; the tables
/// are the ones Prisma Migrate makes for the new models; in a rolling deploy the old name stays a
/// view the running version reads and writes until `complete`.
@Suite(.serialized) struct JoinTableRenameTests {
    static let v1 = """
        entities:
          - name: Post
            fields:
              id: { type: cuid, primary: true, generated: true }
            relations:
              - { name: tags, type: manyToMany, entity: Tag }
          - name: Tag
            fields:
              id: { type: int, primary: true, generated: true }
            relations:
              - { name: posts, type: manyToMany, entity: Post }
        """
    /// Tag renamed to Category: `_PostToTag` becomes `_CategoryToPost`, and `A` (was the post) is now the category.
    static let v2 = v1.replacingOccurrences(of: "  - name: Tag\n", with: "  - name: Category\n    renamedFrom: Tag\n")
        .replacingOccurrences(of: "entity: Tag }", with: "entity: Category }")
    /// The relation named `Tagging` with `renamedFrom:`: `_PostToTag` moves to `_Tagging`, same sides.
    static let tagging = v1.replacingOccurrences(of: "entity: Tag }", with: "entity: Tag, relationName: Tagging, renamedFrom: PostToTag }")
        .replacingOccurrences(of: "entity: Post }", with: "entity: Post, relationName: Tagging }")
    /// Then Post renamed to Zine: `_CategoryToZine`, the sides in the same order.
    static let v3 = v2.replacingOccurrences(of: "  - name: Post\n", with: "  - name: Zine\n    renamedFrom: Post\n")
        .replacingOccurrences(of: "entity: Post }", with: "entity: Zine }")

    /// What `prisma migrate dev` makes for `model <a> { id Int @id @default(autoincrement()) … }`
    /// and `model <b> { id String @id @default(cuid()) … }` related by lists, by hand.
    static func prismaMigrateSQL(_ dialect: SQLDialect, a: String, b: String, relation: String? = nil) -> [String] {
        let join = "_" + (relation ?? "\(a)To\(b)")
        switch dialect {
        case .postgresql:
            return [
                #"CREATE TABLE "\#(a)" ("id" SERIAL NOT NULL, CONSTRAINT "\#(a)_pkey" PRIMARY KEY ("id"))"#,
                #"CREATE TABLE "\#(b)" ("id" TEXT NOT NULL, CONSTRAINT "\#(b)_pkey" PRIMARY KEY ("id"))"#,
                #"CREATE TABLE "\#(join)" ("A" INTEGER NOT NULL, "B" TEXT NOT NULL, CONSTRAINT "\#(join)_AB_pkey" PRIMARY KEY ("A","B"))"#,
                #"CREATE INDEX "\#(join)_B_index" ON "\#(join)"("B")"#,
                #"ALTER TABLE "\#(join)" ADD CONSTRAINT "\#(join)_A_fkey" FOREIGN KEY ("A") REFERENCES "\#(a)"("id") ON DELETE CASCADE ON UPDATE CASCADE"#,
                #"ALTER TABLE "\#(join)" ADD CONSTRAINT "\#(join)_B_fkey" FOREIGN KEY ("B") REFERENCES "\#(b)"("id") ON DELETE CASCADE ON UPDATE CASCADE"#,
            ]
        case .sqlite:
            return [
                #"CREATE TABLE "\#(a)" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT)"#,
                #"CREATE TABLE "\#(b)" ("id" TEXT NOT NULL PRIMARY KEY)"#,
                #"""
                CREATE TABLE "\#(join)" ("A" INTEGER NOT NULL, "B" TEXT NOT NULL,
                    CONSTRAINT "\#(join)_A_fkey" FOREIGN KEY ("A") REFERENCES "\#(a)" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
                    CONSTRAINT "\#(join)_B_fkey" FOREIGN KEY ("B") REFERENCES "\#(b)" ("id") ON DELETE CASCADE ON UPDATE CASCADE)
                """#,
                #"CREATE UNIQUE INDEX "\#(join)_AB_unique" ON "\#(join)"("A", "B")"#,
                #"CREATE INDEX "\#(join)_B_index" ON "\#(join)"("B")"#,
            ]
        }
    }

    /// The pairs of `join`, `"A:B"` in order.
    static func pairs(_ join: String, _ database: any RegistryDatabase) throws -> [String] {
        try database.withLockedTransaction { connection in
            try connection.query(#"SELECT CAST("A" AS TEXT) || ':' || CAST("B" AS TEXT) AS "pair" FROM "\#(join)" ORDER BY 1"#, []).compactMap { $0["pair"]?.text }
        }
    }

    /// Posts and tags `1…count`, and the pairs p1–1, p1–2 and p2–1.
    static func seed(_ database: any RegistryDatabase, count: Int) throws {
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Post" ("id") VALUES "# + (1...count).map { "('p\($0)')" }.joined(separator: ", "))
            try connection.execute(#"INSERT INTO "Tag" ("id") VALUES "# + (1...count).map { "(\($0))" }.joined(separator: ", "))
            try connection.execute(#"INSERT INTO "_PostToTag" ("A", "B") VALUES ('p1', 1), ('p1', 2), ('p2', 1)"#)
        }
    }

    /// Scans, approves and applies `yaml` on `registry` (whole, as a recreate deploy does).
    static func apply(_ yaml: String, _ registry: Registry) throws -> [QueueItem] {
        let desired = try Desired.from(["blog": yaml], deploys: .recreate)
        let queued = try registry.scan(desired, principal: "ci").queued
        let decision = try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: Desired.recreating)
        #expect(decision.refused.isEmpty, "\(decision.refused)")
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.refused.isEmpty, "\(outcome.refused.map(\.message))")
        #expect(try registry.scan(desired, principal: "ci").queued.isEmpty, "nothing left to plan")
        return queued
    }

    /// A rolling deploy's database at v1 (posts p1 and p2, tags 1 and 2, the pair p1–1, an
    /// application role), then `yaml` scanned, approved and applied with `join` rolled out. The
    /// caller closes the fixture's database.
    static func rolledOut(_ yaml: String, join: String) throws -> (fixture: RolloutTests.Fixture, engine: ApplyEngine) {
        let fixture = try RolloutTests.Fixture.applied(Self.v1, package: "blog", seed: #"INSERT INTO "Post" ("id") VALUES ('p1'), ('p2')"#)
        do {
            try fixture.database.withLockedTransaction { connection in
                try connection.execute(#"INSERT INTO "Tag" ("id") VALUES (1), (2)"#)
                try connection.execute(#"INSERT INTO "_PostToTag" ("A", "B") VALUES ('p1', 1)"#)
            }
            let desired = try Desired.from(["blog": yaml])
            let queued = try fixture.registry.scan(desired, principal: "ci").queued
            #expect(queued.first { $0.entity == join }?.isRolledOut == true, "\(queued.map { "\($0.action) \($0.entity) \($0.isRolledOut)" })")
            _ = try fixture.registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: desired.renderContext)
            let outcome = try fixture.registry.applyApproved(desired)
            #expect(outcome.refused.isEmpty, "\(outcome.refused.map(\.message))")
            return (fixture, ApplyEngine(registry: fixture.registry, desiredState: { desired }))
        } catch {
            fixture.database.close()
            throw error
        }
    }

    @Test(arguments: Backend.available)
    func everyPairFollowsTheRenamedSides(_ backend: Backend) throws {
        let (database, registry, outcome) = try Registry.applied(try Desired.from(["blog": Self.v1], deploys: .recreate), on: backend)
        defer { database.close() }
        #expect(outcome.applied.count == 3)
        try Self.seed(database, count: 2)

        // The sides swap: the posts move from A to B.
        let swapped = try Self.apply(Self.v2, registry)
        let join = try #require(swapped.first { $0.entity == "_CategoryToPost" })
        #expect(join.renamedFrom == "_PostToTag" && join.action == .alter, "\(swapped.map(\.entity))")
        #expect(!swapped.contains { $0.action == .drop }, "a move, not a drop: \(swapped.map { "\($0.action) \($0.entity)" })")
        #expect(try Self.pairs("_CategoryToPost", database) == ["1:p1", "1:p2", "2:p1"])
        if backend == .postgres {
            // The pairs are copied online: no rewrite to acknowledge, no lock that blocks writers for the copy.
            #expect(!join.risks.contains { $0.code == "RW101" }, "\(join.risks)")
            #expect(join.statements.contains { $0.stage == .online && $0.execution == .pageBatches && $0.sql.contains("FOR SHARE") }, "\(join.statements.map(\.sql))")
        }
        var prisma = try Introspection.oracle(backend) { Self.prismaMigrateSQL($0, a: "Category", b: "Post") }
        var ours = try Introspection.describe(database)
        #expect(Set(ours).subtracting(prisma).sorted() == [], "ours, not Prisma's")
        #expect(Set(prisma).subtracting(ours).sorted() == [], "Prisma's, not ours")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)

        // The sides keep their order: the pairs stay where they are.
        _ = try Self.apply(Self.v3, registry)
        #expect(try Self.pairs("_CategoryToZine", database) == ["1:p1", "1:p2", "2:p1"])
        prisma = try Introspection.oracle(backend) { Self.prismaMigrateSQL($0, a: "Category", b: "Zine") }
        ours = try Introspection.describe(database)
        #expect(Set(ours).subtracting(prisma).sorted() == [], "ours, not Prisma's")
        #expect(Set(prisma).subtracting(ours).sorted() == [], "Prisma's, not ours")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
        // The cascades hold on the new table (the registry's SQLite connection does not enforce foreign keys).
        if backend == .postgres {
            try database.withLockedTransaction { try $0.execute(#"DELETE FROM "Category" WHERE "id" = 1"#) }
            #expect(try Self.pairs("_CategoryToZine", database) == ["2:p1"])
        }
    }

    /// PostgreSQL: the pairs are copied online while a trigger mirrors the running version's
    /// writes to the old table. Here the copy's first batch waits for a writer holding a pair's row
    /// lock and gives up (the start ends with `lock-timeout` after its first transaction); the old
    /// table stays in use, every insert and delete on it reaching the new one; the next start copies
    /// the rest, drops the old table and its trigger function, and every pair is where it belongs.
    /// Both moves: a side renamed (the columns swap) and only the relation renamed (nothing else in
    /// the start changes the old table, so the new table is what shows the first transaction ran;
    /// there the running version also empties the old table with `TRUNCATE` meanwhile).
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"), arguments: [true, false])
    func theCopyRunsOnlineWhileTheOldTableIsWritten(_ sideRenamed: Bool) throws {
        let (database, location) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        _ = try Self.apply(Self.v1, registry)
        try Self.seed(database, count: 3)
        let (yaml, join) = sideRenamed ? (Self.v2, "_CategoryToPost") : (Self.tagging, "_Tagging")
        // `tag:post` when the sides swap, `post:tag` when they keep their order.
        func pair(_ post: String, _ tag: Int) -> String { sideRenamed ? "\(tag):\(post)" : "\(post):\(tag)" }
        let desired = try Desired.from(["blog": yaml], deploys: .recreate)
        _ = try registry.scan(desired, principal: "ci")
        let decision = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        #expect(decision.refused.isEmpty, "no rewrite to acknowledge: \(decision.refused.map(\.message))")

        let writer = try PostgresRegistryDatabase(location: try #require(location.postgres))
        defer { writer.close() }
        try writer.executeOutsideTransaction("BEGIN")
        try writer.executeOutsideTransaction(#"SELECT 1 FROM "_PostToTag" WHERE "A" = 'p1' AND "B" = 1 FOR UPDATE"#)
        let impatient = LockPolicy(statementTimeout: .milliseconds(200), retries: 0, onlineTimeout: .milliseconds(200))
        #expect(errorCode { try registry.applyApproved(desired, lockPolicy: impatient) } == .lockTimeout)
        try writer.executeOutsideTransaction("ROLLBACK")
        #expect(try Self.pairs("_PostToTag", database) == ["p1:1", "p1:2", "p2:1"], "the old table is still there, in use")

        // The running version writes the old table: the new one follows.
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "_PostToTag" ("A", "B") VALUES ('p3', 3)"#)
            try connection.execute(#"DELETE FROM "_PostToTag" WHERE "A" = 'p1' AND "B" = 2"#)
        }
        #expect(try Self.pairs(join, database) == [pair("p3", 3)], "only the mirrored write so far")
        if !sideRenamed {
            // The running version empties the table and writes one pair: so does the new one.
            try database.withLockedTransaction { connection in
                try connection.execute(#"TRUNCATE "_PostToTag""#)
                try connection.execute(#"INSERT INTO "_PostToTag" ("A", "B") VALUES ('p2', 3)"#)
            }
            #expect(try Self.pairs(join, database) == [pair("p2", 3)], "the mirrored p3–3 went with the TRUNCATE")
        }

        let resumed = try registry.applyApproved(desired)
        #expect(resumed.refused.isEmpty && resumed.applied.contains { $0.entity == join }, "\(resumed.refused.map(\.message))")
        #expect(try Self.pairs(join, database) == (sideRenamed ? [pair("p1", 1), pair("p2", 1), pair("p3", 3)] : [pair("p2", 3)]).sorted())
        #expect(try EnumTypeApplyTests.text(#"SELECT COUNT(*)::text AS "value" FROM pg_class WHERE relname = '_PostToTag'"#, database) == "0")
        #expect(try EnumTypeApplyTests.text(#"SELECT COUNT(*)::text AS "value" FROM pg_proc WHERE proname LIKE '\_PostToTag\_move%'"#, database) == "0")
        if sideRenamed {
            let prisma = try Introspection.oracle(.postgres) { Self.prismaMigrateSQL($0, a: "Category", b: "Post") }
            let ours = try Introspection.describe(database)
            #expect(Set(ours).symmetricDifference(prisma).sorted() == [], "ours against Prisma's")
        }
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// Naming the relation (`relationName: Tagging`, as Prisma asks once a second relation joins
    /// the same models) gives its join table another name; with `renamedFrom:` the pairs move to
    /// `_Tagging` instead of being dropped with `_PostToTag` (Prisma Migrate drops them). Without
    /// the hint the old table is dropped, as before: nothing is guessed.
    @Test(arguments: Backend.available)
    func aRenamedRelationKeepsItsPairs(_ backend: Backend) throws {
        let (database, registry, _) = try Registry.applied(try Desired.from(["blog": Self.v1], deploys: .recreate), on: backend)
        defer { database.close() }
        try Self.seed(database, count: 2)
        let named = Self.tagging
        let moved = try Self.apply(named, registry)
        let join = try #require(moved.first { $0.entity == "_Tagging" })
        #expect(join.renamedFrom == "_PostToTag" && join.action == .alter, "\(moved.map { "\($0.action) \($0.entity)" })")
        #expect(!moved.contains { $0.action == .drop }, "a move, not a drop")
        #expect(join.operations.contains { $0.contains("move join table _PostToTag to _Tagging") } && !join.operations.contains { $0.contains("exchanged") }, "\(join.operations)")
        #expect(try Self.pairs("_Tagging", database) == ["p1:1", "p1:2", "p2:1"])
        // What Prisma Migrate makes for these models with `@relation("Tagging")` on both lists, by
        // hand: Post's key is the cuid (A, first in order), Tag's the serial int (B).
        let prisma = try Introspection.oracle(backend) { dialect in
            Self.prismaMigrateSQL(dialect, a: "Tag", b: "Post", relation: "Tagging").map { statement in
                statement.replacingOccurrences(of: #"("A" INTEGER NOT NULL, "B" TEXT NOT NULL"#, with: #"("A" TEXT NOT NULL, "B" INTEGER NOT NULL"#)
                    .replacingOccurrences(of: #"FOREIGN KEY ("A") REFERENCES "Tag""#, with: #"FOREIGN KEY ("A") REFERENCES "Post""#)
                    .replacingOccurrences(of: #"FOREIGN KEY ("B") REFERENCES "Post""#, with: #"FOREIGN KEY ("B") REFERENCES "Tag""#)
            }
        }
        let ours = try Introspection.describe(database)
        #expect(Set(ours).subtracting(prisma).sorted() == [], "ours, not Prisma's")
        #expect(Set(prisma).subtracting(ours).sorted() == [], "Prisma's, not ours")
        #expect(try EnumTypeApplyTests.text(backend == .postgres
                ? #"SELECT COUNT(*)::text AS "value" FROM pg_class WHERE relname LIKE '\_PostToTag%' ESCAPE '\'"#
                : #"SELECT CAST(COUNT(*) AS TEXT) AS "value" FROM sqlite_master WHERE name LIKE '\_PostToTag%' ESCAPE '\'"#, database) == "0",
                "the old table and its index and key are gone")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)

        // Renamed again without the hint: the table is dropped with its pairs (DS102), not moved.
        let unhinted = named.replacingOccurrences(of: "relationName: Tagging, renamedFrom: PostToTag", with: "relationName: Labels")
            .replacingOccurrences(of: "relationName: Tagging", with: "relationName: Labels")
        let queued = try registry.scan(try Desired.from(["blog": unhinted], deploys: .recreate), principal: "ci").queued
        #expect(queued.filter { $0.entity.hasPrefix("_") }.map { "\($0.action) \($0.entity)" }.sorted() == ["create _Labels", "drop _Tagging"])
        #expect(queued.first { $0.action == .drop }?.risks.contains { $0.code == "DS102" } == true)
    }

    /// A relation's `renamedFrom:` naming the join table of two other entities is refused by scan
    /// with the reason: the pairs would break the foreign keys, or join unrelated rows.
    @Test func aRelationRenamedFromAnotherPairsJoinTableIsRefused() throws {
        let three = Self.v1 + """

              - name: Shelf
                fields:
                  id: { type: int, primary: true, generated: true }
                relations:
                  - { name: posts, type: manyToMany, entity: Post }
            """
        let before = try Desired.from(["blog": three])
        #expect(before.entities.map(\.structure.name).sorted() == ["Post", "Shelf", "Tag", "_PostToShelf", "_PostToTag"])
        let applied = before.entities.map { AppliedEntity(structure: $0.structure, checksum: $0.checksum, packages: ["blog"]) }
        // Post–Tag named after the Post–Shelf table, which is gone: not the same two entities.
        let stolen = three.replacingOccurrences(of: "entity: Tag }", with: "entity: Tag, relationName: Tagging, renamedFrom: PostToShelf }")
            .replacingOccurrences(of: "    relations:\n      - { name: posts, type: manyToMany, entity: Post }\n", with: "")
            .replacingOccurrences(of: "entity: Post }", with: "entity: Post, relationName: Tagging }")
        let stolenDesired = try Desired.from(["blog": stolen]).entities
        #expect(stolenDesired.map(\.structure.name).sorted() == ["Post", "Shelf", "Tag", "_Tagging"])
        let messages = MigrationPlanner.unplannableChanges(desired: stolenDesired, applied: applied)
        #expect(messages.contains { $0.contains("join table _Tagging: renamedFrom names _PostToShelf, which joins Post and Shelf, not Post and Tag") }, "\(messages)")
        let honest = three.replacingOccurrences(of: "entity: Tag }", with: "entity: Tag, relationName: Tagging, renamedFrom: PostToTag }")
            .replacingOccurrences(of: "entity: Post }\n  - name: Shelf", with: "entity: Post, relationName: Tagging }\n  - name: Shelf")
        let desired = try Desired.from(["blog": honest]).entities
        #expect(desired.map(\.structure.name).sorted() == ["Post", "Shelf", "Tag", "_PostToShelf", "_Tagging"])
        #expect(MigrationPlanner.entityRenames(desired: desired, applied: applied) == ["_Tagging": "_PostToTag"])
        #expect(MigrationPlanner.unplannableChanges(desired: desired, applied: applied).isEmpty)
    }

    /// A renamed relation in a rolling deploy: the running version keeps writing `_PostToTag`,
    /// a view over `_Tagging` (sides in the same order), until `complete` drops it, or
    /// `rollback` moves every pair back into a `_PostToTag` table (its sides were not renamed).
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"), arguments: [false, true])
    func theRunningVersionWritesTheRenamedRelationsOldTableUntilCompleteOrRollback(_ rollBack: Bool) throws {
        let named = Self.v1.replacingOccurrences(of: "entity: Tag }", with: "entity: Tag, relationName: Tagging, renamedFrom: PostToTag }")
            .replacingOccurrences(of: "entity: Post }", with: "entity: Post, relationName: Tagging }")
        let (fixture, engine) = try Self.rolledOut(named, join: "_Tagging")
        defer { fixture.database.close() }
        try fixture.asApplication(#"INSERT INTO "_PostToTag" ("A", "B") VALUES ('p2', 2)"#)
        try fixture.asApplication(#"INSERT INTO "_Tagging" ("A", "B") VALUES ('p2', 1)"#)
        #expect(try Self.pairs("_Tagging", fixture.database) == ["p1:1", "p2:1", "p2:2"])
        #expect(try Self.pairs("_PostToTag", fixture.database) == ["p1:1", "p2:1", "p2:2"], "the old version reads every pair")
        if rollBack {
            // The same move the other way: every pair, those written through either name, back in `_PostToTag`.
            let back = try engine.finishRollouts(.rollback, entities: ["_Tagging"], ApplyRequest(principal: "alice"))
            #expect(back.finished.map(\.entity) == ["_Tagging"])
            #expect(try fixture.text(#"SELECT string_agg(relname || ':' || relkind::text, ' ' ORDER BY relname) AS "value" FROM pg_class WHERE relname IN ('_PostToTag', '_Tagging')"#) == "_PostToTag:r")
            #expect(try Self.pairs("_PostToTag", fixture.database) == ["p1:1", "p2:1", "p2:2"])
            #expect(try fixture.registry.appliedEntities().map(\.structure.name).sorted() == ["Post", "Tag", "_PostToTag"])
            try fixture.asApplication(#"INSERT INTO "_PostToTag" ("A", "B") VALUES ('p1', 2)"#)
        } else {
            let completed = try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice"))
            #expect(completed.finished.map(\.entity).contains("_Tagging"))
            #expect(try fixture.text(#"SELECT string_agg(relname, ' ') AS "value" FROM pg_class WHERE relname = '_PostToTag'"#) == nil, "the view is gone")
        }
        let drift = try fixture.registry.drift(host: Desired.host)
        #expect(!drift.hasDrift, "\(drift.drifted.map(\.differences))")
    }

    /// In a rolling deploy, the running version still writes `_PostToTag` (post in A): the view
    /// under the old name puts each pair in the new table with its sides swapped, until `complete`.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func theRunningVersionKeepsItsJoinTableUntilComplete() throws {
        let (fixture, engine) = try Self.rolledOut(Self.v2, join: "_CategoryToPost")
        defer { fixture.database.close() }

        // The old version, as the application's role, through the old names; the new one directly.
        try fixture.asApplication(#"INSERT INTO "_PostToTag" ("A", "B") VALUES ('p2', 2)"#)
        try fixture.asApplication(#"INSERT INTO "_CategoryToPost" ("A", "B") VALUES (2, 'p1')"#)
        #expect(try Self.pairs("_CategoryToPost", fixture.database) == ["1:p1", "2:p1", "2:p2"])
        #expect(try Self.pairs("_PostToTag", fixture.database) == ["p1:1", "p1:2", "p2:2"], "the old version reads every pair its way")

        // Its sides' old names are views: the move has no way back of its own.
        do {
            _ = try engine.finishRollouts(.rollback, entities: ["_CategoryToPost"], ApplyRequest(principal: "alice"))
            Issue.record("the rollback of a moved join table ran")
        } catch let error as SchemaError {
            #expect(error.message.contains("the join table moved from _PostToTag with its sides' renames and cannot be rolled back alone"), "\(error.message)")
        }
        #expect(try Self.pairs("_CategoryToPost", fixture.database) == ["1:p1", "2:p1", "2:p2"], "nothing ran")
        let completed = try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice"))
        #expect(completed.finished.map(\.entity).contains("_CategoryToPost"))
        let left = try fixture.text(#"SELECT string_agg(relname || ':' || relkind::text, ' ') AS "value" FROM pg_class WHERE relkind = 'v' AND relnamespace = current_schema()::regnamespace"#)
        #expect(left == nil, "the views are gone: \(left ?? "")")
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift)
        #expect(try Self.pairs("_CategoryToPost", fixture.database) == ["1:p1", "2:p1", "2:p2"])
    }

    /// A named relation keeps its join table's name, so a rename that swaps its sides has
    /// nowhere to copy to: refused by scan with the reason.
    @Test func aNamedJoinTableWhoseSidesSwapIsRefused() throws {
        let named = Self.v1.replacingOccurrences(of: "entity: Tag }", with: "entity: Tag, relationName: Tagging }")
            .replacingOccurrences(of: "entity: Post }", with: "entity: Post, relationName: Tagging }")
        let before = try Desired.from(["blog": named])
        #expect(before.entities.map(\.structure.name).sorted() == ["Post", "Tag", "_Tagging"])
        let applied = before.entities.map { AppliedEntity(structure: $0.structure, checksum: $0.checksum, packages: ["blog"]) }
        let renamed = named.replacingOccurrences(of: "  - name: Tag\n", with: "  - name: Category\n    renamedFrom: Tag\n")
            .replacingOccurrences(of: "entity: Tag,", with: "entity: Category,")
        let messages = MigrationPlanner.unplannableChanges(desired: try Desired.from(["blog": renamed]).entities, applied: applied)
        #expect(messages.contains { $0.contains("join table _Tagging: the renamed side now sorts first, so its columns A and B would swap") }, "\(messages)")
        // The same rename that keeps the order is planned: the foreign key follows the table.
        let kept = named.replacingOccurrences(of: "  - name: Tag\n", with: "  - name: Topic\n    renamedFrom: Tag\n")
            .replacingOccurrences(of: "entity: Tag,", with: "entity: Topic,")
        #expect(MigrationPlanner.unplannableChanges(desired: try Desired.from(["blog": kept]).entities, applied: applied).isEmpty)
    }

    /// Policies the host put on the old join table would be left behind by the copy (and name
    /// columns that swap): the move is refused with their count until they are gone.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func hostPoliciesOnTheOldJoinTableHoldTheMoveBack() throws {
        let (database, registry, _) = try Registry.applied(try Desired.from(["blog": Self.v1], deploys: .recreate), on: .postgres)
        defer { database.close() }
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Post" ("id") VALUES ('p1')"#)
            try connection.execute(#"INSERT INTO "Tag" ("id") VALUES (1)"#)
            try connection.execute(#"INSERT INTO "_PostToTag" ("A", "B") VALUES ('p1', 1)"#)
            try connection.execute(#"CREATE POLICY "own_posts" ON "_PostToTag" USING ("A" = current_user)"#)
        }
        let desired = try Desired.from(["blog": Self.v2], deploys: .recreate)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: Desired.recreating)
        let refused = try registry.applyApproved(desired)
        let message = refused.refused.first { $0.entity == "_CategoryToPost" }?.message ?? ""
        #expect(message.contains("1 policy of _PostToTag (row-level security), which the copy into _CategoryToPost would leave behind"), "\(refused.refused.map(\.message))")
        #expect(try Self.pairs("_PostToTag", database) == ["p1:1"], "nothing ran")
        // The rename of Tag waits for the move: run alone, it would leave _PostToTag's snapshot naming a table that is gone.
        #expect(refused.refused.contains { $0.entity == "Category" && $0.code == .waitsForRename && $0.message.contains("_PostToTag references Tag and changes with the rename") },
                "\(refused.refused.map { "\($0.entity ?? "-") \($0.code): \($0.message)" })")
        #expect(try EnumTypeApplyTests.text(#"SELECT to_regclass('"Tag"')::text AS "value""#, database) == "\"Tag\"", "Tag keeps its name")

        try database.withLockedTransaction { try $0.execute(#"DROP POLICY "own_posts" ON "_PostToTag""#) }
        _ = try Self.apply(Self.v2, registry)
        #expect(try Self.pairs("_CategoryToPost", database) == ["1:p1"])
    }
}
