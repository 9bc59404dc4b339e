import Foundation
import SchemaCLI
import SchemaCore
import SchemaRegistry
import Testing

/// Mutation fuzzing of entities.yaml: every case ends in success or diagnostics, never a crash or
/// a hang, and a case with errors never writes to the registry.
@Suite struct MutationFuzzTests {
    static let seeds: [String] = {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples/workspace/packages")
        let files = ["blog", "media", "tags"].compactMap {
            try? String(contentsOf: examples.appendingPathComponent("\($0)/seed/schema/entities.yaml"), encoding: .utf8)
        }
        return files.isEmpty ? [TestSeeds.fallback] : files
    }()

    enum Mutation: CaseIterable {
        case flipByte, deleteLine, duplicateLine, swapLines, swapType, duplicateKey, deepNesting, hugeScalar, aliasBomb, invalidUTF8, truncate, insertTab, randomUnicode
    }

    /// Applies one mutation; returns bytes, because some mutations are not valid UTF-8.
    static func mutate(_ text: String, _ mutation: Mutation, _ random: inout SeededRandom) -> [UInt8] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let line = Int.random(in: 0..<max(lines.count, 1), using: &random)
        switch mutation {
        case .flipByte:
            var bytes = Array(text.utf8)
            let index = Int.random(in: 0..<bytes.count, using: &random)
            bytes[index] ^= UInt8(1 << Int.random(in: 0..<7, using: &random))
            return bytes
        case .deleteLine: lines.remove(at: line)
        case .duplicateLine: lines.insert(lines[line], at: line)
        case .swapLines:
            let other = Int.random(in: 0..<lines.count, using: &random)
            lines.swapAt(line, other)
        case .swapType:
            let types = ["string", "int", "bigint", "float", "boolean", "cuid", "uuid", "json", "datetime", "strng", "Decimal", "", "[int]"]
            let replacement = types.randomElement(using: &random) ?? "int"
            for index in lines.indices where lines[index].contains("type: ") && Bool.random(using: &random) {
                lines[index] = lines[index].replacingOccurrences(of: #"type: [A-Za-z]+"#, with: "type: \(replacement)", options: .regularExpression)
                break
            }
        case .duplicateKey:
            if let index = lines.indices.first(where: { lines[$0].contains("maxLength") || lines[$0].contains("required") }) {
                lines.insert(lines[index], at: index)
            }
        case .deepNesting:
            lines.insert("      deep: " + String(repeating: "[", count: 3_000) + String(repeating: "]", count: 3_000), at: line)
        case .hugeScalar:
            lines.insert("    description: \"" + String(repeating: "x", count: 2_000_000) + "\"", at: min(line, lines.count))
        case .aliasBomb:
            var bomb = "x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n"
            for level in 1...8 { bomb += "x\(level): &x\(level) [" + Array(repeating: "*x\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
            return Array((bomb + text.replacingOccurrences(of: "enum: [", with: "enum: *x8 #[")).utf8)
        case .invalidUTF8:
            var bytes = Array(text.utf8)
            bytes.insert(contentsOf: [0xC3, 0x28, 0xFF], at: Int.random(in: 0..<bytes.count, using: &random))
            return bytes
        case .truncate:
            return Array(text.utf8.prefix(Int.random(in: 0..<text.utf8.count, using: &random)))
        case .insertTab: lines[line] = "\t" + lines[line]
        case .randomUnicode: lines[line] += " \u{202E}\u{0000}\u{FEFF}名"
        }
        return Array(lines.joined(separator: "\n").utf8)
    }

    @Test func thousandMutationsEndInSuccessOrDiagnostics() throws {
        var random = SeededRandom(seed: 20_261_125)
        var withErrors = 0
        var valid = 0
        var slowest: Duration = .zero
        let clock = ContinuousClock()
        let cases = 1_300
        for index in 0..<cases {
            let seed = Self.seeds[index % Self.seeds.count]
            let mutation = Mutation.allCases[index % Mutation.allCases.count]
            let bytes = Self.mutate(seed, mutation, &random)
            let start = clock.now
            let report = Self.validate(bytes)
            let elapsed = clock.now - start
            slowest = max(slowest, elapsed)
            #expect(elapsed < .seconds(5), "case \(index) (\(mutation)) took \(elapsed)")
            // Every diagnostic points into the file.
            for diagnostic in report.diagnostics {
                #expect(diagnostic.location.line >= 1 && diagnostic.location.column >= 1, "case \(index): \(diagnostic)")
            }
            if report.hasErrors { withErrors += 1 } else { valid += 1 }
        }
        print("fuzz: \(cases) cases, \(withErrors) ended in diagnostics with errors, \(valid) valid, slowest \(slowest)")
        #expect(withErrors > cases / 3)
    }

    /// Decodes like the loader (invalid UTF-8 is a diagnostic), then parses and validates.
    static func validate(_ bytes: [UInt8]) -> ValidationReport {
        let file = "packages/fuzz/seed/schema/entities.yaml"
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return Validator.validate(Workspace(packages: [], diagnostics: [.error(.unreadableFile, "not UTF-8", at: .start(of: file))]))
        }
        let parsed = EntitiesFileParser.parse(text, file: file)
        return Validator.validate(Workspace(packages: [PackageSchema(packageId: "fuzz", schemaFile: file, entities: parsed.entities)],
                                            baseSchema: TestSeeds.host, diagnostics: parsed.diagnostics))
    }

    @Test func brokenFilesNeverReachTheRegistry() async throws {
        var random = SeededRandom(seed: 7)
        let root = CLITests.makeWorkspace()
        let file = root.appendingPathComponent("packages/notes/seed/schema/entities.yaml")
        let original = try String(contentsOf: file, encoding: .utf8)
        let database = root.appendingPathComponent(".schema/fuzz.sqlite").path
        #expect(await SchemaCommand.capture(["scan", "--root", root.path, "--database-url", "file:.schema/fuzz.sqlite"]).exitCode == 0)
        func counts() throws -> [String] {
            try SQLiteRows.query(database, #"SELECT (SELECT COUNT(*) FROM "_schema_queue") AS "q", (SELECT COUNT(*) FROM "_schema_audit") AS "a", (SELECT COUNT(*) FROM "_schema_entities") AS "e""#)
                .map { "\($0["q"] ?? "")/\($0["a"] ?? "")/\($0["e"] ?? "")" }
        }
        var checked = 0
        for index in 0..<60 {
            let bytes = Self.mutate(original, Mutation.allCases[index % Mutation.allCases.count], &random)
            try Data(bytes).write(to: file)
            let before = try counts()
            let scan = await SchemaCommand.capture(["scan", "--root", root.path, "--database-url", "file:.schema/fuzz.sqlite"])
            if scan.exitCode != 0 {
                checked += 1
                #expect(try counts() == before, "case \(index) wrote to the registry")
                #expect(scan.stderr.contains("nothing was queued"), "case \(index): \(scan.stderr.prefix(300))")
            }
        }
        print("fuzz: \(checked) broken workspaces scanned, none queued anything")
        #expect(checked > 10)
    }
}

/// Seeds and host for fuzzing when the example workspace is absent.
enum TestSeeds {
    static let fallback = """
        entities:
          - name: Note
            fields:
              id: { type: cuid, primary: true }
              body: { type: string, maxLength: 10, required: true }
              kind: { type: string, enum: [a, b] }
        """
    static let host = PrismaSchemaParser.parse("model User {\n  id String @id\n}\nmodel Tenant {\n  id String @id\n}\n", file: "prisma/schema.prisma").schema
}

/// SplitMix64, so every fuzz run is the same run.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
