import Foundation
import SchemaCore
import Testing

/// The registry's columns are read with ``JSONReader`` instead of Foundation's `JSONDecoder`
/// (a start with 1,000 approved changes decodes 1,000 structures first). Every value the registry
/// stores must come back exactly as `JSONDecoder` gives it, or verification would refuse every
/// item (or, worse, read a structure other than the one stored); and a hostile row must throw,
/// never trap.
@Suite struct RegistryJSONReadingTests {
    /// What the registry stores of the app fixture (every Prisma feature packages speak) and of
    /// the data-check fixture (changes with checks, renames and risks), on both databases.
    static func storedValues() throws -> [(what: String, text: String, type: any Decodable.Type)] {
        let app = PrismaSchemaParser.parse(PrismaAppFixtureTests.schema, file: "prisma/schema.prisma")
        let imported = PrismaImport.package(from: app.schema, models: PrismaAppFixtureTests.packageModels)
        let hostText = PrismaAppFixtureTests.schema.components(separatedBy: "enum Plan")[0]
        let appHost = PrismaSchemaParser.parse(hostText, file: "prisma/schema.prisma").schema
        let appDesired = DesiredState.resolve(.inMemory(["teams": imported.yaml], baseSchema: appHost))
        try #require(appDesired.isValid, "\(appDesired.errors)")
        let before = DesiredState.resolve(.inMemory(["shop": DataCheckQueryTests.before], baseSchema: DataCheckQueryTests.host))
        let after = DesiredState.resolve(.inMemory(["shop": DataCheckQueryTests.after], baseSchema: DataCheckQueryTests.host))
        try #require(before.isValid && after.isValid, "\(before.errors) \(after.errors)")
        let applied = before.entities.map { AppliedEntity(structure: $0.structure, checksum: $0.checksum, packages: $0.packages) }
        // A check reading a column another change adds, an ACL with a row-level rule, enum labels mapped.
        let rulesBefore = DesiredState.resolve(.inMemory(["rules": DataCheckReadsNewColumnTests.before]))
        let rulesAfter = DesiredState.resolve(.inMemory(["rules": DataCheckReadsNewColumnTests.after]))
        let others = DesiredState.resolve(.inMemory(["docs": RowLevelSecurityTests.docs, "members": MappedEnumApplyTests.yaml]))
        try #require(rulesBefore.isValid && rulesAfter.isValid && others.isValid, "\(rulesAfter.errors) \(others.errors)")
        let rulesApplied = rulesBefore.entities.map { AppliedEntity(structure: $0.structure, checksum: $0.checksum, packages: $0.packages) }

        var values: [(what: String, text: String, type: any Decodable.Type)] = []
        for dialect in [SQLDialect.sqlite, .postgresql] {
            let changes = MigrationPlanner.plan(desired: appDesired.entities, applied: [], dialect: dialect, host: appHost)
                + MigrationPlanner.plan(desired: after.entities, applied: applied, dialect: dialect, host: DataCheckQueryTests.host)
                + MigrationPlanner.plan(desired: rulesAfter.entities, applied: rulesApplied, dialect: dialect, host: nil)
                + MigrationPlanner.plan(desired: others.entities, applied: [], dialect: dialect, host: nil)
            for change in changes {
                let what = "\(change.entity) (\(dialect.rawValue))"
                if let structure = change.structure { values.append(("\(what) structure", JSONText.encode(structure), CanonicalEntity.self)) }
                values.append(("\(what) statements", JSONText.encode(change.statements), [SQLStatement].self))
                values.append(("\(what) checks", JSONText.encode(change.checks), [DataCheck].self))
                values.append(("\(what) risks", JSONText.encode(change.risks), [OperationRisk].self))
                values.append(("\(what) operations", JSONText.encode(change.operations.map(\.summary)), [String].self))
                values.append(("\(what) renames", JSONText.encode(change.renames), [String: String].self))
            }
        }
        return values
    }

    @Test func everyStoredValueReadsAsJSONDecoderReadsIt() throws {
        let values = try Self.storedValues()
        // The fixtures must exercise what the reader must get right, or the comparison says little.
        let texts = values.map(\.text).joined()
        for needle in [#"\""#, "enumValueMap", "nativeType", "databaseDefault", "operatorClasses", "descending", "readsColumns", "presentation",
                       "listDefault", "lock", "rowLevel", "compoundKey", "clientName"] {
            let held = texts.contains(needle)
            #expect(held, "no stored value holds \(needle)")
        }
        #expect(values.filter { $0.what.hasSuffix("checks") && $0.text != "[]" }.count >= 4)
        for (what, text, type) in values {
            let expected = try Self.decodedWithFoundation(type, text)
            let read = try Self.read(type, text)
            #expect(read == expected, "\(what): JSONReader read \(read), JSONDecoder \(expected)")
        }
    }

    /// Strings with every escape JSON has, and numbers in every form a `Double` or `Int` takes.
    @Test func escapesAndNumbersReadAsWritten() throws {
        let text = #"{"a":"q\"b\\s\/n\nt\tr\rf\fb\bu\u00e9\ud83d\ude00\u0000end","i":-12,"d":1.5e3,"e":[],"o":{},"n":null,"t":true,"f":false}"#
        struct Sample: Decodable, Equatable {
            var a: String, i: Int, d: Double, e: [Int], o: [String: String], n: String?, t: Bool, f: Bool
        }
        let read = try JSONReader.decode(Sample.self, from: text)
        #expect(read == (try JSONDecoder().decode(Sample.self, from: Data(text.utf8))))
        #expect(read.a == "q\"b\\s/n\nt\tr\rf\u{0C}b\u{08}ué😀\u{0}end" && read.i == -12 && read.d == 1500)
        // A key missing, null where a value must be, a number too large: errors, as with JSONDecoder.
        #expect(throws: DecodingError.self) { try JSONReader.decode(Sample.self, from: #"{"a":"x"}"#) }
        #expect(throws: DecodingError.self) { try JSONReader.decode([Int].self, from: "[1,null]") }
        #expect(throws: DecodingError.self) { try JSONReader.decode([Int8].self, from: "[300]") }
        #expect(throws: DecodingError.self) { try JSONReader.decode([Int].self, from: "[1.5]") }
    }

    /// What a role that can write the registry could store: malformed, truncated or hostile text.
    @Test(arguments: [
        "", " ", "[", "]", "{", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, "[1,]", "[1 2]", "01", "-", "1.", "1e", "+1", ".5", "tru", "nul", "\"abc",
        #""\x""#, #""\u12""#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, "\"a\u{01}b\"", "[1] [2]", "{\"a\":1}x", "NaN", "[1e999]",
        String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 100_000),
    ])
    func hostileTextThrowsAndNeverTraps(_ text: String) {
        #expect(throws: DecodingError.self) { try JSONReader.decode([Double].self, from: text) }
        #expect(throws: DecodingError.self) { try JSONReader.decode(CanonicalEntity.self, from: text) }
    }

    /// Nesting up to the limit reads; one level more is refused.
    @Test func nestingIsBoundedNotRecursedWithoutEnd() throws {
        let depth = JSONReader.maximumDepth
        let deepest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try JSONReader.decode(Nested.self, from: deepest) }
        let tooDeep = "[" + deepest + "]"
        #expect(throws: DecodingError.self) { try JSONReader.decode(Nested.self, from: tooDeep) }
    }

    indirect enum Nested: Decodable {
        case list([Nested])
        init(from decoder: any Decoder) throws { self = .list(try [Nested](from: decoder)) }
    }

    static func decodedWithFoundation(_ type: any Decodable.Type, _ text: String) throws -> String {
        JSONText.encode(try AnyDecodable(type, decoder: JSONDecoder(), text: text))
    }

    static func read(_ type: any Decodable.Type, _ text: String) throws -> String {
        func open<T: Decodable>(_ type: T.Type) throws -> AnyEncodable { AnyEncodable(try JSONReader.decode(type, from: text)) }
        return JSONText.encode(try open(type))
    }
}

/// A value of a type known at run time, decoded by `JSONDecoder` and encodable again.
private struct AnyDecodable: Encodable {
    let value: AnyEncodable
    init(_ type: any Decodable.Type, decoder: JSONDecoder, text: String) throws {
        func open<T: Decodable>(_ type: T.Type) throws -> AnyEncodable { AnyEncodable(try decoder.decode(type, from: Data(text.utf8))) }
        value = try open(type)
    }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// Encodes whatever it holds when that is `Encodable` (every registry type is).
private struct AnyEncodable: Encodable {
    let value: Any
    init(_ value: Any) { self.value = value }
    func encode(to encoder: any Encoder) throws {
        guard let encodable = value as? any Encodable else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "not Encodable"))
        }
        try encodable.encode(to: encoder)
    }
}
