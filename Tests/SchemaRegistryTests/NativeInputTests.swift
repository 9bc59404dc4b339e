@testable import SchemaCore
import SchemaRegistry
import Testing

/// A native type's input is checked in two places: a default at validation (in Swift) and the
/// stored rows of a text column before it becomes that type (in SQL, by PostgreSQL). Both come
/// from one description of the type's input (``NativeType/inputPattern``, and code points for a
/// length), and both must say what PostgreSQL itself does with the value: a default validation
/// takes must not fail the start, and one it refuses must be one PostgreSQL refuses.
@Suite struct NativeInputTests {
    struct Case {
        var type: String
        var column: String
        var inputs: [String]
    }

    static let cases = [
        Case(type: "Uuid", column: "UUID", inputs: [
            "6f1c2a4e-8b7d-4e1f-9a3b-2c5d7e9f0a1b", "6F1C2A4E-8B7D-4E1F-9A3B-2C5D7E9F0A1B", "{6f1c2a4e-8b7d-4e1f-9a3b-2c5d7e9f0a1b}",
            "6f1c2a4e8b7d4e1f9a3b2c5d7e9f0a1b", "6f1c-2a4e-8b7d-4e1f-9a3b-2c5d-7e9f-0a1b", "{6f1c2a4e8b7d4e1f9a3b2c5d7e9f0a1b}",
            "{6f1c2a4e-8b7d-4e1f-9a3b-2c5d7e9f0a1b", "6f1c2a4e-8b7d-4e1f-9a3b-2c5d7e9f0a1", "6f1c2a4e--8b7d-4e1f-9a3b-2c5d7e9f0a1b",
            "6f1c2-a4e-8b7d-4e1f-9a3b-2c5d7e9f0a1b", "-6f1c2a4e-8b7d-4e1f-9a3b-2c5d7e9f0a1b", "6f1c2a4e-8b7d-4e1f-9a3b-2c5d7e9f0a1b-",
            "gf1c2a4e-8b7d-4e1f-9a3b-2c5d7e9f0a1b", " 6f1c2a4e-8b7d-4e1f-9a3b-2c5d7e9f0a1b", "6f1c2a4e-8b7d-4e1f-9a3b-2c5d7e9f0a1b\u{301}",
            "none", "",
        ]),
        // "e\u{301}" is one character to Swift and two to PostgreSQL; the flag is one and two.
        Case(type: "Char(2)", column: "CHAR(2)", inputs: ["NL", "N", "", "NLD", "é", "e\u{301}", "e\u{301}e", "🇳🇱", "🇳🇱x", "ßß"]),
        Case(type: "Bit(3)", column: "BIT(3)", inputs: ["101", "000", "10", "1011", "102", "", "1\u{301}01", "1 01"]),
        Case(type: "VarBit(3)", column: "VARBIT(3)", inputs: ["", "1", "101", "1011", "12", "1\u{301}"]),
    ]

    /// Whether PostgreSQL takes `literal` as the default of a column of `column`, as a start's
    /// `CREATE TABLE` and the inserts after it do.
    static func postgresTakes(_ literal: String, column: String, _ database: any RegistryDatabase) -> Bool {
        do {
            try database.withLockedTransaction { connection in
                try connection.execute("CREATE TEMP TABLE probe (value \(column) DEFAULT \(literal)) ON COMMIT DROP")
                try connection.execute("INSERT INTO probe DEFAULT VALUES")
            }
            return true
        } catch {
            return false
        }
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func validationAndTheStoredRowsCheckSayWhatPostgreSQLDoes() throws {
        let (database, _) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        for testCase in Self.cases {
            let native = try #require(NativeType(parsing: testCase.type))
            for input in testCase.inputs {
                let literal = SQLDialect.postgresql.literal(input)
                let postgres = Self.postgresTakes(literal, column: testCase.column, database)
                let validation = native.problem(withDefault: .string(input)) == nil
                #expect(validation == postgres, "\(testCase.type) default \(literal): validation \(validation ? "takes" : "refuses") it, PostgreSQL \(postgres ? "takes" : "refuses") it")
                // The condition a conversion counts stored rows with, asked of PostgreSQL.
                let text = CanonicalField(name: "value", type: .string, optional: true)
                var converted = text
                converted.nativeType = native
                let condition = try #require(NativeConversion.keeps(literal, from: text, to: converted))
                let answer = try database.withLockedTransaction { connection in
                    try connection.query(#"SELECT CASE WHEN \#(condition) THEN 1 ELSE 0 END AS "kept""#, []).first?["kept"]?.integer
                }
                #expect(answer == (postgres ? 1 : 0), "\(testCase.type) \(literal): the stored-rows check says \(answer.map(String.init) ?? "nothing"), PostgreSQL \(postgres ? "takes" : "refuses") it")
            }
        }
    }
}
