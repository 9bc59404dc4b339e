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

    /// `rowLevel` says who owns a row. Its alternative `isPublic = true` holds for rows of every
    /// user, so it makes nobody an owner: a shared row stays its owner's to update and delete.
    @Test func onlyAlternativesThatIdentifyTheUserGrantOwnership() {
        var shared = Self.row
        shared["isPublic"] = .bool(true)
        let stranger = AccessPrincipal(id: "u2", roles: ["user"])
        #expect(!ACLEvaluator.evaluate(.update, on: Self.entity, by: stranger, row: shared).allowed)
        #expect(!ACLEvaluator.evaluate(.delete, on: Self.entity, by: stranger, row: shared).allowed)
        #expect(ACLEvaluator.evaluate(.update, on: Self.entity, by: AccessPrincipal(id: "u1", roles: ["user"]), row: shared).allowed)
        #expect(Self.entity.acl?.rowLevel?.expression.ownership?.canonicalText == "ownerId = $user.id")
    }

    /// `readableWhen` is the visibility rule: rows it holds for are readable by everyone, nothing else.
    @Test func readableWhenGrantsReadingOnly() throws {
        let report = TestSupport.validate(#"""
            entities:
              - name: Post
                fields:
                  id: { type: cuid, primary: true }
                  authorId: { type: string }
                  status: { type: string, enum: [draft, published] }
                acl:
                  read: [self, moderator]
                  update: [self, moderator]
                  rowLevel: "authorId = $user.id"
                  readableWhen: "status = 'published'"
            """#)
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
        let post = try #require(report.definitions.first?.canonical)
        let published: [String: RowValue] = ["id": .text("p1"), "authorId": .text("u1"), "status": .text("published")]
        let draft = published.merging(["status": .text("draft")]) { $1 }
        let reader = AccessPrincipal(id: "u2", roles: ["user"])
        #expect(ACLEvaluator.evaluate(.read, on: post, by: .anonymous, row: published).allowed)
        #expect(!ACLEvaluator.evaluate(.read, on: post, by: reader, row: draft).allowed)
        #expect(ACLEvaluator.evaluate(.read, on: post, by: AccessPrincipal(id: "u1", roles: ["user"]), row: draft).allowed)
        #expect(!ACLEvaluator.evaluate(.update, on: post, by: reader, row: published).allowed)
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
        #expect(sql.contains(#""Doc"."ownerId"::text = NULLIF(current_setting('app.user_id', true), '')"#))
        // The alternative that does not identify the user is not part of the ownership test.
        #expect(!sql.contains(#""Doc"."isPublic""#))
        #expect(!sql.contains("$user"))
    }
}
