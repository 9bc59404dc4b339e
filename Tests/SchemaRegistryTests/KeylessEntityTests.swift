import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// A model without `@id` but with a unique criterion of required fields, which Prisma allows and
/// the Auth.js adapter's `VerificationToken` is (hoppscotch has two such models): the table has no
/// primary key, as Prisma Migrate makes it; changes find its rows without one.
@Suite struct KeylessEntityTests {
    static func yaml(note: String = "note: { type: string, nullable: true }") -> String {
        """
        entities:
          - name: VerificationToken
            fields:
              identifier: { type: string }
              token: { type: string, unique: true }
              expires: { type: datetime }
              \(note)
            indexes:
              - fields: [identifier, token]
                unique: true
        """
    }

    /// Prisma Migrate's SQL for `model VerificationToken { identifier String  token String @unique
    /// expires DateTime  note String?  @@unique([identifier, token]) }`, by hand.
    static func prismaMigrateSQL(_ dialect: SQLDialect) -> [String] {
        let time = dialect == .postgresql ? "TIMESTAMP(3)" : "DATETIME"
        return [
            """
            CREATE TABLE "VerificationToken" (
                "identifier" TEXT NOT NULL,
                "token" TEXT NOT NULL,
                "expires" \(time) NOT NULL,
                "note" TEXT
            )
            """,
            #"CREATE UNIQUE INDEX "VerificationToken_token_key" ON "VerificationToken"("token")"#,
            #"CREATE UNIQUE INDEX "VerificationToken_identifier_token_key" ON "VerificationToken"("identifier", "token")"#,
        ]
    }

    @Test(arguments: Backend.available)
    func theTableHasNoKeyAndChangesFindItsRows(_ backend: Backend) throws {
        let desired = try Desired.from(["auth": Self.yaml()])
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.map(\.entity) == ["VerificationToken"])
        #expect(try Introspection.describe(database) == Introspection.oracle(backend) { Self.prismaMigrateSQL($0) })
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
        let fragment = PrismaArtifacts.fragment(desired.entities.map(\.structure), host: desired.host)
        #expect(!fragment.contains("@id") && fragment.contains("@@unique([identifier, token])") && fragment.contains("@unique"), "\(fragment)")

        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "VerificationToken" ("identifier", "token", "expires", "note") VALUES ('a', 't1', CURRENT_TIMESTAMP, NULL), ('b', 't2', CURRENT_TIMESTAMP, 'kept')"#)
        }
        // Required without a default: refused, the NULL row named by where it is stored.
        let strict = try Desired.from(["auth": Self.yaml(note: "note: { type: string }")])
        _ = try registry.scan(strict, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: strict.renderContext)
        let refused = try registry.applyApproved(strict)
        #expect(refused.refused.map(\.code) == [.dataViolation], "\(refused.refused)")
        let example = backend == .postgres ? "for example (0,1)" : "for example 1"
        #expect(refused.refused.first?.message.contains(example) == true, "\(refused.refused)")

        // Required with a default: the NULL is filled (on PostgreSQL in batches found by ctid), whole:
        // a rollout's walks need a key.
        let filled = try Desired.from(["auth": Self.yaml(note: "note: { type: string, default: \"-\" }")])
        _ = try registry.scan(filled, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: filled.renderContext)
        let applied = try registry.applyApproved(filled)
        #expect(applied.applied.map(\.entity) == ["VerificationToken"], "\(applied.refused)")
        let notes = try database.withLockedTransaction { try $0.query(#"SELECT "note" FROM "VerificationToken" ORDER BY "identifier""#, []) }
        #expect(notes.compactMap { $0["note"]?.text } == ["-", "kept"])
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)

        // Drift on it is repaired like any other: the table read back has no key, as its snapshot.
        try database.withLockedTransaction { try $0.execute(#"DROP INDEX "VerificationToken_token_key""#) }
        #expect(try registry.drift(host: Desired.host).hasDrift)
        let repairs = try registry.queueRepairs(host: Desired.host, principal: "ci")
        #expect(repairs.refused.isEmpty && repairs.queued.count == 1, "\(repairs.refused)")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: filled.renderContext)
        #expect(try registry.applyApproved(filled).applied.count == 1)
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// Under rolling deploys a rename on a table without a key is not rolled out (its page walks
    /// and triggers find rows by key): it applies whole, with its BC102 risk, and opens no rollout.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aRenameOnAKeylessTableAppliesWhole() throws {
        let desired = try Desired.from(["auth": Self.yaml()])
        let (database, registry, _) = try Registry.applied(desired, on: .postgres)
        defer { database.close() }
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "VerificationToken" ("identifier", "token", "expires", "note") VALUES ('a', 't1', now(), 'kept')"#) }
        let renamed = try Desired.from(["auth": Self.yaml(note: "memo: { type: string, nullable: true, renamedFrom: note }")])
        let change = try #require(try registry.scan(renamed, principal: "ci").queued.first)
        #expect(change.statements.allSatisfy { $0.part == nil || $0.part == .expand } && change.statements.contains { $0.sql.contains(#"RENAME COLUMN "note" TO "memo""#) },
                "\(change.statements.map(\.sql))")
        #expect(change.risks.contains { $0.code == "BC102" })
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: renamed.renderContext)
        #expect(try registry.applyApproved(renamed).applied.map(\.entity) == ["VerificationToken"])
        let memo = try database.withLockedTransaction { try $0.query(#"SELECT "memo" FROM "VerificationToken""#, []) }
        #expect(memo.compactMap { $0["memo"]?.text } == ["kept"])
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    @Test func aKeylessEntityNeedsARequiredUniqueCriterionAndCannotBeReferenced() {
        #expect(Desired.errorCodes(Self.yaml()) == [])
        #expect(Desired.errorCodes("entities:\n  - name: Loose\n    fields:\n      a: { type: string }\n") == ["E020"])
        #expect(Desired.errorCodes("entities:\n  - name: Loose\n    fields:\n      a: { type: string, nullable: true, unique: true }\n") == ["E020"],
                "a unique field that may be NULL identifies no row")
        let referenced = Self.yaml() + """

              - name: Login
                fields:
                  id: { type: cuid, primary: true, generated: true }
                  token: { type: string }
                relations:
                  - { name: verification, type: belongsTo, entity: VerificationToken, field: token }
            """
        #expect(Desired.errorCodes(referenced) == ["E032"], "a foreign key references a primary key")
    }

    /// import-prisma carries the Auth.js model, and its output validates.
    @Test func importPrismaCarriesAKeylessModel() {
        let schema = PrismaSchemaParser.parse("""
            model VerificationToken {
              identifier String
              token      String   @unique
              expires    DateTime

              @@unique([identifier, token])
            }

            model Loose {
              a String?
            }
            """, file: "schema.prisma").schema
        let imported = PrismaImport.package(from: schema)
        #expect(imported.yaml.contains("  - name: VerificationToken") && !imported.yaml.contains("name: Loose"), "\(imported.yaml)")
        #expect(imported.limits.count == 1 && imported.limits.first?.contains("Loose: it has no primary key") == true, "\(imported.limits)")
        #expect(Desired.errorCodes(imported.yaml) == [], "\(imported.yaml)")
    }
}
