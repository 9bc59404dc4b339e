import SchemaCore
import Testing

/// The two quoting paths every rendered statement goes through, on texts with and without
/// something to escape (the fast path for plain names must not skip a quote, NUL or backslash).
/// Expected texts are written out by hand.
struct SQLQuotingTests {
    @Test(arguments: [
        ("User", #""User""#),
        (#"we"ird"#, #""we""ird""#),
        (#""""#, #""""""""#),
        ("naïve", #""naïve""#),
    ])
    func identifiersAreQuotedWithEmbeddedQuotesDoubled(_ name: String, _ expected: String) {
        #expect(SQLDialect.postgresql.quote(name) == expected)
        #expect(SQLDialect.sqlite.quote(name) == expected)
    }

    @Test func literalsDoubleQuotesDropNULAndEscapeBackslashesOnPostgreSQL() {
        #expect(SQLDialect.sqlite.literal("plain") == "'plain'")
        #expect(SQLDialect.postgresql.literal("plain") == "'plain'")
        #expect(SQLDialect.postgresql.literal("it's") == "'it''s'")
        #expect(SQLDialect.sqlite.literal("a\0b") == "'ab'")
        #expect(SQLDialect.postgresql.literal(#"a\b"#) == #"E'a\\b'"#)
        #expect(SQLDialect.sqlite.literal(#"a\b"#) == #"'a\b'"#)
    }
}
