import SchemaCore
import Testing

/// The planner and the SQL renderers, without a database.
@Suite struct PlanningTests {
    static let before = """
        entities:
          - name: Post
            fields:
              id: { type: cuid, primary: true }
              title: { type: string, maxLength: 100 }
              body: { type: string, nullable: true }
              score: { type: int, nullable: true }
              legacy: { type: string, nullable: true }
            indexes:
              - fields: [title]
        """

    /// The entity of `yaml` and its rename hints, as the desired-state stage computes them.
    func canonical(_ yaml: String) throws -> (CanonicalEntity, [String: String]) {
        let entity = try #require(TestSupport.desired(yaml).entities.first)
        return (entity.structure, entity.renames)
    }

    @Test func diffProducesOperationsAndRisks() throws {
        let (old, _) = try canonical(Self.before)
        let (new, renames) = try canonical(Self.before
            .replacingOccurrences(of: "      body: { type: string, nullable: true }", with: "      content: { type: string, nullable: true, renamedFrom: body }")
            .replacingOccurrences(of: "      score: { type: int, nullable: true }", with: "      score: { type: int, default: 0 }")
            .replacingOccurrences(of: "      legacy: { type: string, nullable: true }\n", with: "      rating: { type: float }\n")
            .replacingOccurrences(of: "maxLength: 100", with: "maxLength: 50"))
        let operations = TableDiff.operations(from: old, to: new, renames: renames)
        #expect(operations.map(\.summary) == [
            "rename column Post.body to content",
            "add column Post.rating float",
            "alter column Post.score: NOT NULL, default none → 0",
            "alter column Post.title: constraints changed",
            "drop column Post.legacy",
        ])
        let codes = operations.flatMap(OperationRisk.of).map(\.code)
        #expect(codes == ["BC102", "MF103", "MF108", "MF105", "DS103"])
        #expect(operations.flatMap(OperationRisk.of).filter { $0.kind == .destructive }.map(\.code) == ["DS103"])
    }

    @Test func reinterpretingTypesIsDestructiveAndRequiringWithoutDefaultFailsOnNulls() throws {
        let (old, _) = try canonical(Self.before)
        let (new, _) = try canonical(Self.before.replacingOccurrences(of: "score: { type: int, nullable: true }", with: "score: { type: boolean }"))
        let risks = TableDiff.operations(from: old, to: new).flatMap(OperationRisk.of)
        #expect(risks.filter { $0.kind == .destructive }.map(\.code) == ["DS104"])
        // Rows holding NULL make the apply fail (counted before it starts); no value is lost.
        #expect(risks.filter { $0.kind == .dataDependent }.map(\.code) == ["MF104"])
    }

    @Test func sqliteUsesInPlaceAlterWhenItCanAndRebuildsOtherwise() throws {
        let (old, _) = try canonical(Self.before)
        let renderer = MigrationSQLRenderer(dialect: .sqlite, primaryKeys: [:])
        let (added, _) = try canonical(Self.before.replacingOccurrences(of: "    indexes:", with: "      extra: { type: string, nullable: true }\n    indexes:"))
        let simple = renderer.render(MigrationStep(from: old, to: added, operations: TableDiff.operations(from: old, to: added))).statements
        #expect(simple.map(\.sql) == [#"ALTER TABLE "Post" ADD COLUMN "extra" TEXT"#])
        let (required, _) = try canonical(Self.before.replacingOccurrences(of: "score: { type: int, nullable: true }", with: "score: { type: int, default: 0 }"))
        let rebuild = renderer.render(MigrationStep(from: old, to: required, operations: TableDiff.operations(from: old, to: required))).statements.map(\.sql)
        #expect(rebuild.first == "PRAGMA defer_foreign_keys=ON")
        #expect(rebuild.contains(#"INSERT INTO "new_Post" ("id", "body", "legacy", "score", "title") SELECT "id", "body", "legacy", COALESCE("score", 0), "title" FROM "Post""#))
        #expect(rebuild.contains(#"DROP TABLE "Post""#))
        #expect(rebuild.contains(#"ALTER TABLE "new_Post" RENAME TO "Post""#))
        #expect(rebuild.last == #"CREATE INDEX "Post_title_idx" ON "Post"("title")"#)
    }

    @Test func postgresAltersColumnsInPlace() throws {
        let (old, _) = try canonical(Self.before)
        let (new, _) = try canonical(Self.before.replacingOccurrences(of: "score: { type: int, nullable: true }", with: "score: { type: bigint, default: 0 }"))
        let sql = MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:])
            .render(MigrationStep(from: old, to: new, operations: TableDiff.operations(from: old, to: new)))
            .statements.ordered().filter { $0.phase != .rowLevelSecurity }.map { "\($0.stage.rawValue): \($0.sql)" }
        #expect(sql == [
            // int → bigint keeps every value: no USING cast.
            #"transaction: ALTER TABLE "Post" ALTER COLUMN "score" SET DATA TYPE BIGINT"#,
            #"transaction: ALTER TABLE "Post" ALTER COLUMN "score" SET DEFAULT 0"#,
            // Existing NULLs first: a NOT VALID check would make updates of those rows fail.
            // One walk over the pages: $2 pages from page $1, and the table's size.
            #"online: WITH "filled" AS (UPDATE "Post" SET "score" = 0 WHERE "ctid" >= CAST('(' || CAST($1 AS bigint) || ',0)' AS tid) AND "ctid" < CAST('(' || (CAST($1 AS bigint) + CAST($2 AS bigint)) || ',0)' AS tid) AND "score" IS NULL RETURNING 1) SELECT COUNT(*) AS "filled", pg_relation_size(CAST('"Post"' AS regclass)) / current_setting('block_size')::bigint AS "pages" FROM "filled""#,
            // Then the NULLs the walk did not see, before the check exists (an update of such a row would fail on it).
            #"online: WITH "batch" AS (SELECT "id" FROM "Post" WHERE "score" IS NULL LIMIT 5000), "filled" AS (UPDATE "Post" SET "score" = 0 WHERE "score" IS NULL AND "id" IN (SELECT "id" FROM "batch") RETURNING 1) SELECT COUNT(*) AS "count" FROM "batch""#,
            #"online: ALTER TABLE "Post" DROP CONSTRAINT IF EXISTS "Post_score_not_null", ADD CONSTRAINT "Post_score_not_null" CHECK ("score" IS NOT NULL) NOT VALID"#,
            // Then the NULLs written while the check was added.
            #"online: WITH "batch" AS (SELECT "id" FROM "Post" WHERE "score" IS NULL LIMIT 5000), "filled" AS (UPDATE "Post" SET "score" = 0 WHERE "score" IS NULL AND "id" IN (SELECT "id" FROM "batch") RETURNING 1) SELECT COUNT(*) AS "count" FROM "batch""#,
            #"online: ALTER TABLE "Post" VALIDATE CONSTRAINT "Post_score_not_null""#,
            #"finish: ALTER TABLE "Post" ALTER COLUMN "score" SET NOT NULL"#,
            #"finish: ALTER TABLE "Post" DROP CONSTRAINT IF EXISTS "Post_score_not_null""#,
        ])
    }

    @Test func identifiersAndDefaultsAreQuotedAndEscaped() {
        let dialect = SQLDialect.postgresql
        #expect(dialect.quote(#"we"ird"#) == #""we""ird""#)
        #expect(dialect.literal("it's'; DROP TABLE x; --") == "'it''s''; DROP TABLE x; --'")
        let field = CanonicalField(name: "status", type: .string, optional: false, defaultValue: .string("o'k"), enumValues: ["o'k", "no"])
        #expect(dialect.defaultExpression(field) == "'o''k'")
        #expect(dialect.checkExpression(field) == #""status" IN ('o''k', 'no')"#)
    }

    @Test func changesAreIdentifiedDeterministicallyAndOrderedByDependency() throws {
        let yaml = """
            entities:
              - name: Child
                fields:
                  id: { type: cuid, primary: true }
                  parentId: { type: string }
                relations:
                  - { name: parent, type: belongsTo, entity: Parent, field: parentId }
              - name: Parent
                fields:
                  id: { type: cuid, primary: true }
            """
        let desired = TestSupport.desired(yaml, host: nil).entities
        let first = MigrationPlanner.plan(desired: desired, applied: [], dialect: .postgresql, host: nil)
        let second = MigrationPlanner.plan(desired: desired, applied: [], dialect: .postgresql, host: nil)
        #expect(first.map(\.entity) == ["Parent", "Child"])
        #expect(first.map(\.id) == second.map(\.id))
        #expect(first.allSatisfy { $0.id.count == 10 && $0.risks.isEmpty })
        let script = first.flatMap(\.statements).ordered().filter { $0.phase != .rowLevelSecurity }.map(\.sql)
        #expect(script.last?.hasPrefix(#"ALTER TABLE "Child" ADD CONSTRAINT "Child_parentId_fkey" FOREIGN KEY"#) == true)
        let applied = desired.map { AppliedEntity(structure: $0.structure, checksum: $0.checksum, packages: $0.packages) }
        #expect(MigrationPlanner.plan(desired: desired, applied: applied, dialect: .sqlite, host: nil).isEmpty)
        let drops = MigrationPlanner.plan(desired: [], applied: applied, dialect: .postgresql, host: nil)
        #expect(drops.map(\.action) == [.drop, .drop])
        #expect(drops.allSatisfy { $0.isDestructive })
    }
}
