import Foundation
import SchemaCore
import Testing

/// Enum types with database names of their own (issue 20): `map:` on the type (Prisma's `@@map`)
/// and `- VALUE: label` on a value (Prisma's `@map`). Prisma Client and the package file speak of
/// the values; the database of the labels.
@Suite struct MappedEnumTypeTests {
    static let yaml = """
        enums:
          Role:
            map: user_role
            values: [USER, { ADMIN: admin }, { GUEST: guest_user }]
        entities:
          - name: Member
            fields:
              id: { type: cuid, primary: true, generated: true }
              role: { type: Role, default: ADMIN }
        """

    static func role(_ yaml: String) throws -> CanonicalField {
        try #require(try EnumTypeTests.structure(yaml).field(named: "role"))
    }

    @Test func theMapsAreReadAndCountInTheChecksum() throws {
        let role = try Self.role(Self.yaml)
        #expect(role.enumType == "Role" && role.enumValues == ["USER", "ADMIN", "GUEST"] && role.defaultValue == .string("ADMIN"))
        #expect(role.enumTypeMap == "user_role" && role.enumValueMap == ["ADMIN": "admin", "GUEST": "guest_user"])

        func checksum(_ yaml: String) throws -> String { Checksum(of: try EnumTypeTests.structure(yaml)).hex }
        let plain = Self.yaml.replacingOccurrences(of: "{ map: user_role, values: [USER, { ADMIN: admin }, { GUEST: guest_user }] }", with: "")
            .replacingOccurrences(of: "    map: user_role\n    values: [USER, { ADMIN: admin }, { GUEST: guest_user }]", with: "    [USER, ADMIN, GUEST]")
            .replacingOccurrences(of: "Role:\n    [", with: "Role: [")
        #expect(plain.contains("Role: [USER, ADMIN, GUEST]"), "\(plain)")
        // The long form without maps, and a value mapped to itself, say nothing new.
        let longForm = plain.replacingOccurrences(of: "Role: [USER, ADMIN, GUEST]", with: "Role: { values: [USER, ADMIN, GUEST] }")
        let selfMapped = plain.replacingOccurrences(of: "Role: [USER, ADMIN, GUEST]", with: "Role: { map: Role, values: [USER, { ADMIN: ADMIN }, GUEST] }")
        #expect(try checksum(longForm) == checksum(plain) && checksum(selfMapped) == checksum(plain))
        // Each map is part of the structure: a database with other names is another structure.
        let typeOnly = plain.replacingOccurrences(of: "Role: [USER, ADMIN, GUEST]", with: "Role: { map: user_role, values: [USER, ADMIN, GUEST] }")
        let labelOnly = plain.replacingOccurrences(of: "Role: [USER, ADMIN, GUEST]", with: "Role: [USER, { ADMIN: admin }, GUEST]")
        let all = try [plain, typeOnly, labelOnly, Self.yaml].map(checksum)
        #expect(Set(all).count == 4, "\(all)")
    }

    @Test func badMapsArePointedAt() {
        func errors(_ role: String, extra: String = "") -> [Diagnostic] {
            TestSupport.validate("enums:\n  Role: \(role)\nentities:\n  - name: Member\n    fields:\n      id: { type: cuid, primary: true }\n      role: { type: Role }\n" + extra,
                                 host: TestSupport.hostSchema).diagnostics.filter { $0.severity == .error }
        }
        // An enum declared wrong is not declared: its fields' type is then unknown too (E012).
        let twice = errors("[USER, { ADMIN: user }, { GUEST: user }]")
        #expect(twice.first?.code == .duplicateName && twice.first?.message.contains("both stored as 'user'") == true, "\(twice)")
        // Line 2, at the item `{ GUEST: user }`.
        #expect(twice.first.map { $0.location.line == 2 && $0.location.column > 20 } == true, "\(twice)")
        #expect(errors("{ map: \"\", values: [USER] }").map(\.code) == [.invalidConstraint, .unknownFieldType])
        #expect(errors("{ map: \(String(repeating: "t", count: 64)), values: [USER] }").map(\.code) == [.invalidConstraint, .unknownFieldType])
        #expect(errors("[USER, { ADMIN: \"a\\tb\" }]").map(\.code) == [.controlCharacter, .unknownFieldType])
        #expect(errors("{ map: roles }").map(\.code) == [.missingKey, .unknownFieldType])
        #expect(errors("{ mapping: roles, values: [USER] }").map(\.code).contains(.unknownKey))
        #expect(errors("[USER, { ADMIN: admin, GUEST: guest }]").map(\.code).contains(.wrongShape))
        // The type's database name may not be a table's (PostgreSQL gives every table a type of
        // its name), nor another enum's.
        #expect(errors("{ map: Member, values: [USER] }").map(\.code) == [.nameCollision])
        let shared = errors("{ map: kind, values: [USER] }", extra: "      tone: { type: Tone }\n")
        #expect(shared.map(\.code).contains(.unknownFieldType))
        let two = TestSupport.validate("""
            enums:
              Role: { map: kind, values: [USER] }
              Tone: { map: kind, values: [LOUD] }
            entities:
              - name: Member
                fields:
                  id: { type: cuid, primary: true }
                  role: { type: Role }
                  tone: { type: Tone }
            """, host: TestSupport.hostSchema).diagnostics.filter { $0.severity == .error }
        #expect(two.map(\.code).contains(.enumTypeConflict) && two.contains { $0.message.contains("both the database type \"kind\"") }, "\(two)")
    }

    @Test func theSQLSpeaksOfTheLabels() throws {
        let postgres = try EnumTypeTests.statements(nil, Self.yaml)
        let types = postgres.filter { $0.phase == .types }.map(\.sql)
        #expect(types.count == 1 && types[0].contains(#"CREATE TYPE "user_role" AS ENUM ('USER', 'admin', 'guest_user')"#), "\(types)")
        let create = try #require(postgres.first { $0.sql.hasPrefix("CREATE TABLE") }?.sql)
        #expect(create.contains(#""role" "user_role" NOT NULL DEFAULT 'admin'"#), "\(create)")
        #expect(!postgres.contains { $0.sql.contains(#""Role""#) || $0.sql.contains("'ADMIN'") }, "\(postgres.map(\.sql))")
        let sqlite = try EnumTypeTests.statements(nil, Self.yaml, .sqlite).map(\.sql).joined(separator: "\n")
        #expect(sqlite.contains(#""role" TEXT NOT NULL DEFAULT 'admin'"#) && sqlite.contains(#"CHECK ("role" IN ('USER', 'admin', 'guest_user'))"#), "\(sqlite)")

        // A value added with a label is added under it, in its place; a label changed remakes the type.
        let added = Self.yaml.replacingOccurrences(of: "{ ADMIN: admin },", with: "{ ADMIN: admin }, { EDITOR: editor },")
        let adding = try EnumTypeTests.statements(Self.yaml, added).map(\.sql)
        #expect(adding.contains { $0.contains(#"ALTER TYPE "user_role" ADD VALUE IF NOT EXISTS 'editor' AFTER 'admin'"#) }, "\(adding)")
        let relabelled = Self.yaml.replacingOccurrences(of: "{ ADMIN: admin }", with: "{ ADMIN: administrator }")
        let relabelling = try EnumTypeTests.statements(Self.yaml, relabelled).map(\.sql)
        #expect(relabelling.contains { $0.contains(#"CREATE TYPE "user_role" AS ENUM ('USER', 'administrator', 'guest_user')"#) }, "\(relabelling)")
        // The type renamed in the database: the column moves to the new type, the old one goes.
        let renamed = Self.yaml.replacingOccurrences(of: "map: user_role", with: "map: member_role")
        let renaming = try EnumTypeTests.statements(Self.yaml, renamed).map(\.sql).joined(separator: "\n")
        #expect(renaming.contains(#"CREATE TYPE "member_role""#) && renaming.contains(#"USING "role"::text::"member_role""#)
                && renaming.contains(#"DROP TYPE IF EXISTS "user_role""#), "\(renaming)")
    }

    @Test func prismaGetsMapAndAtAtMapAndTheGrammarReadsThem() throws {
        let member = try EnumTypeTests.structure(Self.yaml)
        let fragment = PrismaArtifacts.fragment([member], host: TestSupport.hostSchema)
        #expect(fragment.contains("enum Role {\n  USER\n  ADMIN @map(\"admin\")\n  GUEST @map(\"guest_user\")\n\n  @@map(\"user_role\")\n}"), "\(fragment)")
        #expect(fragment.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }.contains("role Role @default(ADMIN)"), "\(fragment)")
        let merged = PrismaArtifacts.merged(baseText: TestSupport.hostSchemaText, host: TestSupport.hostSchema, entities: [member])
        // tree-sitter-prisma (below 0.14) has no rule for attributes inside an enum block, which
        // Prisma's documentation shows (database mapping: `@map` on values, `@@map` on the enum):
        // the grammar reads the schema with those attributes taken out.
        let withoutEnumAttributes = merged.replacingOccurrences(of: #" @map\("[^"]*"\)(?=\n)"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: "\n\n  @@map(\"user_role\")\n}", with: "\n}")
        #expect(withoutEnumAttributes.contains("enum Role {\n  USER\n  ADMIN\n  GUEST\n}"), "\(withoutEnumAttributes)")
        if let blocks = try PrismaGrammar.blocks(of: withoutEnumAttributes) {
            #expect(blocks.contains("enum Role") && blocks.contains("model Member"), "\(blocks)")
        }
    }

    /// A host enum in another database schema (`@@schema("auth")`): the merged schema keeps the
    /// host's one block, the package model names it and says its own schema, and the grammar reads it.
    @Test func aHostEnumOfAnotherSchemaIsNamedNotDeclared() throws {
        let hostText = """
            datasource db {
              provider = "postgresql"
              schemas  = ["public", "auth"]
            }

            enum Role {
              USER
              ADMIN

              @@schema("auth")
            }
            """
        let host = PrismaSchemaParser.parse(hostText, file: "schema.prisma").schema
        let yaml = """
            enums:
              Role: { schema: auth, values: [USER, ADMIN] }
            entities:
              - name: Member
                fields:
                  id: { type: string, primary: true }
                  role: { type: Role, default: USER }
            """
        let desired = DesiredState.resolve(.inMemory(["members": yaml], baseSchema: host))
        try #require(desired.isValid, "\(desired.errors)")
        let merged = PrismaArtifacts.merged(baseText: hostText, host: host, entities: desired.entities.map(\.structure))
        #expect(merged.components(separatedBy: "enum Role {").count == 2, "one enum block, the host's: \(merged)")
        let member = merged.components(separatedBy: "model Member {").last ?? ""
        #expect(member.contains("@@schema(\"public\")") && member.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }.contains("role Role @default(USER)"),
                "\(merged)")
        // tree-sitter-prisma (below 0.14) has no rule for attributes inside an enum block.
        if let blocks = try PrismaGrammar.blocks(of: merged.replacingOccurrences(of: "\n\n  @@schema(\"auth\")\n}", with: "\n}")) {
            #expect(blocks.contains("enum Role") && blocks.contains("model Member"), "\(blocks)")
        }
    }

    /// A host's mapped enum moved into a package: the package says what the host said, and the
    /// Prisma block it gives is the host's, up to formatting.
    @Test func importCarriesTheMapsAndTheBlockComesBack() throws {
        let enumBlock = "enum Role {\n  USER\n  ADMIN @map(\"admin\")\n  GUEST @map(name: \"guest user\")\n\n  @@map(\"user_role\")\n}"
        let text = TestSupport.hostSchemaText + "\n" + enumBlock + "\n\nmodel Member {\n  id   String @id\n  role Role   @default(ADMIN)\n}\n"
        let host = PrismaSchemaParser.parse(text, file: "schema.prisma").schema
        #expect(host.enumTypeMaps == ["Role": "user_role"] && host.enumValueMaps == ["Role": ["ADMIN": "admin", "GUEST": "guest user"]])
        let imported = PrismaImport.package(from: host, models: ["Member"])
        #expect(imported.limits.isEmpty, "\(imported.limits)")
        #expect(imported.yaml.contains(#"Role: { map: "user_role", values: [USER, { ADMIN: "admin" }, { GUEST: "guest user" }] }"#), "\(imported.yaml)")
        let member = try EnumTypeTests.structure(imported.yaml)
        let fragment = PrismaArtifacts.fragment([member], host: TestSupport.hostSchema)
        #expect(fragment.contains(enumBlock.replacingOccurrences(of: "@map(name: ", with: "@map(")), "\(fragment)")
    }

    /// A list of the enum cannot follow a type made again (only scalar columns are converted):
    /// a changed label is refused at scan for it, as a removed value is. A changed type name moves
    /// the list to the new type through its text, as it moves a single value
    /// (`ListChangeTests.aListMovesToTheEnumsNewTypeName` applies it).
    @Test func aListOfTheEnumRefusesLabelChangesAndMovesWithItsType() throws {
        let listed = Self.yaml + "\n      roles: { type: \"Role[]\" }\n"
        let before = try EnumTypeTests.structure(listed)
        let applied = [AppliedEntity(structure: before, checksum: Checksum(of: before), packages: ["fixture"])]
        func messages(_ yaml: String) -> [String] { MigrationPlanner.unplannableChanges(desired: TestSupport.desired(yaml).entities, applied: applied) }
        #expect(messages(listed.replacingOccurrences(of: "{ ADMIN: admin },", with: "{ ADMIN: admin }, EDITOR,")).isEmpty)
        let relabelled = messages(listed.replacingOccurrences(of: "{ ADMIN: admin }", with: "{ ADMIN: administrator }"))
        #expect(relabelled.contains { $0.contains("Member.roles: the enum Role loses or reorders values") }, "\(relabelled)")
        let moved = messages(listed.replacingOccurrences(of: "map: user_role", with: "map: member_role"))
        #expect(moved.isEmpty, "\(moved)")
    }
}
