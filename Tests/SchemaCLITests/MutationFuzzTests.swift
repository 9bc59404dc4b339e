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

    enum Mutation: CaseIterable, Hashable {
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

    /// Mutations whose every case is broken: the file can never pass validation after them.
    static let alwaysBroken: [Mutation: DiagnosticCode] = [
        .invalidUTF8: .unreadableFile,
        .aliasBomb: .unknownKey,
        .duplicateKey: .duplicateName,
        .randomUnicode: .yamlSyntax,
        .insertTab: .yamlSyntax,
    ]

    @Test func thousandMutationsEndInSuccessOrDiagnostics() throws {
        var random = SeededRandom(seed: 20_261_125)
        var outcomes: [Mutation: (errors: Int, valid: Int)] = [:]
        var slowest: Duration = .zero
        let clock = ContinuousClock()
        let cases = 1_300
        for index in 0..<cases {
            let seed = Self.seeds[index % Self.seeds.count]
            let mutation = Mutation.allCases[index % Mutation.allCases.count]
            let bytes = Self.mutate(seed, mutation, &random)
            let start = clock.now
            let state = Self.desired(bytes)
            slowest = max(slowest, clock.now - start)
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
            // Every diagnostic is precise: in the file, on a line that exists, with a message.
            for diagnostic in state.report.diagnostics {
                #expect(diagnostic.location.file == Self.file, "case \(index): \(diagnostic)")
                #expect((1...lines + 1).contains(diagnostic.location.line) && diagnostic.location.column >= 1, "case \(index) (\(mutation)): \(diagnostic)")
                #expect(!diagnostic.message.isEmpty, "case \(index): empty message")
            }
            if mutation == .deepNesting {
                #expect(!state.isValid, "case \(index): 3,000 nested lists were accepted")
            }
            if let code = Self.alwaysBroken[mutation] {
                #expect(state.report.diagnostics.contains { $0.code == code }, "case \(index) (\(mutation)) should report \(code.rawValue): \(state.report.diagnostics)")
            }
            if state.isValid {
                outcomes[mutation, default: (0, 0)].valid += 1
                try Self.expectUsable(state, case: index)
            } else {
                outcomes[mutation, default: (0, 0)].errors += 1
                #expect(state.entities.isEmpty, "case \(index): a file with errors still yields entities to plan")
            }
        }
        let errors = outcomes.values.map(\.errors).reduce(0, +)
        print("fuzz: \(cases) cases, \(errors) ended in diagnostics with errors, \(cases - errors) valid, slowest \(slowest); "
              + Mutation.allCases.map { "\($0) \(outcomes[$0]?.errors ?? 0)/\(outcomes[$0]?.valid ?? 0)" }.joined(separator: ", "))
        // Mutations that break the structure mostly end in errors; every mutation kind was exercised.
        #expect(errors > cases / 3)
        #expect(Set(outcomes.keys) == Set(Mutation.allCases))
    }

    /// A valid mutated file is as usable as a hand-written one: checksums are stable across a second
    /// parse, both SQL dialects create every table with quoted names, and the Prisma fragment parses.
    static func expectUsable(_ state: DesiredState, case index: Int) throws {
        let again = DesiredState.resolve(state.workspace)
        #expect(again.entities.map(\.checksum) == state.entities.map(\.checksum), "case \(index): checksums differ between two parses")
        for entity in state.entities {
            #expect(entity.checksum == Checksum(of: entity.structure), "case \(index): \(entity.structure.name)")
        }
        for dialect in [SQLDialect.sqlite, .postgresql] {
            let changes = MigrationPlanner.plan(desired: state.entities, applied: [], dialect: dialect, host: state.host)
            #expect(changes.count == state.entities.count, "case \(index)")
            for change in changes {
                #expect(change.statements.contains { $0.sql.hasPrefix("CREATE TABLE \"\(change.entity)\" (") }, "case \(index): \(dialect) \(change.entity)")
            }
        }
        let fragment = PrismaArtifacts.fragment(state.entities.map(\.structure), host: state.host)
        let parsed = PrismaSchemaParser.parse(fragment, file: "fragment.prisma")
        #expect(parsed.diagnostics.isEmpty, "case \(index): \(parsed.diagnostics)")
        #expect(Set(parsed.schema.models.map(\.name)) == Set(state.entities.map(\.structure.name)), "case \(index)")
    }

    static let file = "packages/fuzz/seed/schema/entities.yaml"

    /// Decodes like the loader (invalid UTF-8 is a diagnostic), then parses and validates.
    static func desired(_ bytes: [UInt8]) -> DesiredState {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return DesiredState.resolve(Workspace(packages: [], diagnostics: [.error(.unreadableFile, "not UTF-8", at: .start(of: file))]))
        }
        return DesiredState.resolve(.inMemory(["fuzz": text], baseSchema: TestSeeds.host))
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
