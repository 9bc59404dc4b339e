import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// One change that widens an `int` field to `bigint`, renames another field and keeps an index
/// over both (issue 22): one trigger keeps the renamed pair equal and fills the shadow, the
/// shadow's index with the other column is built by the expand, and `complete` swaps the shadow
/// in, its index taking the new index's name. Both versions work throughout.
@Suite(.serialized) struct WideningWithRenameRolloutTests {
    static let v1 = """
        entities:
          - name: Tally
            fields:
              id: { type: string, primary: true }
              hits: { type: int, default: 0 }
              label: { type: string, nullable: true }
            indexes:
              - fields: [label, hits]
              - fields: [hits, id]
                unique: true
        """
    static let v2 = """
        entities:
          - name: Tally
            fields:
              id: { type: string, primary: true }
              hits: { type: bigint, default: 0 }
              title: { type: string, nullable: true, renamedFrom: label }
            indexes:
              - fields: [title, hits]
              - fields: [hits, id]
                unique: true
        """

    static let old = RolloutTests.Version(
        insertPost: { #"INSERT INTO "Tally" ("id", "hits", "label") VALUES ('\#($0)', 7, 'old \#($0)')"# },
        selectPost: { #"SELECT "id", "hits", "label" FROM "Tally" WHERE "id" = '\#($0)'"# },
        tag: { #"UPDATE "Tally" SET "hits" = "hits" + 1 WHERE "id" = '\#($0)'"# })
    static let new = RolloutTests.Version(
        insertPost: { #"INSERT INTO "Tally" ("id", "hits", "title") VALUES ('\#($0)', 11, 'new \#($0)')"# },
        selectPost: { #"SELECT "id", "hits", "title" FROM "Tally" WHERE "id" = '\#($0)'"# },
        tag: { #"UPDATE "Tally" SET "title" = 'retitled' WHERE "id" = '\#($0)'"# })

    /// The structures, as the planner sees them.
    static func structures() throws -> (CanonicalEntity, CanonicalEntity) {
        (try #require(try Desired.from(["stats": v1]).entities.first?.structure), try #require(try Desired.from(["stats": v2]).entities.first?.structure))
    }

    @Test func oneChangeWidensRenamesAndKeepsTheIndexOverBoth() throws {
        let (from, to) = try Self.structures()
        #expect(Rollout.widenedFields(from: from, to: to, renames: ["title": "label"]) == ["hits"])
        let change = DerivedChange(from: from, to: to, renames: ["title": "label"], renderer: MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:]), rollout: true)
        #expect(change.isRolledOut)
        #expect(Set(change.incompatibilities.map(\.kind)) == [.renamedField, .widenedField])
        let expand = change.statements.filter { $0.part == .expand }.map(\.sql)
        #expect(!expand.contains { $0.contains("SET DATA TYPE") || $0.contains("RENAME COLUMN") }, "\(expand)")
        #expect(expand.filter { $0.hasPrefix("CREATE TRIGGER") }.count == 1, "one trigger for the table: \(expand)")
        let function = try #require(expand.first { $0.hasPrefix("CREATE OR REPLACE FUNCTION") })
        #expect(function.contains(#"NEW."hits__widened" := NEW."hits";"#) && function.contains(#"NEW."title" := NEW."label""#), "\(function)")
        // The new index is built on the shadow only: the int column's indexes go with the contract.
        #expect(expand.contains { $0.contains(#"("title", "hits__widened")"#) } && !expand.contains { $0.contains(#"("title", "hits")"#) }, "\(expand)")
        #expect(expand.contains { $0.contains("UNIQUE") && $0.contains(#"("hits__widened", "id")"#) }, "\(expand)")
        let contract = change.statements.filter { $0.part == .contract }.map(\.sql)
        #expect(!contract.contains { $0.hasPrefix("CREATE INDEX") || $0.hasPrefix("CREATE UNIQUE INDEX") }, "the contract builds no index: \(contract)")
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func bothVersionsWorkThroughExpandAndComplete() throws {
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        let relation = try #require(try fixture.text(#"SELECT pg_relation_filenode('"Tally"')::text AS "value""#))
        let (desired, rows) = try expand(fixture)
        let engine = ApplyEngine(registry: fixture.registry, desiredState: { desired })
        #expect(try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice")).finished.map(\.entity) == ["Tally"])
        #expect(try fixture.text(#"SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_name) AS "value" FROM information_schema.columns WHERE table_name = 'Tally'"#)
                == "hits bigint, id text, title text")
        #expect(try fixture.text(#"SELECT pg_relation_filenode('"Tally"')::text AS "value""#) == relation, "the table was never rewritten")
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "the new snapshot, index names included")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Tally""#) == Int64(rows), "every row kept")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Tally" WHERE "id" LIKE 'seed%' AND ("hits" <> substr("id", 5)::bigint OR "title" IS DISTINCT FROM 'l' || substr("id", 5))"#) == 0,
                "every seeded value kept")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM pg_trigger WHERE tgrelid = '"Tally"'::regclass AND NOT tgisinternal"#) == 0)
        try fixture.asApplication(#"INSERT INTO "Tally" ("id", "hits", "title") VALUES ('big', 5000000000, 't')"#)
        #expect(throws: SchemaError.self, "the unique index over the widened column holds") {
            try fixture.asApplication(#"INSERT INTO "Tally" ("id", "hits") VALUES ('big', 5000000000)"#)
        }
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func rollbackKeepsWhatTheNewVersionWrote() throws {
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        let (desired, rows) = try expand(fixture)
        let engine = ApplyEngine(registry: fixture.registry, desiredState: { desired })
        #expect(try engine.finishRollouts(.rollback, entities: ["Tally"], ApplyRequest(principal: "alice")).finished.map(\.entity) == ["Tally"])
        #expect(try fixture.text(#"SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_name) AS "value" FROM information_schema.columns WHERE table_name = 'Tally'"#)
                == "hits integer, id text, label text")
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "the old snapshot again")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Tally""#) == Int64(rows))
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Tally" WHERE "id" LIKE 'n%' AND "label" NOT LIKE 'new n%' AND "label" <> 'retitled'"#) == 0,
                "titles the new version wrote are in the old column")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM pg_trigger WHERE tgrelid = '"Tally"'::regclass AND NOT tgisinternal"#) == 0)
    }

    func atVersion1() throws -> RolloutTests.Fixture {
        try RolloutTests.Fixture.applied(Self.v1, package: "stats",
                                         seed: #"INSERT INTO "Tally" ("id", "hits", "label") SELECT 'seed' || g, g, 'l' || g FROM generate_series(1, 3000) AS g"#)
    }

    /// The expand under both versions' writes: no rewrite, every value in the shadow and in both
    /// columns of the renamed field, and each version reads the other's rows.
    func expand(_ fixture: RolloutTests.Fixture) throws -> (desired: DesiredState, written: Int) {
        let desired = try Desired.from(["stats": Self.v2])
        let item = try #require(try fixture.registry.scan(desired, principal: "ci").queued.first)
        #expect(item.isRolledOut && !item.rewritesTable, "\(item.risks)")
        #expect(try fixture.registry.approve(.all, as: "alice", allowDataLoss: true, context: desired.renderContext).accepted.count == 1)
        let before = RolloutTests.Client(Self.old, prefix: "o", connection: try fixture.application())
        usleep(100_000)
        let outcome = try fixture.registry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity) == ["Tally"] && outcome.refused.isEmpty, "\(outcome.refused)")
        let newer = RolloutTests.Client(Self.new, prefix: "n", connection: try fixture.application())
        usleep(300_000)
        let (oldWritten, oldErrors) = before.stop()
        let (newWritten, newErrors) = newer.stop()
        #expect(oldErrors.isEmpty && newErrors.isEmpty, "\((oldErrors + newErrors).prefix(3))")
        #expect(!oldWritten.isEmpty && !newWritten.isEmpty)
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Tally" WHERE "hits__widened" IS DISTINCT FROM "hits" OR "title" IS DISTINCT FROM "label""#) == 0,
                "every value in the shadow and in both columns")
        if let oldRow = oldWritten.first, let newRow = newWritten.first {
            #expect(try fixture.text(#"SELECT "title" AS "value" FROM "Tally" WHERE "id" = '\#(oldRow)'"#) == "old \(oldRow)", "the new version reads the old one's row")
            #expect(try fixture.text(#"SELECT "label" AS "value" FROM "Tally" WHERE "id" = '\#(newRow)'"#) != nil, "the old version reads the new one's row")
        }
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "the table is the expanded shape")
        return (desired, 3000 + oldWritten.count + newWritten.count)
    }
}
