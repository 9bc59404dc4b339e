import Foundation
import SchemaCore
import Testing

/// Reformatting never changes a checksum; every structural edit does.
@Suite struct ChecksumTests {
    static let base = """
        entities:
          - name: Ticket
            version: "1.0"
            description: "A support ticket"
            checksum: null
            fields:
              id: { type: cuid, primary: true, generated: true }
              tenantId: { type: string, required: true, index: true }
              title: { type: string, required: true, maxLength: 120 }
              state: { type: string, enum: [open, closed], default: open }
              priority: { type: int, default: 0, min: 0, max: 9 }
              body: { type: string, nullable: true, description: "markdown" }
              createdAt: { type: bigint, required: true }
            indexes:
              - fields: [tenantId, state]
              - fields: [tenantId, title]
                unique: true
            relations:
              - { name: tenant, type: belongsTo, entity: Tenant, field: tenantId, onDelete: Cascade }
            acl:
              create: [user]
              read: [public]
              update: [self, admin]
              delete: [admin]
              rowLevel: "tenantId = $user.tenantId"
        """

    static func checksum(_ yaml: String) -> Checksum? {
        TestSupport.entity(yaml).map { Checksum(of: CanonicalEntity($0)) }
    }

    @Test func knownEntityHasAPinnedChecksum() throws {
        // Pins the canonical encoding documented in the README: changing it breaks every registry.
        let entity = try #require(TestSupport.entity("entities:\n  - name: Tag\n    fields:\n      id: { type: cuid, primary: true, generated: true }\n      label: { type: string, unique: true }\n"))
        let canonical = CanonicalEncoding.encode(CanonicalEntity(entity))
        #expect(canonical == #"{"fields":[{"generated":true,"name":"id","optional":false,"primary":true,"type":"cuid"},{"name":"label","optional":false,"type":"string"}],"indexes":[{"fields":["label"],"unique":true}],"name":"Tag","relations":[]}"#)
        #expect(Checksum(of: CanonicalEntity(entity)).hex == Checksum.sha256Hex(canonical))
        #expect(Checksum.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// Only `"`, `\` and control characters are escaped (`\u00XX`, lowercase); anything else,
    /// a combining mark right after an escaped quote included, is written as it is.
    @Test func stringsAreEscapedMinimally() {
        let text = "q\"b\\s\u{1}\u{1f}é\"\u{301}x\n"
        let field = CanonicalField(name: "note", type: .string, optional: false, defaultValue: .string(text))
        let entity = CanonicalEntity(name: "E", fields: [field], indexes: [], relations: [], acl: nil)
        let expected = #"{"fields":[{"default":"q\"b\\s\u0001\u001fé\""# + "\u{301}" + #"x\u000a","name":"note","optional":false,"type":"string"}],"indexes":[],"name":"E","relations":[]}"#
        #expect(CanonicalEncoding.encode(entity) == expected)
    }

    // MARK: - Invariance

    static let reformattings: [(String, @Sendable (String) -> String)] = [
        ("CRLF line endings", { $0.replacingOccurrences(of: "\n", with: "\r\n") }),
        ("comments added", { $0.replacingOccurrences(of: "    fields:\n", with: "    # the columns\n    fields:  # trailing\n") }),
        ("descriptions changed", { $0.replacingOccurrences(of: "A support ticket", with: "Something else entirely") }),
        ("description removed", { $0.replacingOccurrences(of: ", description: \"markdown\"", with: "") }),
        ("version and checksum removed", { $0.replacingOccurrences(of: "    version: \"1.0\"\n", with: "").replacingOccurrences(of: "    checksum: null\n", with: "") }),
        ("key order within a field", { $0.replacingOccurrences(of: "{ type: string, required: true, maxLength: 120 }", with: "{ maxLength: 120, required: true, type: string }") }),
        ("flow style to block style", { $0.replacingOccurrences(of: "      createdAt: { type: bigint, required: true }", with: "      createdAt:\n        type: bigint\n        required: true") }),
        ("Prisma type spelling", { $0.replacingOccurrences(of: "type: bigint", with: "type: BigInt") }),
        ("enum order", { $0.replacingOccurrences(of: "[open, closed]", with: "[closed, open]") }),
        ("role order", { $0.replacingOccurrences(of: "[self, admin]", with: "[admin, self]") }),
        ("quoted scalars", { $0.replacingOccurrences(of: "default: open", with: "default: \"open\"") }),
        ("rowLevel spacing and case", { $0.replacingOccurrences(of: "\"tenantId = $user.tenantId\"", with: "\"  tenantId=$user.tenantId \"") }),
        ("index order", { $0.replacingOccurrences(of: "      - fields: [tenantId, state]\n      - fields: [tenantId, title]\n        unique: true\n",
                                                     with: "      - fields: [tenantId, title]\n        unique: true\n      - fields: [tenantId, state]\n") }),
        ("relation aliases", { $0.replacingOccurrences(of: "entity: Tenant, field: tenantId", with: "target: Tenant, foreignKey: tenantId") }),
        ("index flag as explicit index", { $0.replacingOccurrences(of: "required: true, index: true }", with: "required: true }")
            .replacingOccurrences(of: "    indexes:\n", with: "    indexes:\n      - fields: [tenantId]\n") }),
        ("indentation", { $0.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n").replacingOccurrences(of: "  entities:", with: "entities:") }),
    ]

    @Test(arguments: reformattings.indices)
    func reformattingKeepsTheChecksum(_ index: Int) throws {
        let (name, transform) = Self.reformattings[index]
        let original = try #require(Self.checksum(Self.base))
        let reformatted = transform(Self.base)
        #expect(reformatted != Self.base, "\(name) changed nothing")
        #expect(Self.checksum(reformatted) == original, "\(name)")
    }

    @Test func fieldOrderNeverMatters() throws {
        // Property: every permutation of the field lines (seeded, so failures reproduce) has one checksum.
        let original = try #require(Self.checksum(Self.base))
        let lines = Self.base.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let fieldLines = lines.indices.filter { lines[$0].hasPrefix("      ") && lines[$0].contains(": { type:") }
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<50 {
            var shuffled = lines
            let permuted = fieldLines.map { lines[$0] }.shuffled(using: &generator)
            for (slot, line) in zip(fieldLines, permuted) { shuffled[slot] = line }
            #expect(Self.checksum(shuffled.joined(separator: "\n")) == original)
        }
    }

    // MARK: - Sensitivity

    static let structuralEdits: [(String, String, String)] = [
        ("field added", "      createdAt: { type: bigint, required: true }", "      createdAt: { type: bigint, required: true }\n      extra: { type: string, nullable: true }"),
        ("field removed", "      body: { type: string, nullable: true, description: \"markdown\" }\n", ""),
        ("field renamed", "      body:", "      content:"),
        ("type changed", "createdAt: { type: bigint", "createdAt: { type: int"),
        ("optionality changed", "body: { type: string, nullable: true", "body: { type: string, nullable: false"),
        ("required dropped to optional", "tenantId: { type: string, required: true", "tenantId: { type: string, required: false"),
        ("primary key generation", "primary: true, generated: true", "primary: true"),
        ("default changed", "default: 0, min", "default: 1, min"),
        ("default added", "createdAt: { type: bigint, required: true }", "createdAt: { type: bigint, required: true, default: 0 }"),
        ("maxLength changed", "maxLength: 120", "maxLength: 121"),
        ("enum value added", "[open, closed]", "[open, closed, waiting]"),
        ("min changed", "min: 0", "min: 1"),
        ("max changed", "max: 9", "max: 10"),
        ("index added", "    relations:\n", "      - fields: [createdAt]\n    relations:\n"),
        ("index column order", "[tenantId, state]", "[state, tenantId]"),
        ("index made unique", "      - fields: [tenantId, state]\n", "      - fields: [tenantId, state]\n        unique: true\n"),
        ("index named", "      - fields: [tenantId, state]\n", "      - fields: [tenantId, state]\n        name: ticket_state_idx\n"),
        ("unique flag on a field", "createdAt: { type: bigint, required: true }", "createdAt: { type: bigint, required: true, unique: true }"),
        ("onDelete changed", "onDelete: Cascade", "onDelete: Restrict"),
        ("relation renamed", "name: tenant, type", "name: owner, type"),
        ("relation target", "entity: Tenant", "entity: User"),
        ("acl widened", "delete: [admin]", "delete: [admin, user]"),
        ("acl operation removed", "      delete: [admin]\n", ""),
        ("rowLevel changed", "tenantId = $user.tenantId", "tenantId = $user.id"),
        ("entity renamed", "name: Ticket", "name: Issue"),
    ]

    @Test(arguments: structuralEdits.indices)
    func structuralEditChangesTheChecksum(_ index: Int) throws {
        let (name, from, to) = Self.structuralEdits[index]
        #expect(Self.base.contains(from), "\(name): pattern not found")
        let original = try #require(Self.checksum(Self.base))
        let edited = try #require(Self.checksum(Self.base.replacingOccurrences(of: from, with: to)), "\(name) broke the file")
        #expect(edited != original, "\(name)")
    }
}

/// A small deterministic random generator (SplitMix64), so property tests reproduce.
struct SeededGenerator: RandomNumberGenerator {
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

/// ``AppliedDigest``: one value for a set of applied entities that one change can update alone.
struct AppliedDigestTests {
    @Test func isTheXorOfEachEntrysSHA256AndOrderFree() throws {
        #expect(AppliedDigest.empty.hex == String(repeating: "0", count: 64))
        // sha256("Item0 abc"), computed outside Swift.
        let one = AppliedDigest(checksums: ["Item0": "abc"])
        #expect(one.hex == "0b3213553b645d91164be916d665336f06872f7169944552465a05eb2d1d3d2d")
        var built = AppliedDigest.empty
        built.toggle(name: "B", checksum: "2")
        built.toggle(name: "A", checksum: "1")
        #expect(built == AppliedDigest(checksums: ["A": "1", "B": "2"]))
        built.toggle(name: "B", checksum: "2")
        #expect(built == AppliedDigest(checksums: ["A": "1"]), "toggling an entry again removes it")
        #expect(AppliedDigest(hex: one.hex) == one)
        #expect(AppliedDigest(hex: "xyz") == nil && AppliedDigest(hex: String(repeating: "G", count: 64)) == nil)
    }
}
