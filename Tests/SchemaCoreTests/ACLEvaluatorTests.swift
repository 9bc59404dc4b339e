import SchemaCore
import Testing

@Suite struct ACLEvaluatorTests {
    static let entity: CanonicalEntity = {
        let yaml = """
            entities:
              - name: Doc
                fields:
                  id: { type: cuid, primary: true }
                  ownerId: { type: string }
                  isPublic: { type: boolean, default: false }
                acl:
                  create: [user]
                  read: [public]
                  update: [self, admin]
                  delete: [self, moderator]
                  rowLevel: "ownerId = $user.id OR isPublic = true"
            """
        return EntitiesFileParser.parse(yaml, file: "x").entities.map(CanonicalEntity.init).first
            ?? CanonicalEntity(name: "missing", fields: [], indexes: [], relations: [], acl: nil)
    }()

    static let row: [String: RowValue] = ["id": .text("d1"), "ownerId": .text("u1"), "isPublic": .bool(false)]

    @Test(arguments: [
        (ACLOperation.read, AccessPrincipal.anonymous, true),
        (.create, .anonymous, false),
        (.create, AccessPrincipal(id: "u9", roles: ["user"]), true),
        (.update, AccessPrincipal(id: "u1", roles: ["user"]), true),
        (.update, AccessPrincipal(id: "u2", roles: ["user"]), false),
        (.update, AccessPrincipal(id: "u2", roles: ["moderator"]), false),
        (.update, AccessPrincipal(id: "u2", roles: ["admin"]), true),
        (.update, AccessPrincipal(id: "u2", roles: ["supergod"]), true),
        (.delete, AccessPrincipal(id: "u2", roles: ["moderator"]), true),
        (.delete, AccessPrincipal(id: nil, roles: ["user"]), false),
        (.update, AccessPrincipal.system, false),
    ])
    func decisions(_ operation: ACLOperation, _ principal: AccessPrincipal, _ allowed: Bool) {
        #expect(ACLEvaluator.evaluate(operation, on: Self.entity, by: principal, row: Self.row).allowed == allowed)
    }

    @Test func rowLevelRuleGrantsSelfOnSharedRows() {
        var shared = Self.row
        shared["isPublic"] = .bool(true)
        #expect(ACLEvaluator.evaluate(.update, on: Self.entity, by: AccessPrincipal(id: "u2", roles: ["user"]), row: shared).allowed)
    }

    @Test func noneSystemAndUndeclaredOperations() {
        let acl = CanonicalACL(rules: [.read: ["none"], .update: ["system"]], rowLevel: nil)
        let entity = CanonicalEntity(name: "Job", fields: [CanonicalField(name: "id", type: .cuid, optional: false, primary: true)],
                                     indexes: [], relations: [], acl: acl)
        #expect(!ACLEvaluator.evaluate(.read, on: entity, by: AccessPrincipal(id: "x", roles: ["supergod"]), row: [:]).allowed)
        #expect(ACLEvaluator.evaluate(.update, on: entity, by: .system, row: [:]).allowed)
        #expect(!ACLEvaluator.evaluate(.update, on: entity, by: AccessPrincipal(id: "x", roles: ["admin"]), row: [:]).allowed)
        #expect(!ACLEvaluator.evaluate(.delete, on: entity, by: AccessPrincipal(id: "x", roles: ["admin"]), row: [:]).allowed)
    }

    @Test func policiesAreCompiledNotPasted() {
        let sql = RowLevelSecurity.statements(for: Self.entity, primaryKeys: [:]).joined(separator: "\n")
        #expect(sql.contains(#"CREATE POLICY "Doc_update" ON "Doc" FOR UPDATE USING ("#))
        #expect(sql.contains(#""Doc"."ownerId"::text = current_setting('app.user_id', true)"#))
        #expect(sql.contains(#""Doc"."isPublic" = true"#))
        #expect(!sql.contains("$user"))
    }
}
