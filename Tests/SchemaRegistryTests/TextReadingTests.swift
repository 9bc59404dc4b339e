import Foundation
@testable import SchemaCore
import SchemaRegistry
import Testing

/// The count asked before a text column becomes a number or a boolean (issue 20) names the
/// values the database itself cannot read as the new type. The database is the oracle: every
/// string of up to four characters over an alphabet of number and boolean characters, and a list
/// of edge cases, is converted by the database (PostgreSQL's cast, SQLite's column affinity) and
/// the result compared with the condition the count uses. No value the database cannot read may
/// go uncounted; a readable value may be counted only in the conservative classes named in
/// ``conservative(_:_:_:)``.
@Suite(.serialized) struct TextReadingTests {
    static let samples: [String] = {
        let alphabet = [" ", "1", "0", ".", "e", "+", "-", "x"]
        var all = [""]
        var layer = [""]
        for _ in 1...4 {
            layer = layer.flatMap { prefix in alphabet.map { prefix + $0 } }
            all += layer
        }
        return all + [
            "inf", "-Infinity", "+inf", "nan", "NaN", "infinit", "1e400", "1e-400", "1e-320", "1e-330", "1e99999", "0e99999",
            "1e-16384", "1e35", "-1e35", "99999999999999999999999999999999999.4", "1E+34", "2147483647", "2147483648",
            "-2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "1.7976931348623157e308", "1.8e308",
            "t", "tr", "true", " TRUE ", "y", "yes", "on", "o", "of", "off", "f", "false", "n", "no", "No ", "2", "00", "+1",
            "1.0", "0x10", "\t5\n", "1_000", "12abc", "abc", "'", "\\",
        ]
    }()

    /// The types text is read into, with their column type on each database and what "readable"
    /// means there: Prisma Client reads a SQLite `INTEGER` column as a 32-bit `Int`, a `BOOLEAN` as 0 or 1.
    /// (Text copied into a SQLite `BOOLEAN` goes through the rebuild's reading of PostgreSQL's words.)
    static let targets: [(type: FieldType, postgres: String, sqlite: String, sqliteReads: String)] = [
        (.int, "INTEGER", "INTEGER", #"typeof("c") = 'integer' AND "c" BETWEEN -2147483648 AND 2147483647"#),
        (.bigint, "BIGINT", "BIGINT", #"typeof("c") = 'integer'"#),
        (.float, "DOUBLE PRECISION", "REAL", #"typeof("c") IN ('real', 'integer')"#),
        (.decimal, "DECIMAL(65,30)", "DECIMAL", #"typeof("c") IN ('real', 'integer')"#),
        (.boolean, "BOOLEAN", "BOOLEAN", #"typeof("c") = 'integer' AND "c" IN (0, 1)"#),
    ]

    /// Values counted although the database reads them: forms the conditions leave out on purpose.
    static func conservative(_ backend: Backend, _ type: FieldType, _ value: String) -> Bool {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let unsigned = trimmed.hasPrefix("+") || trimmed.hasPrefix("-") ? String(trimmed.dropFirst()) : trimmed
        switch (backend, type) {
        // Hexadecimal (strtod's), and exponents of five digits, which `numeric` cannot be asked about.
        case (.postgres, .float): return unsigned.hasPrefix("0x") || trimmed == "0e99999"
        // `numeric_in` reads the exponent with `strtol`, which skips spaces: "1e 1" is 10.
        case (.postgres, .decimal): return trimmed == "0e99999" || trimmed.contains("e ")
        // SQLite's INTEGER affinity also takes an integral number written with a point or an
        // exponent; the range is compared as REAL, which rounds the last values before 2^63 up.
        case (.sqlite, .int), (.sqlite, .bigint):
            return trimmed.contains(".") || trimmed.contains("e") || (type == .bigint && (Double(trimmed).map { abs($0) >= 9.2233720368547748e18 } ?? false))
        default: return false
        }
    }

    @Test(arguments: Backend.available)
    func theCountNamesExactlyTheValuesTheDatabaseCannotRead(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let dialect: SQLDialect = backend == .sqlite ? .sqlite : .postgresql
        let renderer = MigrationSQLRenderer(dialect: dialect, primaryKeys: [:])
        let values = Self.samples.map { "(\(dialect.literal($0)))" }.joined(separator: ", ")
        try database.withLockedTransaction { connection in
            try connection.execute(#"CREATE TABLE "sample" ("v" TEXT NOT NULL)"#)
            try connection.execute(#"INSERT INTO "sample" ("v") VALUES \#(values)"#)
            if backend == .postgres {
                try connection.execute(#"""
                    CREATE FUNCTION "reads"(v text, t text) RETURNS integer LANGUAGE plpgsql AS $$
                    BEGIN EXECUTE format('SELECT %L::%s', v, t); RETURN 1; EXCEPTION WHEN others THEN RETURN 0; END $$
                    """#)
            }
        }
        var uncounted: [String] = []
        var overcounted: [String] = []
        for target in Self.targets {
            let reading = try #require(TextReading(into: CanonicalField(name: "v", type: target.type, optional: true, primary: false)))
            let counted = "CASE WHEN \(renderer.unreadable(#""v""#, as: reading)) THEN 1 ELSE 0 END"
            let rows = try database.withLockedTransaction { connection in
                if backend == .postgres {
                    return try connection.query(#"SELECT "v" AS "value", "reads"("v", '\#(target.postgres)') AS "reads", \#(counted) AS "counted" FROM "sample""#, [])
                }
                try connection.execute(#"CREATE TABLE "converted" ("v" TEXT NOT NULL, "c" \#(target.sqlite))"#)
                // The table rebuild's copy: PostgreSQL's boolean words become 1 and 0 on the way.
                let copied = target.type == .boolean ? renderer.sqliteTextAsBoolean(#""v""#) : #""v""#
                try connection.execute(#"INSERT INTO "converted" ("v", "c") SELECT "v", \#(copied) FROM "sample""#)
                defer { try? connection.execute(#"DROP TABLE "converted""#) }
                return try connection.query(#"SELECT "v" AS "value", CASE WHEN \#(target.sqliteReads) THEN 1 ELSE 0 END AS "reads", \#(counted) AS "counted" FROM "converted""#, [])
            }
            #expect(rows.count == Self.samples.count)
            for row in rows {
                let value = row["value"]?.text ?? "?"
                let reads = row["reads"]?.integer == 1
                let isCounted = row["counted"]?.integer == 1
                if !reads && !isCounted { uncounted.append("\(target.type.rawValue) \(value.debugDescription)") }
                if reads && isCounted && !Self.conservative(backend, target.type, value) { overcounted.append("\(target.type.rawValue) \(value.debugDescription)") }
            }
        }
        #expect(uncounted.isEmpty, "\(uncounted.count) values the database cannot read, not counted: \(uncounted.prefix(40))")
        #expect(overcounted.isEmpty, "\(overcounted.count) values the database reads, counted: \(overcounted.prefix(40))")
    }

    static let lists = """
        entities:
          - name: Sample
            fields:
              id: { type: string, primary: true }
              ratios: { type: "string[]" }
              flags: { type: "string[]" }
              prices: { type: "string[]" }
        """

    /// Lists of text read element by element as fractions, booleans and decimals (PostgreSQL):
    /// every row holding an element the type cannot read is counted and the change refused,
    /// every column named at once; once fixed, each element is converted by PostgreSQL's cast.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aListOfTextIsReadElementByElement() throws {
        let (database, registry, outcome) = try Registry.applied(try Desired.from(["samples": Self.lists], deploys: .recreate), on: .postgres)
        defer { database.close() }
        #expect(outcome.applied.count == 1)
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Sample" ("id", "ratios", "flags", "prices") VALUES ('a', '{1.5," 2e3 ",NULL}', '{yes,OFF,1}', '{12.50}')"#)
            try connection.execute(#"INSERT INTO "Sample" ("id", "ratios", "flags", "prices") VALUES ('b', '{1,x}', '{maybe}', '{1e40}'), ('c', NULL, '{}', NULL)"#)
        }
        let converted = Self.lists.replacingOccurrences(of: #"ratios: { type: "string[]" }"#, with: #"ratios: { type: "float[]" }"#)
            .replacingOccurrences(of: #"flags: { type: "string[]" }"#, with: #"flags: { type: "boolean[]" }"#)
            .replacingOccurrences(of: #"prices: { type: "string[]" }"#, with: #"prices: { type: "decimal[]" }"#)
        let desired = try Desired.from(["samples": converted], deploys: .recreate)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, context: Desired.recreating)
        let refused = try registry.applyApproved(desired)
        #expect(refused.applied.isEmpty)
        let message = try #require(refused.refused.first?.message)
        for fragment in ["1 row of Sample whose ratios holds an element that is not a number a float holds",
                         "1 row of Sample whose flags holds an element that is not a boolean",
                         "1 row of Sample whose prices holds an element that is not a number a decimal holds"] {
            #expect(message.contains(fragment), "\(message)")
        }
        #expect(try EnumTypeApplyTests.text(#"SELECT "ratios"::text AS "value" FROM "Sample" WHERE "id" = 'b'"#, database) == "{1,x}", "nothing ran")

        try database.withLockedTransaction { try $0.execute(#"UPDATE "Sample" SET "ratios" = '{1}', "flags" = '{no}', "prices" = '{1e3}' WHERE "id" = 'b'"#) }
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, context: Desired.recreating)
        let done = try registry.applyApproved(desired)
        #expect(done.applied.map(\.entity) == ["Sample"], "\(done.refused.map(\.message))")
        let values = try EnumTypeApplyTests.text(
            #"SELECT string_agg("id" || ':' || coalesce("ratios"::text, '-') || ':' || coalesce("flags"::text, '-') || ':' || coalesce("prices"::float8[]::text, '-'), ' ' ORDER BY "id") AS "value" FROM "Sample""#,
            database)
        #expect(values == "a:{1.5,2000,NULL}:{t,f,t}:{12.5} b:{1}:{f}:{1000} c:-:{}:-", "every element read")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }
}
