import SchemaCore
import Testing

/// Text becoming a native type whose explicit cast would cut, pad or refuse values: the change is
/// guarded while it runs (a row written after its rows were counted fails it instead of being
/// cut), and a conversion that keeps every value is neither counted nor guarded.
@Suite struct NativeConversionTests {
    static func code(_ field: String) throws -> CanonicalEntity {
        let desired = TestSupport.desired("entities:\n  - name: Country\n    fields:\n      id: { type: string, primary: true }\n      code: \(field)\n")
        try #require(desired.isValid, "\(desired.errors)")
        return try #require(desired.entities.first?.structure)
    }

    static func change(_ from: String, _ to: String) throws -> DerivedChange {
        DerivedChange(from: try code(from), to: try code(to), renderer: MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:]))
    }

    @Test func aCastThatWouldCutIsGuardedAndCounted() throws {
        let change = try Self.change("{ type: string }", "{ type: string, db: Char(2) }")
        let sql = change.statements.map(\.sql)
        let guardIndex = try #require(sql.firstIndex { $0.contains(#"CHECK (char_length("code") <= 2)"#) }, "\(sql)")
        let alterIndex = try #require(sql.firstIndex { $0.contains(#"SET DATA TYPE CHAR(2) USING "code"::CHAR(2)"#) }, "\(sql)")
        #expect(guardIndex < alterIndex)
        #expect(change.checks.contains { $0.countSQL.contains(#"NOT (char_length("code") <= 2)"#) }, "\(change.checks.map(\.countSQL))")

        let bits = try Self.change("{ type: string }", "{ type: string, db: VarBit(4) }").statements.map(\.sql)
        #expect(bits.contains { $0.contains(#"CHECK ("code"::text ~ '^[01]{0,4}$')"#) }, "\(bits)")
    }

    @Test func aCastThatKeepsEveryValueIsNeither() throws {
        for (from, to) in [("{ type: string, db: Char(2) }", "{ type: string, db: Char(3) }"),
                           ("{ type: string, maxLength: 2 }", "{ type: string, db: Char(2) }"),
                           ("{ type: string, db: Bit(3) }", "{ type: string, db: VarBit(8) }"),
                           ("{ type: string, db: Uuid }", "{ type: string }")] {
            let change = try Self.change(from, to)
            #expect(!change.statements.contains { $0.sql.contains("CHECK") }, "\(from) → \(to): \(change.statements.map(\.sql))")
            #expect(!change.checks.contains { $0.kind == .violations }, "\(from) → \(to): \(change.checks.map(\.countSQL))")
        }
    }
}
