import Foundation
import SchemaCore
import Testing

/// Enum types (issue 20): `enums:` in a package file, fields whose `type:` names one, what they
/// mean for validation, checksums, Prisma and the SQL of their changes.
@Suite struct EnumTypeTests {
    static let yaml = """
        enums:
          Role: [USER, ADMIN, GUEST]
          Status:
            - DRAFT
            - PUBLISHED
        entities:
          - name: Member
            fields:
              id: { type: cuid, primary: true, generated: true }
              role: { type: Role, default: USER }
              status: { type: Status, nullable: true }
        """

    static func structure(_ yaml: String) throws -> CanonicalEntity {
        let desired = TestSupport.desired(yaml)
        try #require(desired.isValid, "\(desired.errors)")
        return try #require(desired.entities.first?.structure)
    }

    static func codes(_ yaml: String, host: PrismaSchema? = TestSupport.hostSchema) -> [String] {
        TestSupport.validate(yaml, host: host).diagnostics.filter { $0.severity == .error }.map(\.code.rawValue)
    }

    @Test func aFieldNamingAnEnumHasItsValuesInOrder() throws {
        let member = try Self.structure(Self.yaml)
        let role = try #require(member.field(named: "role"))
        #expect(role.enumType == "Role" && role.enumValues == ["USER", "ADMIN", "GUEST"] && role.type == .string)
        #expect(member.field(named: "status")?.enumValues == ["DRAFT", "PUBLISHED"])
        // A plain `enum:` stays a set of allowed strings, sorted.
        let plain = try Self.structure("""
            entities:
              - name: Member
                fields:
                  id: { type: cuid, primary: true }
                  role: { type: string, enum: [USER, ADMIN, GUEST] }
            """)
        #expect(plain.field(named: "role")?.enumValues == ["ADMIN", "GUEST", "USER"] && plain.field(named: "role")?.enumType == nil)
    }

    @Test func theChecksumCoversTheTypeAndItsOrder() throws {
        let base = Checksum(of: try Self.structure(Self.yaml))
        let reordered = Checksum(of: try Self.structure(Self.yaml.replacingOccurrences(of: "[USER, ADMIN, GUEST]", with: "[ADMIN, USER, GUEST]")))
        let plain = Checksum(of: try Self.structure("""
            entities:
              - name: Member
                fields:
                  id: { type: cuid, primary: true, generated: true }
                  role: { type: string, enum: [USER, ADMIN, GUEST], default: USER }
                  status: { type: string, enum: [DRAFT, PUBLISHED], nullable: true }
            """))
        #expect(base != reordered, "PostgreSQL sorts by the declared order")
        #expect(base != plain, "an enum type is not a string with a CHECK")
        // Equal declarations in another spelling of the file are the same entity.
        let listForm = Checksum(of: try Self.structure("""
            enums:
              Status: [DRAFT, PUBLISHED]
              Role: [USER, ADMIN, GUEST]
            entities:
              - name: Member
                fields:
                  - { name: status, type: Status, nullable: true }
                  - { name: role, type: Role, default: USER }
                  - { name: id, type: cuid, primary: true, generated: true }
            """))
        #expect(base == listForm)
    }

    @Test func badDeclarationsAndUsesAreDiagnosedWhereTheyAreWritten() {
        func file(enums: String, field: String) -> String {
            """
            enums:
              \(enums)
            entities:
              - name: Member
                fields:
                  id: { type: cuid, primary: true }
                  \(field)
            """
        }
        #expect(Self.codes(file(enums: "Role: [USER, ADMIN]", field: "role: { type: Role, default: OWNER }")) == ["E025"])
        #expect(Self.codes(file(enums: "Role: [USER, ADMIN]", field: "role: { type: Role, maxLength: 3 }")) == ["E022"])
        #expect(Self.codes(file(enums: "Role: [USER, ADMIN]", field: "role: { type: Role, db: Text }")) == ["E022"])
        #expect(Self.codes(file(enums: "Role: [USER, ADMIN]", field: "role: { type: Role, enum: [A] }")) == ["E026"])
        #expect(Self.codes(file(enums: "Role: [USER, has space]", field: "role: { type: string }")) == ["E011"])
        #expect(Self.codes(file(enums: "Role: [USER, USER]", field: "role: { type: string }")) == ["E014"])
        #expect(Self.codes(file(enums: "Role: []", field: "role: { type: string }")) == ["E026"])
        #expect(Self.codes(file(enums: "String: [A]", field: "role: { type: string }")) == ["E013"])
        // Prisma takes a lower-case enum name (formbricks' `enum displayOptions`); a field type's name stays refused.
        #expect(Self.codes(file(enums: "displayOptions: [displayOnce, displayMultiple]", field: "r: { type: displayOptions, default: displayOnce }")) == [])
        #expect(Self.codes(file(enums: "string: [A]", field: "r: { type: string }")) == ["E013"])
        #expect(Self.codes(file(enums: "1role: [A]", field: "r: { type: string }")) == ["E011"])
        #expect(Self.codes(file(enums: "Member: [A]", field: "role: { type: string }")) == ["E061"])
        #expect(Self.codes(file(enums: "Role: [USER]", field: "role: { type: Rol }")) == ["E012"])
        let report = TestSupport.validate(file(enums: "Role: [USER, ADMIN]", field: "role: { type: Rol }"))
        #expect(report.diagnostics.contains { $0.hint?.contains("Role") == true }, "did you mean the declared enum")
        let located = TestSupport.validate(file(enums: "Role: [USER, ADMIN]", field: "role: { type: Role, default: OWNER }")).diagnostics.first
        #expect(located?.location.line == 7 && located?.location.column == 36, "\(String(describing: located))")
    }

    /// One enum type is one PostgreSQL type and one Prisma block: every package and the host must agree.
    @Test func declarationsAgreeAcrossPackagesAndTheHost() {
        func package(_ entity: String, _ values: String) -> String {
            """
            enums:
              Role: \(values)
            entities:
              - name: \(entity)
                fields:
                  id: { type: cuid, primary: true }
                  role: { type: Role }
            """
        }
        let agreeing = DesiredState.resolve(.inMemory(["a": package("Member", "[USER, ADMIN]"), "b": package("Guest", "[USER, ADMIN]")], baseSchema: TestSupport.hostSchema))
        #expect(agreeing.isValid, "\(agreeing.errors)")
        let differing = DesiredState.resolve(.inMemory(["a": package("Member", "[USER, ADMIN]"), "b": package("Guest", "[ADMIN, USER]")], baseSchema: TestSupport.hostSchema))
        #expect(differing.errors.map(\.code) == [.enumTypeConflict], "\(differing.errors)")
        // Said at the field whose declaration differs from the first one met, naming both packages.
        #expect(differing.errors.first.map { $0.message.contains("(a)") && $0.message.contains("b's Role") && $0.location.file.contains("/a/") } == true,
                "\(differing.errors)")

        let host = PrismaSchemaParser.parse(TestSupport.hostSchemaText + "\nenum Role {\n  USER\n  ADMIN @map(\"admin\")\n  @@map(\"role\")\n}\n", file: "prisma/schema.prisma").schema
        #expect(host.enumValues["Role"] == ["USER", "ADMIN"])
        // The host stores ADMIN as 'admin' in the type "role": a package must say the same.
        #expect(Self.codes(package("Member", "{ map: role, values: [USER, { ADMIN: admin }] }"), host: host).isEmpty)
        #expect(Self.codes(package("Member", "[USER, ADMIN]"), host: host) == ["E062"])
        #expect(Self.codes(package("Member", "{ map: role, values: [USER, { ADMIN: Admin }] }"), host: host) == ["E062"])
        #expect(Self.codes(package("Member", "{ map: role, values: [USER, { ADMIN: admin }, GUEST] }"), host: host) == ["E062"])
        // A host model of the enum's name.
        #expect(Self.codes(package("Member", "[A]").replacingOccurrences(of: "Role", with: "Tenant")) == ["E061"])
    }

    @Test func prismaDeclaresTheEnumsOnceAndTheGrammarReadsThem() throws {
        let member = try Self.structure(Self.yaml)
        let other = try Self.structure("""
            enums:
              Status: [DRAFT, PUBLISHED]
            entities:
              - name: Post
                fields:
                  id: { type: cuid, primary: true }
                  status: { type: Status, default: PUBLISHED }
            """)
        let fragment = PrismaArtifacts.fragment([member, other], host: TestSupport.hostSchema)
        let compact = fragment.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(compact.contains("role Role @default(USER)") && compact.contains("status Status?") && compact.contains("status Status @default(PUBLISHED)"), "\(fragment)")
        #expect(fragment.contains("enum Role {\n  USER\n  ADMIN\n  GUEST\n}") && fragment.components(separatedBy: "enum Status {").count == 2, "\(fragment)")
        #expect(!fragment.contains("one of:"))
        let merged = PrismaArtifacts.merged(baseText: TestSupport.hostSchemaText, host: TestSupport.hostSchema, entities: [member, other])
        if let blocks = try PrismaGrammar.blocks(of: merged) {
            #expect(blocks.contains("enum Role") && blocks.contains("enum Status") && blocks.contains("model Member"), "\(blocks)")
        }
        // The host's own enum is not declared twice.
        let host = PrismaSchemaParser.parse(TestSupport.hostSchemaText + "\nenum Role {\n  USER\n  ADMIN\n  GUEST\n}\n", file: "prisma/schema.prisma").schema
        let withHost = PrismaArtifacts.merged(baseText: TestSupport.hostSchemaText + "\nenum Role {\n  USER\n  ADMIN\n  GUEST\n}\n", host: host, entities: [member])
        #expect(withHost.components(separatedBy: "enum Role {").count == 2 && withHost.contains("enum Status {"))
        if let blocks = try PrismaGrammar.blocks(of: withHost) { #expect(blocks.filter { $0 == "enum Role" }.count == 1, "\(blocks)") }
    }

    static func statements(_ from: String?, _ to: String?, _ dialect: SQLDialect = .postgresql) throws -> [SQLStatement] {
        let renderer = MigrationSQLRenderer(dialect: dialect, primaryKeys: [:])
        return DerivedChange(from: try from.map(structure), to: try to.map(structure), renderer: renderer).statements
    }

    @Test func postgresCreatesTheTypeBeforeTheTableAndNoCheck() throws {
        let sql = try Self.statements(nil, Self.yaml)
        let types = sql.filter { $0.phase == .types }.map(\.sql)
        #expect(types.count == 2 && types[0].contains(#"CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN', 'GUEST')"#), "\(types)")
        let create = try #require(sql.first { $0.sql.hasPrefix("CREATE TABLE") }?.sql)
        #expect(create.contains(#""role" "Role" NOT NULL DEFAULT 'USER'"#) && create.contains(#""status" "Status","#) && !create.contains("CHECK"), "\(create)")
        #expect(SQLStatement.Phase.types < .tables && SQLStatement.Phase.dropIndexes < .types && SQLStatement.Phase.dropTables < .dropTypes)
        // SQLite: TEXT with the CHECK a plain enum has.
        let sqlite = try Self.statements(nil, Self.yaml, .sqlite).map(\.sql).joined(separator: "\n")
        #expect(sqlite.contains(#""role" TEXT NOT NULL DEFAULT 'USER'"#) && sqlite.contains(#"CHECK ("role" IN ('USER', 'ADMIN', 'GUEST'))"#), "\(sqlite)")
    }

    @Test func addedValuesAreAddedInPlaceAndADefaultOnOneWaitsForCommit() throws {
        let after = Self.yaml.replacingOccurrences(of: "[USER, ADMIN, GUEST]", with: "[OWNER, USER, ADMIN, EDITOR, GUEST, BANNED]")
            .replacingOccurrences(of: "default: USER", with: "default: EDITOR")
        let sql = try Self.statements(Self.yaml, after)
        #expect(sql.filter { $0.phase == .types }.map(\.sql) == [
            #"ALTER TYPE "Role" ADD VALUE IF NOT EXISTS 'OWNER' BEFORE 'USER'"#,
            #"ALTER TYPE "Role" ADD VALUE IF NOT EXISTS 'EDITOR' AFTER 'ADMIN'"#,
            #"ALTER TYPE "Role" ADD VALUE IF NOT EXISTS 'BANNED' AFTER 'GUEST'"#,
        ])
        let setDefault = try #require(sql.first { $0.sql.contains("SET DEFAULT") })
        #expect(setDefault.sql.hasSuffix("SET DEFAULT 'EDITOR'") && setDefault.stage == .finish)
        #expect(!sql.contains { $0.lock?.work == .rewrite } && !sql.contains { $0.sql.contains("CONSTRAINT") }, "\(sql.map(\.sql))")
    }

    @Test func removedOrReorderedValuesRemakeTheTypeAndCountTheRowsThatHoldThem() throws {
        let after = Self.yaml.replacingOccurrences(of: "[USER, ADMIN, GUEST]", with: "[ADMIN, USER]")
        let renderer = MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:])
        let derived = DerivedChange(from: try Self.structure(Self.yaml), to: try Self.structure(after), renderer: renderer)
        let remake = try #require(derived.statements.first { $0.phase == .types })
        #expect(remake.sql.contains(#"ALTER TYPE "Role" RENAME TO "Role_old""#) && remake.sql.contains(#"CREATE TYPE "Role" AS ENUM ('ADMIN', 'USER')"#)
                && remake.sql.contains(#"DROP TYPE "Role_old""#) && remake.lock?.work == .rewrite, "\(remake.sql)")
        #expect(derived.risks.contains { $0.code == "RW101" })
        let check = try #require(derived.checks.first { $0.kind == .violations })
        #expect(check.countSQL.contains(#""role"::text NOT IN ('ADMIN', 'USER')"#), "\(check.countSQL)")
    }

    @Test func aTypeNoColumnUsesIsDroppedAfterTheTables() throws {
        let after = """
            enums:
              Role: [USER, ADMIN, GUEST]
            entities:
              - name: Member
                fields:
                  id: { type: cuid, primary: true, generated: true }
                  role: { type: Role, default: USER }
            """
        let dropped = try Self.statements(Self.yaml, after).filter { $0.phase == .dropTypes }.map(\.sql)
        #expect(dropped.count == 1 && dropped[0].contains(#"DROP TYPE IF EXISTS "Status""#) && dropped[0].contains("dependent_objects_still_exist"), "\(dropped)")
        #expect(try Self.statements(Self.yaml, nil).filter { $0.phase == .dropTypes }.count == 2)
    }

    @Test func aStringBecomingAnEnumConvertsThroughItsTextAndKeepsTheDefault() throws {
        let before = """
            entities:
              - name: Member
                fields:
                  id: { type: cuid, primary: true, generated: true }
                  role: { type: string, default: USER }
            """
        let after = """
            enums:
              Role: [USER, ADMIN]
            entities:
              - name: Member
                fields:
                  id: { type: cuid, primary: true, generated: true }
                  role: { type: Role, default: USER }
            """
        let renderer = MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:])
        let derived = DerivedChange(from: try Self.structure(before), to: try Self.structure(after), renderer: renderer)
        let sql = derived.statements.map(\.sql)
        let drop = try #require(sql.firstIndex { $0.hasSuffix(#"ALTER COLUMN "role" DROP DEFAULT"#) })
        let convert = try #require(sql.firstIndex { $0.hasSuffix(#"SET DATA TYPE "Role" USING "role"::text::"Role""#) })
        let restore = try #require(sql.firstIndex { $0.hasSuffix(#"SET DEFAULT 'USER'"#) })
        #expect(drop < convert && convert < restore, "\(sql)")
        #expect(derived.checks.contains { $0.countSQL.contains(#""role"::text NOT IN ('USER', 'ADMIN')"#) })
    }

    /// Under rolling deploys an added value applies at the start; a removed one waits for `complete`.
    @Test func aRolloutAddsValuesInTheExpandAndRemovesThemInTheContract() throws {
        let old = try Self.structure(Self.yaml)
        let new = try Self.structure(Self.yaml.replacingOccurrences(of: "[USER, ADMIN, GUEST]", with: "[USER, OWNER, ADMIN]"))
        let expanded = Rollout.expanded(from: old, to: new)
        #expect(expanded.field(named: "role")?.enumValues == ["USER", "OWNER", "ADMIN", "GUEST"])
        #expect(Rollout.incompatibilities(from: old, to: new).map(\.kind) == [.tightenedField])
        let added = try Self.structure(Self.yaml.replacingOccurrences(of: "[USER, ADMIN, GUEST]", with: "[USER, ADMIN, GUEST, OWNER]"))
        #expect(Rollout.incompatibilities(from: old, to: added).isEmpty)
    }

    /// Prisma takes an enum whose name starts lower-case (formbricks' `enum displayOptions`):
    /// `import-prisma` carries it under its own name, which Prisma Client and the database type keep.
    @Test func aLowerCaseEnumOfAPrismaSchemaIsCarried() throws {
        let schema = PrismaSchemaParser.parse("""
            datasource db {
              provider = "postgresql"
            }
            enum displayOptions {
              displayOnce
              displayMultiple
            }
            model Survey {
              id            String         @id
              displayOption displayOptions @default(displayOnce)
            }
            """, file: "schema.prisma").schema
        let imported = PrismaImport.package(from: schema)
        #expect(imported.limits.isEmpty, "\(imported.limits)")
        let desired = TestSupport.desired(imported.yaml, host: PrimaryKeyNameTests.postgresHost)
        try #require(desired.isValid, "\(desired.errors)\n\(imported.yaml)")
        let field = try #require(desired.entities.first?.structure.field(named: "displayOption"))
        #expect(field.enumType == "displayOptions" && field.enumValues == ["displayOnce", "displayMultiple"], "\(field)")
        let sql = DerivedChange(from: nil, to: try #require(desired.entities.first?.structure), renderer: MigrationSQLRenderer(dialect: .postgresql, primaryKeys: [:]))
            .statements.map(\.sql).joined(separator: "\n")
        #expect(sql.contains(#"CREATE TYPE "displayOptions" AS ENUM ('displayOnce', 'displayMultiple')"#), "\(sql)")
    }
}
