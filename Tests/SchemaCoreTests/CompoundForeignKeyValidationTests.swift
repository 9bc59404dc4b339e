import SchemaCore
import Testing

/// A foreign key of several fields (`fields:`), or to a unique index (`references:`): what
/// validation accepts and what it refuses, each with the diagnostic a user can act on.
struct CompoundForeignKeyValidationTests {
    static let entities = """
        entities:
          - name: Rule
            fields:
              id: { type: string, primary: true }
              accountId: { type: string }
              title: { type: string }
              rank: { type: int }
            indexes:
              - { fields: [id, accountId], unique: true }
          - name: Membership
            primaryKey: [tenantId, userId]
            fields:
              tenantId: { type: string }
              userId: { type: string }
          - name: Action
            fields:
              id: { type: string, primary: true }
              ruleId: { type: string }
              accountId: { type: string }
              tenantId: { type: string, nullable: true }
              userId: { type: string, nullable: true }
              count: { type: int }
            relations:
              - { name: rule, type: belongsTo, entity: Rule, fields: [ruleId, accountId], references: [id, accountId] }

        """

    static func codes(_ relation: String? = nil) -> [String] {
        let yaml = relation.map { entities + "      - \($0)\n" } ?? entities
        return TestSupport.validate(yaml, host: nil).diagnostics.filter { $0.severity == .error }.map(\.code.rawValue)
    }

    @Test func aKeyOfSeveralFieldsToAUniqueIndexOrTheKeyIsValid() {
        #expect(Self.codes() == [])
        #expect(Self.codes("{ name: membership, type: belongsTo, entity: Membership, fields: [tenantId, userId] }") == [])
        // Referencing the fields in another order than the index lists them is fine: the set is unique.
        #expect(Self.codes("{ name: other, type: belongsTo, entity: Rule, relationName: Other, fields: [accountId, ruleId], references: [accountId, id] }") == [])
    }

    @Test func whatCannotBeAForeignKeyIsRefused() {
        // `references:` naming the primary key is what a relation references without it.
        #expect(Self.codes("{ name: other, type: belongsTo, entity: Rule, relationName: Other, field: ruleId, references: [id] }") == [])
        // Fields that are not unique together.
        #expect(Self.codes("{ name: other, type: belongsTo, entity: Rule, relationName: Other, fields: [ruleId, accountId], references: [id, title] }") == ["E039"])
        #expect(Self.codes("{ name: other, type: belongsTo, entity: Rule, relationName: Other, fields: [ruleId, accountId], references: [id, nope] }") == ["E039"])
        // One field per referenced field, of its type.
        #expect(Self.codes("{ name: membership, type: belongsTo, entity: Membership, fields: [tenantId] }") == ["E032"])
        #expect(Self.codes("{ name: membership, type: belongsTo, entity: Membership, field: tenantId }") == ["E032"])
        #expect(Self.codes("{ name: membership, type: belongsTo, entity: Membership, fields: [tenantId, count] }") == ["E032"])
        #expect(Self.codes("{ name: membership, type: belongsTo, entity: Membership, fields: [tenantId, missing] }") == ["E031"])
        // SET NULL empties every column of the key.
        #expect(Self.codes("{ name: other, type: belongsTo, entity: Rule, relationName: Other, fields: [ruleId, accountId], references: [id, accountId], onDelete: SetNull }") == ["E033"])
        // `references:` belongs to the side that holds the key.
        #expect(Self.codes("{ name: others, type: hasMany, entity: Rule, references: [id] }").contains("E036"))
        // Both spellings of the key at once.
        #expect(Self.codes("{ name: other, type: belongsTo, entity: Rule, relationName: Other, field: ruleId, fields: [ruleId, accountId], references: [id, accountId] }").contains("E014"))
    }

    @Test func theMessagesSayWhatToWrite() {
        let report = TestSupport.validate(Self.entities + "      - { name: membership, type: belongsTo, entity: Membership, field: tenantId }\n", host: nil)
        let diagnostic = report.diagnostics.first { $0.code == .relationTypeMismatch }
        #expect(diagnostic?.message.contains("whose primary key has several fields (tenantId, userId)") == true, "\(report.diagnostics)")
        #expect(diagnostic?.hint?.contains("fields: [") == true, "\(String(describing: diagnostic?.hint))")
    }

    /// The checksum of a relation written as before is what it always was: `fields:` counts only
    /// for several fields, `references:` only when it names other fields than the primary key.
    @Test func aKeyOfOneFieldKeepsItsChecksum() throws {
        let one = "entities:\n  - name: Owner\n    fields:\n      id: { type: string, primary: true }\n  - name: Pet\n    fields:\n      id: { type: string, primary: true }\n      ownerId: { type: string }\n    relations:\n"
        let plain = TestSupport.desired(one + "      - { name: owner, type: belongsTo, entity: Owner, field: ownerId }\n", host: nil)
        let listed = TestSupport.desired(one + "      - { name: owner, type: belongsTo, entity: Owner, fields: [ownerId] }\n", host: nil)
        // Prisma's habit, `references: [id]`, is the same structure.
        let referenced = TestSupport.desired(one + "      - { name: owner, type: belongsTo, entity: Owner, fields: [ownerId], references: [id] }\n", host: nil)
        let pet = { (desired: DesiredState) in desired.entities.first { $0.structure.name == "Pet" }?.checksum }
        #expect(pet(plain) != nil && pet(plain) == pet(listed) && pet(plain) == pet(referenced))
        #expect(!CanonicalEncoding.encode(try #require(plain.entities.first { $0.structure.name == "Pet" }?.structure)).contains("references"))
    }

    /// A row-level rule through a key of several fields (`rule.ownerId = $user.id`) finds the
    /// parent row by every column of the key (PostgreSQL's policy).
    @Test func aRowLevelRuleFollowsEveryColumnOfTheKey() throws {
        let yaml = Self.entities.replacingOccurrences(of: "      title: { type: string }\n", with: "      title: { type: string }\n      ownerId: { type: string }\n")
            + "    acl:\n      read: [self]\n      rowLevel: \"rule.ownerId = $user.id\"\n"
        let desired = TestSupport.desired(yaml, host: nil)
        try #require(desired.isValid, "\(desired.errors.map(\.message))")
        let sql = MigrationPlanner.plan(desired: desired.entities, applied: [], dialect: .postgresql, host: nil).flatMap(\.statements).map(\.sql)
        let policy = try #require(sql.first { $0.contains("CREATE POLICY") && $0.contains("parent.") }, "\(sql)")
        #expect(policy.contains(#"WHERE parent."id" = "Action"."ruleId" AND parent."accountId" = "Action"."accountId")"#), "\(policy)")
    }

    /// A key of two fields to a host model renamed with `@@map`/`@map` and keyed by
    /// `@@unique([id, accountId])` references the host's table and columns by their database names.
    @Test func aKeyToAMappedHostModelNamesItsTableAndColumns() throws {
        let host = PrismaSchemaParser.parse("""
            datasource db {
              provider = "postgresql"
              url      = env("DATABASE_URL")
            }

            model Rule {
              id        String @id @map("rule_id")
              accountId String @map("account_id")

              @@unique([id, accountId])
              @@map("rules")
            }
            """, file: "schema.prisma").schema
        let yaml = """
            entities:
              - name: Action
                fields:
                  id: { type: string, primary: true }
                  ruleId: { type: string }
                  accountId: { type: string }
                relations:
                  - { name: rule, type: belongsTo, entity: Rule, fields: [ruleId, accountId], references: [id, accountId] }
            """
        let desired = TestSupport.desired(yaml, host: host)
        try #require(desired.isValid, "\(desired.errors.map(\.message))")
        #expect(TestSupport.validate(yaml.replacingOccurrences(of: "references: [id, accountId]", with: "references: [accountId]"), host: host)
                    .diagnostics.map(\.code.rawValue).contains("E039"))
        let sql = MigrationPlanner.plan(desired: desired.entities, applied: [], dialect: .postgresql, host: host).flatMap(\.statements).map(\.sql)
        #expect(sql.contains { $0.contains(#"FOREIGN KEY ("ruleId", "accountId") REFERENCES "rules"("rule_id", "account_id")"#) }, "\(sql)")
        let fragment = PrismaArtifacts.fragment(desired.entities.map(\.structure), host: host)
        let lines = fragment.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines.contains("rule Rule @relation(fields: [ruleId, accountId], references: [id, accountId], onDelete: Restrict)")
                    && lines.contains("// Rule.actions Action[]"), "\(fragment)")
    }
}
