import Foundation
@testable import SchemaCore
import SchemaRegistry
import Testing

/// Text becoming a `datetime` (issue 20) is counted first, like text becoming a number: the rows
/// whose text is not a date and time read as one instant whatever the server's settings
/// (PostgreSQL: ISO 8601; SQLite: the forms Prisma Client reads from a `DATETIME` column). The
/// oracles: PostgreSQL's own conversion (the statement's `USING` expression, under two session
/// time zones) and, for what is meant to be accepted, a reading of each form written here with
/// Foundation's calendar, independent of the SQL conditions.
@Suite(.serialized) struct TextDateTimeReadingTests {
    static let samples: [String] = {
        let years = ["0000", "0001", "1900", "2000", "2023", "2024", "9999"]
        let months = ["00", "01", "02", "04", "12", "13"]
        let days = ["00", "01", "28", "29", "30", "31", "32"]
        let times = ["", "T10:00", " 10:00", "T10:00:00", " 10:00:00", "T23:59:59", "T24:00:00", "T10:60:00", "T10:00:60", "T10:00:00.123",
                     "T10:00:00.123456", "T10:00:00.1234567", "T10:00:00.123456789", "T10:00:00.1234567890", "t10:00:00", " 10:00:00.5"]
        let zones = ["", "Z", "z", "+05:30", "-0800", "+05", "+14:00", "+15:00", "-16:00", "+05:60"]
        var all: [String] = []
        for year in years { for month in months { for day in days { for time in times { for zone in zones {
            all.append("\(year)-\(month)-\(day)\(time)\(zone)")
        } } } } }
        return all + ["now", "today", "tomorrow", "epoch", "infinity", "-infinity", "Jan 5 2026", "01/02/2026", "2026-1-5", "20260105",
                      " 2026-12-06", "2026-12-06 ", "", "abc", "1700000000000", "2026-W49", "2026-340", "J2451187", "2026-12-06T10:00:00.000Z",
                      "2026-12-06T10:00:00+05:30", "2026-12-06T10:00:00 +05:30", "2026-12-06T10:00:00+0530x", "Sun, 06 Dec 2026 10:00:00 +0000"]
    }()

    /// The forms each database is meant to accept, read with Foundation: a date the Gregorian
    /// calendar has (years 1 to 9999), times in range without leap seconds, offsets up to 14 hours.
    /// PostgreSQL: `YYYY-MM-DD`, optionally `T` or a space and `HH:MM`, `:SS`, a fraction of 1 to 6
    /// digits, then `Z` or `+HH`, `+HHMM`, `+HH:MM` (a zone only after a time). SQLite, as Prisma
    /// reads it: RFC 3339 (`T`, seconds, a fraction of up to 9 digits, `Z` or `+HH:MM`) or
    /// `YYYY-MM-DD HH:MM:SS`.
    static func accepted(_ value: String, postgres: Bool) -> Bool {
        let characters = Array(value)
        func number(_ start: Int, _ length: Int) -> Int? {
            guard start + length <= characters.count else { return nil }
            let part = characters[start..<(start + length)]
            return part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) ? Int(String(part)) : nil
        }
        guard characters.count >= 10, let year = number(0, 4), characters[4] == "-", let month = number(5, 2), characters[7] == "-", let day = number(8, 2),
              year >= 1, (1...12).contains(month), day >= 1,
              let first = Calendar(identifier: .gregorian).date(from: DateComponents(year: year, month: month, day: 1)),
              let length = Calendar(identifier: .gregorian).range(of: .day, in: .month, for: first)?.count, day <= length
        else { return false }
        var rest = characters.dropFirst(10)
        if rest.isEmpty { return postgres }
        guard rest.first == "T" || (rest.first == " "), rest.count >= 6, let hour = number(11, 2), characters[13] == ":", let minute = number(14, 2),
              hour < 24, minute < 60 else { return false }
        let spaced = rest.first == " "
        rest = rest.dropFirst(6)
        var hasSeconds = false, fractionDigits = 0
        if rest.first == ":" {
            guard let second = number(17, 2), second < 60 else { return false }
            hasSeconds = true
            rest = rest.dropFirst(3)
            if rest.first == "." {
                rest = rest.dropFirst()
                while let next = rest.first, next.isASCII, next.isNumber { fractionDigits += 1; rest = rest.dropFirst() }
                guard fractionDigits >= 1 else { return false }
            }
        }
        let zone = String(rest)
        func offset(_ text: String, colon: Bool?) -> Bool {
            let parts = Array(text)
            guard let sign = parts.first, sign == "+" || sign == "-" else { return false }
            let digits = parts.dropFirst().filter { $0 != ":" }
            let colons = parts.dropFirst().filter { $0 == ":" }.count
            guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let hours = Int(String(digits.prefix(2))), hours <= 14 else { return false }
            switch (digits.count, colons, colon) {
            case (2, 0, nil): return true
            case (4, 0, nil): return Int(String(digits.suffix(2)))! < 60
            case (4, 1, _): return parts[3] == ":" && Int(String(digits.suffix(2)))! < 60
            default: return false
            }
        }
        if postgres {
            guard fractionDigits <= 6 else { return false }
            return zone.isEmpty || zone == "Z" || offset(zone, colon: nil)
        }
        if spaced { return hasSeconds && fractionDigits == 0 && zone.isEmpty }
        return hasSeconds && fractionDigits <= 9 && (zone == "Z" || offset(zone, colon: true))
    }

    /// The statement's `USING` expression for a text column `v` becoming a `datetime`.
    static func conversion() throws -> String {
        let renderer = MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:])
        let statements = renderer.postgresChangeType(table: "t", from: CanonicalField(name: "v", type: .string, optional: true, primary: false),
                                                     to: CanonicalField(name: "v", type: .datetime, optional: true, primary: false))
        let sql = try #require(statements.last?.sql)
        return String(try #require(sql.range(of: " USING ").map { sql[$0.upperBound...] }))
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func postgresCountsExactlyWhatIsNotAnISODateAndReadsTheRestAsOneInstant() throws {
        let (database, _) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        let renderer = MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:])
        let counted = "CASE WHEN \(renderer.unreadable(#""v""#, as: .dateTime)) THEN 1 ELSE 0 END"
        let conversion = try Self.conversion()
        try database.withLockedTransaction { connection in
            try connection.execute(#"CREATE TABLE "sample" ("v" TEXT NOT NULL)"#)
            try connection.execute(#"INSERT INTO "sample" ("v") VALUES "# + Self.samples.map { "(\(SQLDialect.postgresql.literal($0)))" }.joined(separator: ", "))
            // What the statement makes of one value, or NULL when it fails on it.
            try connection.execute(#"""
                CREATE FUNCTION "converted"("v" text) RETURNS text LANGUAGE plpgsql AS $$
                BEGIN RETURN (\#(conversion))::timestamp(3)::text; EXCEPTION WHEN others THEN RETURN NULL; END $$
                """#)
        }
        func read(timeZone: String) throws -> [String: (converted: String?, counted: Bool)] {
            let rows = try database.withLockedTransaction { connection in
                try connection.execute("SET LOCAL TIME ZONE '\(timeZone)'")
                return try connection.query(#"SELECT "v" AS "value", "converted"("v") AS "converted", \#(counted) AS "counted" FROM "sample""#, [])
            }
            return Dictionary(rows.map { ($0["value"]?.text ?? "?", ($0["converted"]?.text, $0["counted"]?.integer == 1)) }, uniquingKeysWith: { first, _ in first })
        }
        let utc = try read(timeZone: "UTC"), kathmandu = try read(timeZone: "Asia/Kathmandu")
        #expect(utc.count == Set(Self.samples).count)
        var uncounted: [String] = [], mismatched: [String] = [], moved: [String] = []
        for (value, reading) in utc {
            if reading.converted == nil && !reading.counted { uncounted.append(value) }
            if reading.counted == Self.accepted(value, postgres: true) { mismatched.append(value) }
            if !reading.counted && kathmandu[value]?.converted != reading.converted { moved.append(value) }
        }
        #expect(uncounted.isEmpty, "\(uncounted.count) values PostgreSQL cannot read, not counted: \(uncounted.prefix(20))")
        #expect(mismatched.isEmpty, "\(mismatched.count) values counted though accepted, or accepted though not: \(mismatched.sorted().prefix(30))")
        #expect(moved.isEmpty, "\(moved.count) accepted values read as another instant under another session time zone: \(moved.prefix(20))")
        // The offset moves the instant to UTC (the plain cast would drop it); `Z` and no zone are UTC.
        let expected = ["2026-12-06T10:00:00+05:30": "2026-12-06 04:30:00", "2026-12-06 10:00:00-0800": "2026-12-06 18:00:00",
                        "2026-12-06T10:00:00.000Z": "2026-12-06 10:00:00", "2024-02-29 23:59:59.123456": "2024-02-29 23:59:59.123",
                        "2026-12-06T10:00-03": "2026-12-06 13:00:00", "2026-12-06": "2026-12-06 00:00:00"]
        let probes = try database.withLockedTransaction { connection in
            try expected.keys.map { value in
                let literal = SQLDialect.postgresql.literal(value) + "::text"
                return (value, try connection.query(#"SELECT "converted"(\#(literal)) AS "c", \#(counted.replacingOccurrences(of: #""v""#, with: literal)) AS "n""#, []).first)
            }
        }
        for (value, row) in probes {
            #expect(row?["c"]?.text == expected[value] && row?["n"]?.integer == 0, "\(value) became \(String(describing: row?["c"]?.text))")
        }
        print("text to datetime (PostgreSQL): \(utc.count) strings, \(utc.values.filter(\.counted).count) counted, \(utc.values.filter { $0.converted == nil }.count) unreadable by the cast")
    }

    /// SQLite keeps the text in the `DATETIME` column; what is not counted is what Prisma Client
    /// reads there (its documented forms), stays text (not made a number by the column's
    /// affinity, which Prisma would read as milliseconds) and is a time SQLite's own functions read.
    @Test func sqliteCountsWhatPrismaCannotReadFromADateTimeColumn() throws {
        let (database, _) = try Backend.sqlite.makeDatabase()
        defer { database.close() }
        let renderer = MigrationSQLRenderer(dialect: .sqlite, primaryKeys: [:])
        let counted = "CASE WHEN \(renderer.unreadable(#""v""#, as: .dateTime)) THEN 1 ELSE 0 END"
        let rows = try database.withLockedTransaction { connection in
            try connection.execute(#"CREATE TABLE "sample" ("v" TEXT NOT NULL, "c" DATETIME)"#)
            try connection.execute(#"INSERT INTO "sample" ("v", "c") VALUES "# + Self.samples.map { "(\(SQLDialect.sqlite.literal($0)), \(SQLDialect.sqlite.literal($0)))" }.joined(separator: ", "))
            return try connection.query(#"SELECT "v" AS "value", \#(counted) AS "counted", typeof("c") = 'text' AND julianday("c") IS NOT NULL AS "reads" FROM "sample""#, [])
        }
        #expect(rows.count == Self.samples.count)
        var mismatched: [String] = [], unreadable: [String] = []
        for row in rows {
            let value = row["value"]?.text ?? "?", isCounted = row["counted"]?.integer == 1
            if isCounted == Self.accepted(value, postgres: false) { mismatched.append(value) }
            if !isCounted && row["reads"]?.integer != 1 { unreadable.append(value) }
        }
        #expect(mismatched.isEmpty, "\(mismatched.count) values counted though Prisma reads them, or not though it cannot: \(mismatched.sorted().prefix(30))")
        #expect(unreadable.isEmpty, "\(unreadable.count) uncounted values the column does not keep as a time: \(unreadable.prefix(20))")
        #expect(rows.filter { $0["counted"]?.integer == 0 }.count > 1_000, "the accepted forms are accepted")
    }

    static let events = """
        entities:
          - name: Event
            fields:
              id: { type: string, primary: true }
              at: { type: string, nullable: true }
        """

    /// The whole change on each database: refused with the rows a start could not read (each key
    /// named, nothing run), then applied once they are fixed. PostgreSQL keeps the instant an
    /// offset names, as UTC; SQLite keeps the text, which Prisma Client reads.
    @Test(arguments: Backend.available)
    func textBecomesADateTimeOnlyWhenEveryRowIsOne(_ backend: Backend) throws {
        let (database, registry, outcome) = try Registry.applied(try Desired.from(["events": Self.events], deploys: .recreate), on: backend)
        defer { database.close() }
        #expect(outcome.applied.count == 1)
        try database.withLockedTransaction { connection in
            try connection.execute(#"""
                INSERT INTO "Event" ("id", "at") VALUES ('e1', '2026-12-06T10:00:00.000Z'), ('e2', '2026-12-06T10:00:00+05:30'), ('e3', '2026-12-06 10:00:00'),
                ('e4', 'yesterday'), ('e5', '2026-02-29 10:00:00'), ('e6', NULL)
                """#)
        }
        let desired = try Desired.from(["events": Self.events.replacingOccurrences(of: "at: { type: string,", with: "at: { type: datetime,")], deploys: .recreate)
        #expect(try registry.scan(desired, principal: "ci").queued.map(\.entity) == ["Event"])
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, context: Desired.recreating)
        let refused = try registry.applyApproved(desired)
        #expect(refused.applied.isEmpty && refused.refused.map(\.code) == [.dataViolation])
        let message = refused.refused.first?.message ?? ""
        let what = backend == .postgres ? "is not an ISO 8601 date and time of a real day" : "is not a date and time Prisma Client reads on SQLite"
        #expect(message.contains("2 rows of Event whose at \(what)") && message.contains("e4; e5"), "\(message)")

        try database.withLockedTransaction { try $0.execute(#"UPDATE "Event" SET "at" = '2026-02-28 10:00:00' WHERE "id" IN ('e4', 'e5')"#) }
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, context: Desired.recreating)
        let done = try registry.applyApproved(desired)
        #expect(done.applied.map(\.entity) == ["Event"], "\(done.refused.map(\.message))")
        let pairs = #"SELECT "id" || '=' || coalesce(CAST("at" AS TEXT), '-') AS "pair" FROM "Event" ORDER BY "id""#
        let stored = try EnumTypeApplyTests.text(backend == .postgres ? #"SELECT string_agg("pair", ' ') AS "value" FROM (\#(pairs)) AS "p""#
                                                    : #"SELECT group_concat("pair", ' ') AS "value" FROM (\#(pairs))"#, database)
        if backend == .postgres {
            #expect(stored == "e1=2026-12-06 10:00:00 e2=2026-12-06 04:30:00 e3=2026-12-06 10:00:00 e4=2026-02-28 10:00:00 e5=2026-02-28 10:00:00 e6=-", "\(stored ?? "-")")
        } else {
            #expect(stored == "e1=2026-12-06T10:00:00.000Z e2=2026-12-06T10:00:00+05:30 e3=2026-12-06 10:00:00 e4=2026-02-28 10:00:00 e5=2026-02-28 10:00:00 e6=-", "\(stored ?? "-")")
        }
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// A list of text read as dates (PostgreSQL): each element must be an ISO 8601 date; one with
    /// an offset becomes that instant in UTC, as a single value does, whatever the session's time
    /// zone, and the session's time zone is left as it was.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aListOfTextIsReadAsDatesInUTC() throws {
        let yaml = """
            entities:
              - name: Trip
                fields:
                  id: { type: string, primary: true }
                  stops: { type: "string[]" }
            """
        let (database, registry, outcome) = try Registry.applied(try Desired.from(["trips": yaml], deploys: .recreate), on: .postgres)
        defer { database.close() }
        #expect(outcome.applied.count == 1)
        try database.withLockedTransaction { connection in
            // The session's own time zone, which the conversion must neither depend on nor change.
            try connection.execute("SET TimeZone = 'Asia/Kathmandu'")
            try connection.execute(#"""
                INSERT INTO "Trip" ("id", "stops") VALUES ('a', '{2026-12-06T10:00:00Z,2026-12-07,"2026-12-08 10:00:00+00:00"}'), ('b', '{2026-12-06,yesterday}'),
                ('c', '{2026-12-06T10:00:00+05:30,2026-12-06T10:00:00-0800,"2026-12-06 10:00:00",NULL}'), ('e', '{}'), ('n', NULL)
                """#)
        }
        let desired = try Desired.from(["trips": yaml.replacingOccurrences(of: #"stops: { type: "string[]""#, with: #"stops: { type: "datetime[]""#)], deploys: .recreate)
        #expect(MigrationPlanner.unplannableChanges(desired: desired.entities, applied: try registry.appliedEntities()).isEmpty)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, context: Desired.recreating)
        let refused = try registry.applyApproved(desired)
        #expect(refused.applied.isEmpty)
        let message = refused.refused.first?.message ?? ""
        #expect(message.contains("1 row of Trip whose stops holds an element that is not an ISO 8601 date") && message.contains("(for example b)"), "\(message)")
        #expect(!message.contains("(for example c)"), "\(message)")
        // The conversion's own statements, in a transaction rolled back: the session's time zone
        // is back to its value before the transaction ends (later statements of a start read it).
        let renderer = MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:])
        let conversion = renderer.postgresChangeType(table: "Trip", from: CanonicalField(name: "stops", type: .string, optional: true, list: true),
                                                     to: CanonicalField(name: "stops", type: .datetime, optional: true, list: true))
        #expect(conversion.count > 1)
        struct RolledBack: Error {}
        var timeZoneAfter: String?
        #expect(throws: RolledBack.self) {
            try database.withLockedTransaction { connection in
                for statement in conversion { try connection.execute(statement.sql) }
                timeZoneAfter = try connection.query("SELECT current_setting('TimeZone') AS \"value\"", []).first?["value"]?.text
                throw RolledBack()
            }
        }
        #expect(timeZoneAfter == "Asia/Kathmandu")

        try database.withLockedTransaction { connection in
            try connection.execute(#"UPDATE "Trip" SET "stops" = '{2026-12-06,2026-12-05}' WHERE "id" = 'b'"#)
        }
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, context: Desired.recreating)
        let done = try registry.applyApproved(desired)
        #expect(done.applied.map(\.entity) == ["Trip"], "\(done.refused.map(\.message))")
        let stored = try EnumTypeApplyTests.text(#"SELECT string_agg("id" || '=' || coalesce("stops"::text, '-'), ' ' ORDER BY "id") AS "value" FROM "Trip""#, database)
        #expect(stored == #"a={"2026-12-06 10:00:00","2026-12-07 00:00:00","2026-12-08 10:00:00"} b={"2026-12-06 00:00:00","2026-12-05 00:00:00"} "#
                    + #"c={"2026-12-06 04:30:00","2026-12-06 18:00:00","2026-12-06 10:00:00",NULL} e={} n=-"#, "\(stored ?? "-")")
        #expect(try EnumTypeApplyTests.text("SELECT current_setting('TimeZone') AS \"value\"", database) == "Asia/Kathmandu")
        let drift = try registry.drift(host: Desired.host)
        #expect(!drift.hasDrift, "\(drift.drifted.map(\.differences))")
    }
}
