import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Every change class that could alter stored values, on both databases: a violating value is
/// stored, the change is approved and applied, and the value is either intact or the apply
/// refused the change with a message naming the table, the column and the number of rows.
@Suite(.serialized) struct NarrowingChangeTests {
    static let before = """
        entities:
          - name: Owner
            fields:
              id: { type: string, primary: true }
          - name: Customer
            fields:
              id: { type: string, primary: true }
              name: { type: string, nullable: true }
              big: { type: bigint, nullable: true }
              ratio: { type: float, nullable: true }
              score: { type: int, nullable: true }
              tier: { type: string, enum: [gold, silver, bronze], nullable: true }
              ownerId: { type: string, nullable: true }
        """

    /// What a change must do with the violating value on one database.
    enum Expected: Sendable {
        /// Refused before anything ran, with a message containing these fragments.
        case refused([String])
        /// Applied, with the value intact.
        case applied
        /// A statement failed and everything rolled back (a destructive cast the admin acknowledged).
        case statementFailed
    }

    struct Case: Sendable, CustomStringConvertible {
        var description: String
        /// (old line, new line) replacements in ``before``.
        var edit: (String, String)
        /// Rows inserted before the change (the violating values).
        var seed: String
        /// A query returning the violating value as text in `"value"`, and what it must stay.
        var probe: String
        var value: String
        var sqlite: Expected
        var postgres: Expected
        var allowDataLoss = false

        func expected(_ backend: Backend) -> Expected { backend == .sqlite ? sqlite : postgres }
    }

    static let long = String(repeating: "x", count: 150)

    static let cases: [Case] = [
        Case(description: "tighten maxLength",
             edit: ("      name: { type: string, nullable: true }", "      name: { type: string, nullable: true, maxLength: 100 }"),
             seed: #"INSERT INTO "Customer" ("id", "name") VALUES ('c1', '\#(long)'), ('c2', '\#(long)'), ('c3', '\#(long)'), ('c4', 'short')"#,
             probe: #"SELECT COUNT(*) AS "value" FROM "Customer" WHERE "name" = '\#(long)'"#, value: "3",
             sqlite: .refused(["3 rows of Customer whose name breaks the new constraint"]),
             postgres: .refused(["3 rows of Customer whose name is longer than 100 characters", "c1; c2; c3"])),
        // An explicit cast to CHAR(n), BIT(n) or VARBIT(n) cuts or pads without an error, and one to
        // UUID fails on text that is none: counted first. SQLite keeps its TEXT column and the value.
        Case(description: "text to Char(2)",
             edit: ("      name: { type: string, nullable: true }", "      name: { type: string, nullable: true, db: Char(2) }"),
             seed: #"INSERT INTO "Customer" ("id", "name") VALUES ('c1', 'NLD'), ('c2', 'NL'), ('c3', NULL)"#,
             probe: #"SELECT "name" AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "NLD",
             sqlite: .applied, postgres: .refused(["1 row of Customer whose name is longer than 2 characters", "c1"]), allowDataLoss: true),
        Case(description: "text to Bit(3)",
             edit: ("      name: { type: string, nullable: true }", "      name: { type: string, nullable: true, db: Bit(3) }"),
             seed: #"INSERT INTO "Customer" ("id", "name") VALUES ('c1', '1011'), ('c2', '101'), ('c3', '1a1'), ('c4', '10')"#,
             probe: #"SELECT "name" AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "1011",
             sqlite: .applied, postgres: .refused(["3 rows of Customer whose name is not binary digits that Bit(3) holds", "c1; c3; c4"]), allowDataLoss: true),
        Case(description: "text to Uuid",
             edit: ("      name: { type: string, nullable: true }", "      name: { type: string, nullable: true, db: Uuid }"),
             seed: #"INSERT INTO "Customer" ("id", "name") VALUES ('c1', 'not-a-uuid'), ('c2', '6f1c2a4e-8b7d-4e1f-9a3b-2c5d7e9f0a1b')"#,
             probe: #"SELECT "name" AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "not-a-uuid",
             sqlite: .applied, postgres: .refused(["1 row of Customer whose name is not a UUID", "c1"]), allowDataLoss: true),
        // Every spelling PostgreSQL reads as a UUID converts.
        Case(description: "text to Uuid, every value one",
             edit: ("      name: { type: string, nullable: true }", "      name: { type: string, nullable: true, db: Uuid }"),
             seed: #"INSERT INTO "Customer" ("id", "name") VALUES ('c1', '6f1c2a4e-8b7d-4e1f-9a3b-2c5d7e9f0a1b'), ('c2', '{6F1C2A4E8B7D4E1F9A3B2C5D7E9F0A1B}'), ('c3', '6f1c-2a4e-8b7d-4e1f-9a3b-2c5d-7e9f-0a1b'), ('c4', NULL)"#,
             probe: #"SELECT COUNT(*) AS "value" FROM "Customer" WHERE "name" IS NOT NULL"#, value: "3",
             sqlite: .applied, postgres: .applied, allowDataLoss: true),
        Case(description: "bigint to float beyond 2^53",
             edit: ("      big: { type: bigint, nullable: true }", "      big: { type: float, nullable: true }"),
             seed: #"INSERT INTO "Customer" ("id", "big") VALUES ('c1', 9007199254740993)"#,
             probe: #"SELECT CAST("big" AS TEXT) AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "9007199254740993",
             sqlite: .refused(["1 row of Customer whose big is beyond 2^53"]),
             postgres: .refused(["1 row of Customer whose big is beyond 2^53"])),
        Case(description: "float to int with a fraction",
             edit: ("      ratio: { type: float, nullable: true }", "      ratio: { type: int, nullable: true }"),
             seed: #"INSERT INTO "Customer" ("id", "ratio") VALUES ('c1', 1.5)"#,
             probe: #"SELECT CAST("ratio" AS TEXT) AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "1.5",
             // SQLite's INTEGER affinity keeps a REAL it cannot convert exactly.
             sqlite: .applied,
             postgres: .refused(["1 row of Customer whose ratio is not a whole number in range"])),
        Case(description: "bigint to int out of range",
             edit: ("      big: { type: bigint, nullable: true }", "      big: { type: int, nullable: true }"),
             seed: #"INSERT INTO "Customer" ("id", "big") VALUES ('c1', 3000000000)"#,
             probe: #"SELECT CAST("big" AS TEXT) AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "3000000000",
             sqlite: .applied,
             postgres: .refused(["1 row of Customer whose big is not a whole number in range"])),
        Case(description: "nullable to required without a default",
             edit: ("      name: { type: string, nullable: true }", "      name: { type: string }"),
             seed: #"INSERT INTO "Customer" ("id", "name") VALUES ('c1', NULL), ('c2', NULL), ('c3', 'Ada')"#,
             probe: #"SELECT COUNT(*) AS "value" FROM "Customer" WHERE "name" IS NULL"#, value: "2",
             sqlite: .refused(["2 rows of Customer whose name is NULL"]),
             postgres: .refused(["2 rows of Customer whose name is NULL"])),
        Case(description: "a new minimum",
             edit: ("      score: { type: int, nullable: true }", "      score: { type: int, nullable: true, min: 0 }"),
             seed: #"INSERT INTO "Customer" ("id", "score") VALUES ('c1', -5)"#,
             probe: #"SELECT CAST("score" AS TEXT) AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "-5",
             sqlite: .refused(["1 row of Customer whose score breaks the new constraint"]),
             postgres: .refused(["1 row of Customer whose score breaks the new constraint"])),
        Case(description: "a narrower enum",
             edit: ("      tier: { type: string, enum: [gold, silver, bronze], nullable: true }", "      tier: { type: string, enum: [gold, silver], nullable: true }"),
             seed: #"INSERT INTO "Customer" ("id", "tier") VALUES ('c1', 'bronze')"#,
             probe: #"SELECT "tier" AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "bronze",
             sqlite: .refused(["1 row of Customer whose tier breaks the new constraint"]),
             postgres: .refused(["1 row of Customer whose tier breaks the new constraint"])),
        Case(description: "a new unique index",
             edit: ("      ownerId: { type: string, nullable: true }", "      ownerId: { type: string, nullable: true }\n    indexes:\n      - fields: [name]\n        unique: true"),
             seed: #"INSERT INTO "Customer" ("id", "name") VALUES ('c1', 'Ada'), ('c2', 'Ada'), ('c3', 'Bob'), ('c4', 'Bob')"#,
             probe: #"SELECT COUNT(*) AS "value" FROM "Customer""#, value: "4",
             sqlite: .refused(["2 groups of rows of Customer with the same (name)", "Ada; Bob"]),
             postgres: .refused(["2 groups of rows of Customer with the same (name)", "Ada; Bob"])),
        Case(description: "a new foreign key",
             edit: ("      ownerId: { type: string, nullable: true }",
                    "      ownerId: { type: string, nullable: true }\n    relations:\n      - { name: owner, type: belongsTo, entity: Owner, field: ownerId }"),
             seed: #"INSERT INTO "Customer" ("id", "ownerId") VALUES ('c1', 'ghost')"#,
             probe: #"SELECT "ownerId" AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "ghost",
             sqlite: .refused(["1 row of Customer whose ownerId matches no Owner"]),
             postgres: .refused(["1 row of Customer whose ownerId matches no Owner"])),
        // Text becoming a bounded number meets the bound as that number (text compared with a
        // number is an error on PostgreSQL and a comparison of texts on SQLite, where '10' < '8').
        Case(description: "text to int with a minimum",
             edit: ("      name: { type: string, nullable: true }", "      name: { type: int, nullable: true, min: 8 }"),
             seed: #"INSERT INTO "Customer" ("id", "name") VALUES ('c1', '7'), ('c2', '10'), ('c3', NULL), ('c4', 'abc')"#,
             probe: #"SELECT CAST("name" AS TEXT) AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "7",
             sqlite: .refused(["1 row of Customer whose name breaks the new constraint", "c1", "1 row of Customer whose name is not a whole number", "c4"]),
             postgres: .refused(["1 row of Customer whose name breaks the new constraint", "c1", "1 row of Customer whose name is not a whole number", "c4"]),
             allowDataLoss: true),
        // Text that is no whole number in range would fail PostgreSQL's cast (and the start with
        // it) and stay text in SQLite's INTEGER column, where Prisma Client cannot read it.
        Case(description: "text to int, acknowledged as destructive",
             edit: ("      name: { type: string, nullable: true }", "      name: { type: int, nullable: true }"),
             seed: #"INSERT INTO "Customer" ("id", "name") VALUES ('c1', 'abc'), ('c2', ' 42 '), ('c3', '-7'), ('c4', NULL), ('c5', '99999999999'), ('c6', '+'), ('c7', '')"#,
             probe: #"SELECT CAST("name" AS TEXT) AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "abc",
             sqlite: .refused(["4 rows of Customer whose name is not a whole number from -2147483648 to 2147483647", "c1; c5; c6"]),
             postgres: .refused(["4 rows of Customer whose name is not a whole number from -2147483648 to 2147483647", "c1; c5; c6"]),
             allowDataLoss: true),
        // Text read as a fraction: PostgreSQL's cast fails on what is no number or out of a
        // double's range; SQLite's REAL column keeps what is no number as text (and 1e400 is its infinity).
        Case(description: "text to float",
             edit: ("      name: { type: string, nullable: true }", "      name: { type: float, nullable: true }"),
             seed: #"INSERT INTO "Customer" ("id", "name") VALUES ('c1', 'abc'), ('c2', ' 1.5e3 '), ('c3', '1e400'), ('c4', NULL), ('c5', '-0.5')"#,
             probe: #"SELECT CAST("name" AS TEXT) AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "abc",
             sqlite: .refused(["1 row of Customer whose name is not a number a float holds", "c1"]),
             postgres: .refused(["2 rows of Customer whose name is not a number a float holds", "c1; c3"]),
             allowDataLoss: true),
        // A decimal holds less than 10^35 on PostgreSQL; a new maximum is met as the number.
        Case(description: "text to decimal with a maximum",
             edit: ("      name: { type: string, nullable: true }", "      name: { type: decimal, nullable: true, max: 100 }"),
             seed: #"INSERT INTO "Customer" ("id", "name") VALUES ('c1', 'twelve'), ('c2', '12.50'), ('c3', '150'), ('c4', '1e40')"#,
             probe: #"SELECT CAST("name" AS TEXT) AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "twelve",
             sqlite: .refused(["1 row of Customer whose name is not a number", "c1", "2 rows of Customer whose name breaks the new constraint", "c3; c4"]),
             postgres: .refused(["2 rows of Customer whose name is not a number a decimal holds", "c1; c4", "1 row of Customer whose name breaks the new constraint", "c3"]),
             allowDataLoss: true),
        Case(description: "text to boolean",
             edit: ("      name: { type: string, nullable: true }", "      name: { type: boolean, nullable: true }"),
             seed: #"INSERT INTO "Customer" ("id", "name") VALUES ('c1', 'maybe'), ('c2', ' Yes'), ('c3', '0'), ('c4', 'off'), ('c5', '2')"#,
             probe: #"SELECT CAST("name" AS TEXT) AS "value" FROM "Customer" WHERE "id" = 'c1'"#, value: "maybe",
             sqlite: .refused(["2 rows of Customer whose name is not 0 or 1", "c1; c5"]),
             postgres: .refused(["2 rows of Customer whose name is not a boolean (true/false, yes/no, on/off, 1/0)", "c1; c5"]),
             allowDataLoss: true),
        // The words PostgreSQL's cast reads become the same booleans in SQLite's rebuild.
        Case(description: "text words to boolean",
             edit: ("      name: { type: string, nullable: true }", "      name: { type: boolean, nullable: true }"),
             seed: #"INSERT INTO "Customer" ("id", "name") VALUES ('c1', ' Yes'), ('c2', 'off'), ('c3', 'TRUE'), ('c4', '0'), ('c5', NULL)"#,
             probe: "SELECT " + (1...5).map { #"(SELECT CASE WHEN "name" IS NULL THEN '-' WHEN "name" THEN 't' ELSE 'f' END FROM "Customer" WHERE "id" = 'c\#($0)')"# }
                .joined(separator: " || ") + #" AS "value""#,
             value: "tftf-", sqlite: .applied, postgres: .applied, allowDataLoss: true),
    ]

    @Test(arguments: Backend.available, Self.cases)
    func aViolatingValueIsKeptOrTheChangeIsRefusedWithACount(_ backend: Backend, _ change: Case) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let first = try Desired.from(["shop": Self.before], deploys: .recreate)
        _ = try registry.scan(first, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        #expect(try registry.applyApproved(first).applied.count == 2)
        try database.withLockedTransaction { try $0.execute(change.seed) }

        let edited = Self.before.replacingOccurrences(of: change.edit.0, with: change.edit.1)
        try #require(edited != Self.before, "the edit of \(change) matched nothing")
        let desired = try Desired.from(["shop": edited], deploys: .recreate)
        let queued = try registry.scan(desired, principal: "ci").queued
        try #require(queued.map(\.entity) == ["Customer"])
        let decision = try registry.approve(.all, as: "alice", allowDataLoss: change.allowDataLoss, allowRewrite: true, context: Desired.recreating)
        try #require(decision.refused.isEmpty, "\(decision.refused)")

        switch change.expected(backend) {
        case .refused(let fragments):
            // Shown before anyone runs the change, then refused by apply with the same count.
            let impact = try #require(try registry.impact(of: try registry.items(in: [.approved]), context: Desired.recreating)[queued[0].id])
            #expect(!impact.violations.isEmpty, "\(impact.lines)")
            let outcome = try registry.applyApproved(desired)
            #expect(outcome.applied.isEmpty)
            #expect(outcome.refused.map(\.code) == [.dataViolation])
            let message = outcome.refused.first?.message ?? ""
            for fragment in fragments { #expect(message.contains(fragment), "\(message)") }
            #expect(try registry.items(in: [.failed]).map(\.entity) == ["Customer"])
        case .applied:
            #expect(try registry.applyApproved(desired).applied.map(\.entity) == ["Customer"])
        case .statementFailed:
            #expect(errorCode { try registry.applyApproved(desired) } == .statementFailed)
        }
        let value = try database.withLockedTransaction { try $0.query(change.probe, []) }.first?["value"]
        #expect((value?.text ?? value?.integer.map(String.init)) == change.value, "\(change): the stored value changed")
    }

    /// A row written between apply's count and the change (the count runs first, in the same
    /// transaction, but before the table lock) must still make the change fail, not be cut short:
    /// the narrowing statements carry their own guard.
    @Test(arguments: Backend.available.filter { $0 == .postgres })
    func aRowArrivingAfterTheCountMakesTheChangeFailInsteadOfBeingCut(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let first = try Desired.from(["shop": Self.before], deploys: .recreate)
        _ = try registry.scan(first, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        _ = try registry.applyApproved(first)
        let edits = [
            ("      name: { type: string, nullable: true }", "      name: { type: string, nullable: true, maxLength: 5 }"),
            ("      ratio: { type: float, nullable: true }", "      ratio: { type: int, nullable: true }"),
        ]
        let edited = edits.reduce(Self.before) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
        _ = try registry.scan(try Desired.from(["shop": edited], deploys: .recreate), principal: "ci")
        let item = try #require(try registry.items(in: [.pending]).first)
        // Values that an assignment cast would shorten (trailing spaces) or round, written "late".
        for (column, value) in [("name", "'abc      '"), ("ratio", "2.5")] {
            try database.withLockedTransaction { try $0.execute(#"DELETE FROM "Customer""#) }
            try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Customer" ("id", "\#(column)") VALUES ('late', \#(value))"#) }
            let failure = errorCode {
                try database.withLockedTransaction { connection in
                    for statement in item.statements where statement.stage == .transaction && statement.phase != .rowLevelSecurity {
                        try connection.execute(statement.sql)
                    }
                }
            }
            #expect(failure == .database, "\(column): the change ran over a value it cannot keep")
            let stored = try database.withLockedTransaction { try $0.query(#"SELECT CAST("\#(column)" AS TEXT) AS "value" FROM "Customer""#, []) }
            #expect(stored.first?["value"]?.text == value.trimmingCharacters(in: CharacterSet(charactersIn: "'")))
        }
    }
}
