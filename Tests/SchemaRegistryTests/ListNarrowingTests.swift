import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// A list's elements narrowed on PostgreSQL (issue 20: `float[]` to `int[]`, `bigint[]` to
/// `int[]`): each element is checked as a single value would be. Rows holding an element the new
/// type would round or cannot hold are counted and the change refused, all of them named at once;
/// a row written after the count makes the change fail instead of being rounded; once the rows are
/// fixed every value is kept and the table is the one Prisma Migrate makes for the new model.
@Suite(.serialized) struct ListNarrowingTests {
    static let v1 = """
        entities:
          - name: Reading
            fields:
              id: { type: string, primary: true }
              weights: { type: "float[]" }
              counts: { type: "bigint[]" }
              amounts: { type: "decimal[]" }
              codes: { type: "string[]" }
        """
    static let v2 = """
        entities:
          - name: Reading
            fields:
              id: { type: string, primary: true }
              weights: { type: "int[]" }
              counts: { type: "int[]" }
              amounts: { type: "bigint[]" }
              codes: { type: "int[]" }
        """

    /// What `prisma migrate dev` writes for the second model, by hand.
    static let prismaMigrateSQL = """
        CREATE TABLE "Reading" (
            "id" TEXT NOT NULL,
            "weights" INTEGER[],
            "counts" INTEGER[],
            "amounts" BIGINT[],
            "codes" INTEGER[],

            CONSTRAINT "Reading_pkey" PRIMARY KEY ("id")
        )
        """

    @Test func narrowedElementsArePlannedAndTextParsedElementByElementIsNot() throws {
        let before = try #require(try Desired.from(["readings": Self.v1]).entities.first)
        let applied = [AppliedEntity(structure: before.structure, checksum: before.checksum, packages: ["readings"])]
        func messages(_ yaml: String) throws -> [String] {
            try MigrationPlanner.unplannableChanges(desired: Desired.from(["readings": yaml]).entities, applied: applied)
        }
        #expect(try messages(Self.v2).isEmpty)
        #expect(try messages(Self.v1.replacingOccurrences(of: #"counts: { type: "bigint[]" }"#, with: #"counts: { type: "float[]" }"#)).isEmpty)
        #expect(try messages(Self.v1.replacingOccurrences(of: #"counts: { type: "bigint[]" }"#, with: #"counts: { type: "decimal[]" }"#)).isEmpty)
        let parsed = try messages(Self.v1.replacingOccurrences(of: #"weights: { type: "float[]" }"#, with: #"weights: { type: "string[]" }"#)
            .replacingOccurrences(of: #"counts: { type: "bigint[]" }"#, with: #"counts: { type: "string[]" }"#))
        #expect(parsed.isEmpty, "anything becomes text: \(parsed)")
        let fractions = try messages(Self.v1.replacingOccurrences(of: #"codes: { type: "string[]" }"#, with: #"codes: { type: "float[]" }"#))
        #expect(fractions.isEmpty, "text read as fractions, element by element, is counted first: \(fractions)")
        let dates = try messages(Self.v1.replacingOccurrences(of: #"codes: { type: "string[]" }"#, with: #"codes: { type: "datetime[]" }"#))
        #expect(dates.isEmpty, "text read as dates, element by element, is counted first: \(dates)")
        let bytes = try messages(Self.v1.replacingOccurrences(of: #"codes: { type: "string[]" }"#, with: #"codes: { type: "bytes[]" }"#))
        #expect(bytes.contains { $0.contains("Reading.codes: this change of a list's element type cannot be planned") }, "\(bytes)")
        let floatToDecimal = try messages(Self.v1.replacingOccurrences(of: #"weights: { type: "float[]" }"#, with: #"weights: { type: "decimal[]" }"#))
        #expect(floatToDecimal.contains { $0.contains("Reading.weights: this change of a list's element type cannot be planned") }, "\(floatToDecimal)")

        let after = try #require(try Desired.from(["readings": Self.v2]).entities.first)
        let change = DerivedChange(from: before.structure, to: after.structure, renderer: MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:]))
        let weights = change.statements.map(\.sql).filter { $0.contains("weights") }
        #expect(weights == [
            #"ALTER TABLE "Reading" ADD CONSTRAINT "Reading_weights_fits" CHECK ("weights"::INTEGER[]::DOUBLE PRECISION[] = "weights")"#,
            #"ALTER TABLE "Reading" DROP CONSTRAINT "Reading_weights_fits""#,
            #"ALTER TABLE "Reading" ALTER COLUMN "weights" SET DATA TYPE INTEGER[] USING "weights"::INTEGER[]"#,
        ], "\(weights)")
        let counted = change.checks.filter { $0.table == "Reading" && $0.countSQL.contains(#""counts""#) }.map(\.countSQL)
        #expect(counted == [
            #"SELECT COUNT(*) AS "count" FROM "Reading" WHERE EXISTS (SELECT 1 FROM unnest("counts") AS "element" WHERE "element" <> trunc("element") OR abs("element") > 2147483647)"#,
        ], "\(counted)")
        #expect(change.risks.contains { $0.code == "MF109" && $0.message.contains("Reading.weights") })
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func everyElementIsCountedGuardedAndKept() throws {
        let (database, registry, outcome) = try Registry.applied(try Desired.from(["readings": Self.v1], deploys: .recreate), on: .postgres)
        defer { database.close() }
        #expect(outcome.applied.count == 1)
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Reading" ("id", "weights", "counts", "amounts") VALUES ('a', '{1,2}', '{5,-7}', '{3.00,NULL}'), ('c', NULL, '{}', NULL)"#)
            try connection.execute(#"UPDATE "Reading" SET "codes" = '{" 7",-3,NULL}' WHERE "id" = 'a'"#)
            try connection.execute(#"INSERT INTO "Reading" ("id", "weights", "counts", "amounts", "codes") VALUES ('b', '{1,1.5}', '{3000000000}', '{0.5}', '{1,x}')"#)
        }
        let desired = try Desired.from(["readings": Self.v2], deploys: .recreate)
        _ = try registry.scan(desired, principal: "ci")
        // decimal to bigint reinterprets values as a single value's change does (DS104): acknowledged.
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, context: Desired.recreating)
        let refused = try registry.applyApproved(desired)
        #expect(refused.applied.isEmpty)
        let message = try #require(refused.refused.first?.message)
        for column in ["weights", "counts", "amounts"] {
            #expect(message.contains("1 row of Reading whose \(column) holds an element that is not a whole number in range"), "\(column): \(message)")
        }
        #expect(message.contains("1 row of Reading whose codes holds an element that is not a whole number from -2147483648 to 2147483647"), "\(message)")
        #expect(try EnumTypeApplyTests.text(#"SELECT "weights"::text AS "value" FROM "Reading" WHERE "id" = 'b'"#, database) == "{1,1.5}", "nothing ran")

        try database.withLockedTransaction { try $0.execute(#"UPDATE "Reading" SET "weights" = '{1,2}', "counts" = '{3}', "amounts" = '{1}', "codes" = '{8}' WHERE "id" = 'b'"#) }
        _ = try registry.scan(desired, principal: "ci")
        // A row written after the count: the change fails rather than rounding it.
        let item = try #require(try registry.items(in: [.pending]).first)
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Reading" ("id", "weights") VALUES ('late', '{2.5}')"#) }
        let failure = errorCode {
            try database.withLockedTransaction { connection in
                for statement in item.statements where statement.stage == .transaction && statement.phase != .rowLevelSecurity {
                    try connection.execute(statement.sql)
                }
            }
        }
        #expect(failure == .database, "the change ran over an element it cannot keep")
        try database.withLockedTransaction { try $0.execute(#"DELETE FROM "Reading" WHERE "id" = 'late'"#) }

        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, context: Desired.recreating)
        let done = try registry.applyApproved(desired)
        #expect(done.applied.map(\.entity) == ["Reading"], "\(done.refused.map(\.message))")
        let values = try EnumTypeApplyTests.text(
            #"SELECT string_agg("id" || ':' || coalesce("weights"::text, '-') || ':' || coalesce("counts"::text, '-') || ':' || coalesce("amounts"::text, '-') || ':' || coalesce("codes"::text, '-'), ' ' ORDER BY "id") AS "value" FROM "Reading""#,
            database)
        #expect(values == "a:{1,2}:{5,-7}:{3,NULL}:{7,-3,NULL} b:{1,2}:{3}:{1}:{8} c:-:{}:-:-", "every element kept")

        let (oracle, _) = try Backend.postgres.makeDatabase()
        defer { oracle.close() }
        try oracle.withLockedTransaction { try $0.execute(Self.prismaMigrateSQL) }
        let ours = try Introspection.describe(database), prisma = try Introspection.describe(oracle)
        #expect(Set(ours).subtracting(prisma).sorted() == [], "ours, not Prisma's")
        #expect(Set(prisma).subtracting(ours).sorted() == [], "Prisma's, not ours")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }
}
