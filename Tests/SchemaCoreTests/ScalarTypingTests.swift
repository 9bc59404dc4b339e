import SchemaCore
import Testing
import Yams

/// Documents are composed with Yams' `Resolver.basic` and only the values whose type matters are
/// typed afterwards; the result must be exactly what Yams' default resolution gives, or checksums
/// of existing entities would change.
@Suite struct ScalarTypingTests {
    static let literals = [
        "0", "-7", "+12", "0x1F", "0o17", "1_000", "012", "3.5", ".5", "-1e3", "1.0e+3", ".inf", "-.inf", ".nan",
        "true", "false", "yes", "No", "On", "OFF", "y", "TRUE", "'0'", "\"true\"", "hello", "2024-01-01", "12:30", "~", "null", "",
    ]

    /// The default value the old eager path produced: Yams' default resolver, then the same precedence.
    static func eagerDefault(_ literal: String) throws -> ScalarValue? {
        guard let node = try Yams.compose(yaml: "value: \(literal)\n")?["value"], case .scalar(let scalar) = node else { return nil }
        if scalar.style != .plain { return .string(scalar.string) }
        if node.null != nil { return nil }
        if let value = node.bool { return .bool(value) }
        if let value = node.int { return .integer(Int64(value)) }
        if let value = node.float { return value.isFinite ? .float(value) : nil }
        return .string(scalar.string)
    }

    @Test(arguments: literals)
    func defaultsAreTypedAsYamsDefaultResolverTypesThem(_ literal: String) throws {
        let yaml = "entities:\n  - name: Thing\n    fields:\n      id: { type: cuid, primary: true }\n      value: { type: string, default: \(literal) }\n"
        let parsed = EntitiesFileParser.parse(yaml, file: "t.yaml")
        let field = parsed.entities.first?.fields.first { $0.name == "value" }
        #expect(field?.defaultValue == (try Self.eagerDefault(literal)), "default: \(literal)")
    }

    @Test(arguments: ["true", "false", "yes", "off", "1", "'true'", "maybe"])
    func flagsAcceptWhatYamsCallsABoolean(_ literal: String) throws {
        let yaml = "entities:\n  - name: Thing\n    fields:\n      id: { type: cuid, primary: true }\n      value: { type: string, unique: \(literal) }\n"
        let parsed = EntitiesFileParser.parse(yaml, file: "t.yaml")
        let node = try #require(try Yams.compose(yaml: "value: \(literal)\n")?["value"])
        let eager: Bool? = if case .scalar(let scalar) = node, scalar.style == .plain { node.bool } else { nil }
        #expect(parsed.entities.first?.fields.first { $0.name == "value" }?.isUnique == (eager ?? false))
        #expect(parsed.diagnostics.isEmpty == (eager != nil), "unique: \(literal)")
    }
}
