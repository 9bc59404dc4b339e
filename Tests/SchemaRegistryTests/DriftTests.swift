import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// `schema drift` on real databases: a fresh apply has none; each kind of hand-made change is
/// reported with its table and column; `apply` refuses changes to a drifted table with nothing
/// changed; a repair goes through approval and brings the table back; accepting records the live shape.
@Suite(.serialized) struct DriftTests {
    static let yaml = """
        entities:
          - name: Owner
            fields:
              id: { type: string, primary: true }
          - name: Ticket
            fields:
              id: { type: string, primary: true }
              ownerId: { type: string }
              title: { type: string, maxLength: 100 }
              status: { type: string, enum: [open, closed], default: open }
              rank: { type: int, default: 0 }
              note: { type: string, nullable: true }
              opened: { type: datetime, default: now }
              flag: { type: boolean, default: false }
              ratio: { type: float, default: -1.5 }
            indexes:
              - fields: [title]
            relations:
              - { name: owner, type: belongsTo, entity: Owner, field: ownerId }
        """
    /// A change an admin approved for Ticket, which drift must hold back.
    static let withMemo = yaml.replacingOccurrences(of: "      note: { type: string, nullable: true }",
                                                    with: "      note: { type: string, nullable: true }\n      memo: { type: string, nullable: true }")

    /// A hand-made change: SQL per backend, and what drift must report.
    struct Kind: Sendable, CustomStringConvertible {
        var description: String
        var postgres: [String]
        /// SQLite: statements, or a rewrite of the table's CREATE TABLE text (SQLite cannot alter most things in place).
        var sqlite: SQLiteChange
        var expected: DriftDifference.Kind
        var object: String
        var sqliteObject: String?

        func object(_ backend: Backend) -> String { backend == .sqlite ? sqliteObject ?? object : object }

        enum SQLiteChange: Sendable {
            case statements([String])
            case rebuild(String, String)
        }
    }

    static let kinds: [Kind] = [
        Kind(description: "column added", postgres: [#"ALTER TABLE "Ticket" ADD COLUMN "extra" TEXT"#],
             sqlite: .statements([#"ALTER TABLE "Ticket" ADD COLUMN "extra" TEXT"#]), expected: .columnAdded, object: "extra"),
        Kind(description: "column dropped", postgres: [#"ALTER TABLE "Ticket" DROP COLUMN "note""#],
             sqlite: .statements([#"ALTER TABLE "Ticket" DROP COLUMN "note""#]), expected: .columnRemoved, object: "note"),
        Kind(description: "column retyped", postgres: [#"ALTER TABLE "Ticket" ALTER COLUMN "rank" TYPE BIGINT"#],
             sqlite: .rebuild(#""rank" INTEGER"#, #""rank" BIGINT"#), expected: .columnChanged, object: "rank"),
        Kind(description: "index dropped", postgres: [#"DROP INDEX "Ticket_title_idx""#],
             sqlite: .statements([#"DROP INDEX "Ticket_title_idx""#]), expected: .indexRemoved, object: "Ticket_title_idx"),
        Kind(description: "foreign key dropped", postgres: [#"ALTER TABLE "Ticket" DROP CONSTRAINT "Ticket_ownerId_fkey""#],
             sqlite: .rebuild(#",\#n    CONSTRAINT "Ticket_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Owner" ("id") ON DELETE RESTRICT ON UPDATE CASCADE"#, ""),
             // SQLite's catalog keeps no constraint names: a key is told by its columns.
             expected: .foreignKeyRemoved, object: "Ticket_ownerId_fkey", sqliteObject: "ownerId"),
        Kind(description: "default changed", postgres: [#"ALTER TABLE "Ticket" ALTER COLUMN "rank" SET DEFAULT 5"#],
             sqlite: .rebuild(#""rank" INTEGER NOT NULL DEFAULT 0"#, #""rank" INTEGER NOT NULL DEFAULT 5"#), expected: .columnChanged, object: "rank"),
    ]

    /// A database with ``yaml`` applied and an admin.
    static func applied(_ backend: Backend) throws -> (any RegistryDatabase, Registry) {
        let (database, registry, outcome) = try Registry.applied(try Desired.from(["desk": yaml]), on: backend)
        #expect(outcome.applied.count == 2)
        return (database, registry)
    }

    /// The schema a fresh database gets from `yaml`.
    static func fresh(_ backend: Backend, _ yaml: String) throws -> [String] {
        let (database, _, _) = try Registry.applied(try Desired.from(["desk": yaml]), on: backend)
        defer { database.close() }
        return try Introspection.describe(database)
    }

    static func make(_ kind: Kind, _ database: any RegistryDatabase) throws {
        try database.withLockedTransaction { connection in
            switch (connection.dialect, kind.sqlite) {
            case (.postgresql, _):
                for statement in kind.postgres { try connection.execute(statement) }
            case (.sqlite, .statements(let statements)):
                for statement in statements { try connection.execute(statement) }
            case (.sqlite, .rebuild(let old, let new)):
                let sql = try #require(try connection.query(#"SELECT "sql" FROM "sqlite_master" WHERE "name" = 'Ticket'"#, []).first?["sql"]?.text)
                try #require(sql.contains(old), "\(kind): `\(old)` is not in \(sql)")
                let rebuilt = sql.replacingOccurrences(of: old, with: new).replacingOccurrences(of: #"CREATE TABLE "Ticket""#, with: #"CREATE TABLE "Ticket_new""#)
                try connection.execute(rebuilt)
                try connection.execute(#"INSERT INTO "Ticket_new" SELECT * FROM "Ticket""#)
                try connection.execute(#"DROP TABLE "Ticket""#)
                try connection.execute(#"ALTER TABLE "Ticket_new" RENAME TO "Ticket""#)
                try connection.execute(#"CREATE INDEX "Ticket_title_idx" ON "Ticket"("title")"#)
            }
        }
    }

    @Test(arguments: Backend.available)
    func aFreshApplyHasNoDrift(_ backend: Backend) throws {
        let (database, registry) = try Self.applied(backend)
        defer { database.close() }
        let report = try registry.drift(host: TestHost.schema)
        #expect(report.checked.sorted() == ["Owner", "Ticket"])
        #expect(!report.hasDrift, "\(report.drifted.flatMap(\.differences).map(\.description))")
    }

    @Test(arguments: Backend.available, Self.kinds)
    func handMadeChangesAreReportedHeldBackAndRepairedThroughReview(_ backend: Backend, _ kind: Kind) throws {
        let (database, registry) = try Self.applied(backend)
        defer { database.close() }
        try Self.make(kind, database)

        let report = try registry.drift(host: TestHost.schema)
        let differences = report.drifted.flatMap(\.differences)
        #expect(report.drifted.map(\.entity) == ["Ticket"])
        #expect(differences.contains { $0.kind == kind.expected && $0.object == kind.object(backend) }, "\(differences.map(\.description))")

        // An approved change to the drifted table is held back, with nothing changed and the approval kept.
        let desired = try Desired.from(["desk": Self.withMemo])
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
        let drifted = try Introspection.describe(database)
        let held = try registry.applyApproved(desired)
        #expect(held.applied.isEmpty)
        #expect(held.refused.map(\.code) == [.drift])
        #expect(held.refused.first?.message.contains(kind.object(backend)) == true, "\(held.refused)")
        #expect(try Introspection.describe(database) == drifted)
        #expect(try registry.items(in: [.approved]).count == 1)
        #expect(try registry.audit().contains { $0.action == "apply-refused" && ($0.detail ?? "").hasPrefix("drift") })

        // The repair: queued for review, approved, applied; then the held change applies.
        let repairs = try registry.queueRepairs(host: TestHost.schema, principal: "ci")
        #expect(repairs.refused.isEmpty, "\(repairs.refused)")
        let repair = try #require(repairs.queued.first)
        #expect(repair.action == .repair && repair.state == .pending)
        #expect(try registry.queueRepairs(host: TestHost.schema, principal: "ci").unchanged.map(\.id) == [repair.id], "queuing twice queues once")
        let decision = try registry.approve(.ids([repair.id]), as: "alice", allowDataLoss: true, allowRewrite: true)
        #expect(decision.refused.isEmpty, "\(decision.refused)")
        // One start repairs the table, then applies the change the drift held back.
        let repaired = try registry.applyApproved(desired)
        #expect(repaired.applied.map(\.action) == [.repair, .alter], "\(repaired.refused)")
        #expect(repaired.refused.isEmpty, "\(repaired.refused)")
        #expect(!(try registry.drift(host: TestHost.schema)).hasDrift)
        #expect(try Introspection.describe(database) == (try Self.fresh(backend, Self.withMemo)))
    }

    @Test(arguments: Backend.available)
    func anAdminCanAcceptTheLiveShapeAndTheNextScanPlansFromIt(_ backend: Backend) throws {
        let (database, registry) = try Self.applied(backend)
        defer { database.close() }
        try Self.make(Self.kinds[0], database) // a column "extra" added by hand
        #expect(errorCode { try registry.acceptDrift(["Ticket"], as: "mallory", host: TestHost.schema) } == .notAdmin)
        #expect(try registry.drift(host: TestHost.schema).hasDrift)
        let accepted = try registry.acceptDrift(["Ticket"], as: "alice", host: TestHost.schema)
        #expect(accepted.accepted == ["Ticket"] && accepted.refused.isEmpty, "\(accepted.refused)")
        #expect(!(try registry.drift(host: TestHost.schema)).hasDrift)
        #expect(try registry.appliedDigest() == AppliedDigest(checksums: try registry.appliedChecksums()),
                "the digest a start compares follows the accepted snapshot")
        #expect(try registry.audit().contains { $0.action == "drift-accept" && $0.principal == "alice" })
        // The package files do not have the column: the next scan plans to drop it, for review.
        let queued = try registry.scan(try Desired.from(["desk": Self.yaml]), principal: "ci").queued
        #expect(queued.map(\.entity) == ["Ticket"])
        #expect(queued.first?.operations.contains { $0.contains("drop column Ticket.extra") } == true, "\(queued.first?.operations ?? [])")
    }

    @Test(arguments: Backend.available)
    func aRepairPlannedForOneDriftDoesNotRunOnAnother(_ backend: Backend) throws {
        let (database, registry) = try Self.applied(backend)
        defer { database.close() }
        try Self.make(Self.kinds[0], database)
        let repair = try #require(try registry.queueRepairs(host: TestHost.schema, principal: "ci").queued.first)
        _ = try registry.approve(.ids([repair.id]), as: "alice", allowDataLoss: true)
        try database.withLockedTransaction { try $0.execute(#"ALTER TABLE "Ticket" ADD COLUMN "another" TEXT"#) }
        let outcome = try registry.applyApproved(try Desired.from(["desk": Self.yaml]))
        #expect(outcome.applied.isEmpty)
        #expect(outcome.refused.map(\.code) == [.baseChanged], "\(outcome.refused)")
        #expect(try Introspection.describe(database).contains { $0.contains("another") })
    }
}

/// The host models the test databases have (``Backend/makeDatabase()`` creates their tables).
enum TestHost {
    static let schema: PrismaSchema? = {
        let text = "datasource db {\n  provider = \"postgresql\"\n}\n\nmodel Tenant {\n  id   String @id\n  name String\n}\n\nmodel User {\n  id    String @id\n  email String\n}\n"
        return PrismaSchemaParser.parse(text, file: "schema.prisma").schema
    }()
}

/// The real MetaBuilder corpus, applied to both databases: the tables `schema` creates must match
/// what drift detection expects, name by name (long names included), or every start would refuse.
@Suite struct CorpusDriftTests {
    static let corpus: URL? = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus/metabuilder").standardizedFileURL
        if FileManager.default.fileExists(atPath: url.path) { return url }
        print("CorpusDriftTests skipped: ../shared/corpus/metabuilder is not beside the project (a user's clone)")
        return nil
    }()

    @Test(.enabled(if: corpus != nil, "../shared/corpus/metabuilder is absent"), arguments: Backend.available)
    func theCorpusAppliedHasNoDrift(_ backend: Backend) throws {
        let root = try #require(Self.corpus)
        // The packages the corpus's own conflicts involve are left out; the rest must be valid.
        let all = WorkspaceLoader(root: root).load()
        let broken = Set(Validator.validate(all).diagnostics.filter { $0.severity == .error }.compactMap { diagnostic in
            all.packages.first { diagnostic.location.file.contains("/\($0.packageId)/") }?.packageId
        })
        let selected = all.packages.map(\.packageId).filter { !broken.contains($0) }
        let desired = DesiredState.resolve(WorkspaceLoader(root: root).load(selected: selected))
        try #require(desired.isValid, "\(desired.errors)")
        #expect(desired.entities.count >= 25, "only \(desired.entities.count) entities left to apply")

        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.refused.isEmpty, "\(outcome.refused)")
        let report = try registry.drift(host: desired.host)
        #expect(report.checked.count == desired.entities.count)
        #expect(!report.hasDrift, "\(report.drifted.map { "\($0.entity): \($0.differences.map(\.description))" })")
    }
}

/// Registries that earlier versions created in `public` are moved into their own schema by the
/// tool's registry upgrade, data and all, so Prisma stops seeing them.
@Suite struct RegistrySchemaMoveTests {
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aRegistryInPublicIsMovedIntoItsOwnSchema() throws {
        let (setup, location) = try Backend.postgres.makeDatabase()
        setup.close()
        var legacy = try #require(location.postgres)
        legacy.registrySchema = "public"
        let old = Registry(database: try PostgresRegistryDatabase(location: legacy))
        try old.addAdmin("alice", by: nil)
        let desired = try Desired.from(["desk": DriftTests.yaml])
        _ = try old.scan(desired, principal: "ci")
        old.database.close()

        let moved = Registry(database: try location.open())
        defer { moved.database.close() }
        #expect(try moved.items(in: [.pending]).count == 2)
        #expect(try moved.isAdmin("alice"))
        let tables = try moved.database.withLockedTransaction { connection in
            try connection.query(#"SELECT schemaname || '.' || tablename AS "name" FROM pg_tables WHERE tablename LIKE '\_schema\_%' ORDER BY 1"#, [])
        }.compactMap { $0["name"]?.text }
        #expect(!tables.isEmpty && tables.allSatisfy { $0.hasPrefix("schema_registry.") }, "\(tables)")
    }

    /// A unique index replaced by hand with a `DEFERRABLE` unique constraint of the same name and
    /// columns (hoppscotch's migrations make four, for reordering rows in one transaction): the
    /// uniqueness is checked at commit, which the package does not say. Drift reports it, and
    /// accepting it is refused (no entity can say it).
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aDeferrableUniqueConstraintIsDrift() throws {
        let desired = try Desired.from(["shop": """
            entities:
              - name: Slot
                fields:
                  id: { type: string, primary: true }
                  position: { type: int, unique: true }
            """])
        let (database, registry, outcome) = try Registry.applied(desired, on: .postgres)
        defer { database.close() }
        #expect(outcome.applied.count == 1)
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
        try database.withLockedTransaction { connection in
            try connection.execute(#"DROP INDEX "Slot_position_key""#)
            try connection.execute(#"ALTER TABLE "Slot" ADD CONSTRAINT "Slot_position_key" UNIQUE ("position") DEFERRABLE INITIALLY DEFERRED"#)
        }
        let drift = try registry.drift(host: Desired.host)
        let lines = drift.drifted.flatMap(\.differences).map(\.description)
        #expect(lines == ["[*] Altered index `Slot_position_key` (unique (position) → unique (position) deferrable)"], "\(lines)")
        let accepted = try registry.acceptDrift(["Slot"], as: "alice", host: Desired.host)
        #expect(accepted.accepted.isEmpty && accepted.refused.first?.message.contains("DEFERRABLE") == true, "\(accepted.refused.map(\.message))")
    }
}
