import SchemaCore
import Testing

@Suite struct RowLevelParserTests {
    @Test(arguments: [
        ("authorId = $user.id", "authorId = $user.id"),
        ("userId = $user.id OR isPublic = true", "userId = $user.id OR isPublic = true"),
        ("calculator.userId = $user.id", "calculator.userId = $user.id"),
        ("(a = 1 or b != 'x''y') and c = null", "(a = 1 OR b != 'x''y') AND c = null"),
        ("a = $user.tenantId AND (b = false)", "a = $user.tenantId AND b = false"),
        ("((a = b))", "a = b"),
    ])
    func parsesAndPrintsCanonically(_ text: String, _ canonical: String) throws {
        let expression = try RowLevelParser.parse(text).get()
        #expect(expression.canonicalText == canonical)
    }

    @Test(arguments: [
        ("", 1), ("a =", 4), ("a = $user.password", 5), ("a = 1 AND", 10), ("(a = 1", 7), ("a; DROP TABLE x", 2),
        ("a = 'open", 5), ("a.b.c = 1", 1), ("= 1", 1), ("a = 1)", 6),
    ])
    func rejectsWithAColumn(_ text: String, _ column: Int) {
        switch RowLevelParser.parse(text) {
        case .success(let expression): Issue.record("parsed '\(text)' as \(expression.canonicalText)")
        case .failure(let failure): #expect(failure.column == column, "\(text): \(failure.message)")
        }
    }

    @Test func deepNestingIsBounded() {
        let text = String(repeating: "(", count: 100) + "a = 1" + String(repeating: ")", count: 100)
        guard case .failure(let failure) = RowLevelParser.parse(text) else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.message.contains("nested"))
    }
}
