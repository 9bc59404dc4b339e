import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Renamed fields in a rolling deploy (issue 22): between expand and contract both columns exist
/// and a trigger keeps them equal, so the old version's client (which names the old column) and
/// the new one's (which names the new column) both work and read what the other wrote.
@Suite(.serialized) struct RenameRolloutTests {
    static let v1 = """
        entities:
          - name: Author
            fields:
              id: { type: string, primary: true }
              name: { type: string, maxLength: 100 }
              email: { type: string, nullable: true, unique: true }
        """
    /// `name` becomes the required `displayName`; `email` the optional, unique `contact`.
    static let v2 = """
        entities:
          - name: Author
            fields:
              id: { type: string, primary: true }
              displayName: { type: string, maxLength: 100, renamedFrom: name }
              contact: { type: string, nullable: true, unique: true, renamedFrom: email }
        """

    static let old = RolloutTests.Version(
        insertPost: { #"INSERT INTO "Author" ("id", "name", "email") VALUES ('\#($0)', 'old \#($0)', '\#($0)@old')"# },
        selectPost: { #"SELECT "id", "name", "email" FROM "Author" WHERE "id" = '\#($0)'"# },
        tag: { #"UPDATE "Author" SET "name" = 'renamed by old' WHERE "id" = '\#($0)'"# })
    static let new = RolloutTests.Version(
        insertPost: { #"INSERT INTO "Author" ("id", "displayName", "contact") VALUES ('\#($0)', 'new \#($0)', '\#($0)@new')"# },
        selectPost: { #"SELECT "id", "displayName", "contact" FROM "Author" WHERE "id" = '\#($0)'"# },
        tag: { #"UPDATE "Author" SET "contact" = NULL WHERE "id" = '\#($0)'"# })

    func atVersion1() throws -> RolloutTests.Fixture {
        // Rows on many pages, some without an email, for the copy to walk.
        try RolloutTests.Fixture.applied(Self.v1, package: "people",
                                         seed: #"INSERT INTO "Author" ("id", "name", "email") SELECT 'seed' || g, 'seed ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'seed' || g || '@x' END FROM generate_series(1, 3000) AS g"#)
    }

    /// The trigger and its function, counted in the catalog.
    func syncObjects(_ fixture: RolloutTests.Fixture) throws -> Int64 {
        try fixture.count(#"SELECT (SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = '"Author"'::regclass AND NOT tgisinternal) + (SELECT COUNT(*) FROM pg_proc WHERE proname LIKE 'Author_sync_%') AS "count""#)
    }

    /// Expand while the old version writes; then both versions side by side, each reading what the other wrote.
    func expand(_ fixture: RolloutTests.Fixture) throws -> (desired: DesiredState, old: [String], new: [String]) {
        let desired = try Desired.from(["people": Self.v2])
        let item = try #require(try fixture.registry.scan(desired, principal: "ci").queued.first)
        #expect(item.isRolledOut, "a rename rolls out")
        #expect(try fixture.registry.approve(.all, as: "alice", allowDataLoss: true, context: desired.renderContext).accepted.count == 1)
        let before = RolloutTests.Client(Self.old, prefix: "o", connection: try fixture.application())
        usleep(100_000)
        let outcome = try fixture.registry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity) == ["Author"] && outcome.refused.isEmpty, "\(outcome.refused)")
        let during = RolloutTests.Client(Self.old, prefix: "p", connection: try fixture.application())
        let newer = RolloutTests.Client(Self.new, prefix: "n", connection: try fixture.application())
        usleep(300_000)
        let (oldBefore, oldErrors) = before.stop()
        let (oldDuring, duringErrors) = during.stop()
        let (newWritten, newErrors) = newer.stop()
        #expect(oldErrors.isEmpty && duringErrors.isEmpty, "the old version kept working through the expand: \(oldErrors + duringErrors)")
        #expect(newErrors.isEmpty, "the new version works from the expand on: \(newErrors)")
        #expect(!oldDuring.isEmpty && !newWritten.isEmpty)
        // Every stored value was copied; each version sees the other's writes under its own names.
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Author" WHERE "displayName" IS DISTINCT FROM "name" OR "contact" IS DISTINCT FROM "email""#) == 0)
        let newest = try #require(newWritten.last), oldest = try #require(oldDuring.last)
        #expect(try fixture.text(#"SELECT "name" AS "value" FROM "Author" WHERE "id" = '\#(newest)'"#) == "new \(newest)")
        #expect(try fixture.text(#"SELECT "email" AS "value" FROM "Author" WHERE "id" = '\#(newest)'"#) == nil, "the new version's update reached the old column")
        #expect(try fixture.text(#"SELECT "displayName" AS "value" FROM "Author" WHERE "id" = '\#(oldest)'"#) == "renamed by old")
        #expect(try fixture.text(#"SELECT "contact" AS "value" FROM "Author" WHERE "id" = '\#(oldest)'"#) == "\(oldest)@old")
        #expect(try syncObjects(fixture) == 2)
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "the table is the expanded shape")
        return (desired, oldBefore + oldDuring, newWritten)
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func bothVersionsWorkFromExpandToComplete() throws {
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        let (desired, old, new) = try expand(fixture)
        let engine = ApplyEngine(registry: fixture.registry, desiredState: { desired })
        let completed = try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice"))
        #expect(completed.finished.map(\.entity) == ["Author"])
        #expect(try RolloutTests().columns("Author", fixture.database) == ["contact", "displayName", "id"])
        #expect(try syncObjects(fixture) == 0, "no trigger or function left")
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "the table is the new snapshot")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Author""#) == Int64(3000 + old.count + new.count), "every row kept")
        #expect(try fixture.text(#"SELECT "displayName" AS "value" FROM "Author" WHERE "id" = 'seed7'"#) == "seed 7")
        let app = try fixture.application()
        defer { app.close() }
        try app.executeOutsideTransaction(Self.new.insertPost("after"))
        #expect(throws: SchemaError.self) { try app.executeOutsideTransaction(Self.old.insertPost("late")) }
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func rollbackKeepsWhatTheNewVersionWroteInTheOldColumns() throws {
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        let (desired, old, new) = try expand(fixture)
        let engine = ApplyEngine(registry: fixture.registry, desiredState: { desired })
        let back = try engine.finishRollouts(.rollback, entities: ["Author"], ApplyRequest(principal: "alice"))
        #expect(back.finished.map(\.entity) == ["Author"])
        #expect(try RolloutTests().columns("Author", fixture.database) == ["email", "id", "name"])
        #expect(try syncObjects(fixture) == 0, "no trigger or function left")
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "the table is the old snapshot again")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Author""#) == Int64(3000 + old.count + new.count), "every row kept")
        let written = try #require(new.first)
        #expect(try fixture.text(#"SELECT "name" AS "value" FROM "Author" WHERE "id" = '\#(written)'"#) == "new \(written)",
                "a value written through the new column is in the old one")
        let app = try fixture.application()
        defer { app.close() }
        try app.executeOutsideTransaction(Self.old.insertPost("again"))
    }

    /// A rename that also widens `int` to `bigint` rolls out like any rename: the new column is
    /// bigint from the expand on, both versions' writes reach both columns, and the table is never
    /// rewritten; after `complete` values beyond int fit.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aRenameThatWidensRollsOut() throws {
        let v1 = "entities:\n  - name: Player\n    fields:\n      id: { type: string, primary: true }\n      score: { type: int, default: 0 }\n"
        let v2 = v1.replacingOccurrences(of: "score: { type: int, default: 0 }", with: "points: { type: bigint, default: 0, renamedFrom: score }")
        let fixture = try RolloutTests.Fixture.applied(v1, package: "game", seed: #"INSERT INTO "Player" ("id", "score") SELECT 'p' || g, g FROM generate_series(1, 2000) AS g"#)
        defer { fixture.database.close() }
        let file = { try fixture.count(#"SELECT relfilenode::bigint AS "count" FROM pg_class WHERE relname = 'Player'"#) }
        let before = try file()
        let desired = try Desired.from(["game": v2])
        let item = try #require(try fixture.registry.scan(desired, principal: "ci").queued.first)
        #expect(item.isRolledOut && !item.rewritesTable, "\(item.statements.map(\.sql))")
        _ = try fixture.registry.approve(.all, as: "alice", allowDataLoss: true, context: desired.renderContext)
        let old = RolloutTests.Client(RolloutTests.Version(insertPost: { #"INSERT INTO "Player" ("id", "score") VALUES ('\#($0)', 7)"# },
                                                           selectPost: { #"SELECT "score" FROM "Player" WHERE "id" = '\#($0)'"# }, tag: nil),
                                      prefix: "o", connection: try fixture.application())
        usleep(50_000)
        #expect(try fixture.registry.applyApproved(desired).refused.isEmpty)
        let new = RolloutTests.Client(RolloutTests.Version(insertPost: { #"INSERT INTO "Player" ("id", "points") VALUES ('\#($0)', 9)"# },
                                                           selectPost: { #"SELECT "points" FROM "Player" WHERE "id" = '\#($0)'"# }, tag: nil),
                                      prefix: "n", connection: try fixture.application())
        usleep(200_000)
        let (oldWritten, oldErrors) = old.stop()
        let (newWritten, newErrors) = new.stop()
        #expect(oldErrors.isEmpty && newErrors.isEmpty, "\((oldErrors + newErrors).prefix(3))")
        #expect(try fixture.text(#"SELECT data_type AS "value" FROM information_schema.columns WHERE table_name = 'Player' AND column_name = 'points'"#) == "bigint")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Player" WHERE "points" IS DISTINCT FROM "score""#) == 0, "every value in both columns")
        let engine = ApplyEngine(registry: fixture.registry, desiredState: { desired })
        #expect(try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice")).finished.count == 1)
        #expect(try RolloutTests().columns("Player", fixture.database) == ["id", "points"])
        #expect(try file() == before, "the table was never rewritten")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Player""#) == Int64(2000 + oldWritten.count + newWritten.count))
        try fixture.asApplication(#"INSERT INTO "Player" ("id", "points") VALUES ('big', 5000000000)"#)
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift)
    }

    /// A rename that changes the column's type cannot keep both columns equal: it applies whole.
    @Test func aRenameWithATypeChangeAppliesWhole() throws {
        let renderer = MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:])
        let from = try #require(try Desired.from(["people": Self.v1]).entities.first?.structure)
        let retyped = try #require(try Desired.from(["people": Self.v2.replacingOccurrences(of: "displayName: { type: string, maxLength: 100", with: "displayName: { type: int")]).entities.first?.structure)
        let whole = DerivedChange(from: from, to: retyped, renames: ["displayName": "name", "contact": "email"], renderer: renderer, rollout: true)
        #expect(!whole.isRolledOut)
        let to = try #require(try Desired.from(["people": Self.v2]).entities.first?.structure)
        let split = DerivedChange(from: from, to: to, renames: ["displayName": "name", "contact": "email"], renderer: renderer, rollout: true)
        #expect(split.isRolledOut && split.incompatibilities.map(\.kind) == [Rollout.Incompatibility.Kind.renamedField, .renamedField])
        #expect(!split.statements.contains { $0.sql.contains("RENAME COLUMN") })
    }
}
