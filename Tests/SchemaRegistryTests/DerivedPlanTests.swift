import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// What runs is derived, never read back (issue 19): a registry writer without the signing key
/// edits what is stored, and nothing of it runs; `plan` says exactly what apply then runs.
@Suite(.serialized) struct DerivedPlanTests {
    static let v1 = """
        entities:
          - name: Post
            fields:
              id: { type: string, primary: true }
              title: { type: string }
              slug: { type: string, nullable: true }
        """
    /// Two changes that stored rows can break: a maxLength and a unique index.
    static let v2 = """
        entities:
          - name: Post
            fields:
              id: { type: string, primary: true }
              title: { type: string, maxLength: 10 }
              slug: { type: string, nullable: true, unique: true }
        """

    /// A registry where `first` is applied, `rows` were inserted (statements separated by `;` and
    /// a line break), and `next` is scanned (pending).
    func pendingChange(_ backend: Backend, from initial: String = v1, rows: String? = nil, to next: String = v2)
        throws -> (database: any RegistryDatabase, location: DatabaseLocation, registry: Registry, desired: DesiredState, item: QueueItem) {
        let (database, location, registry, desired, item, writer) = try pendingChangeWithWriter(backend, from: initial, rows: rows, to: next)
        if backend == .postgres { writer.close() }
        return (database, location, registry, desired, item)
    }

    /// ``pendingChange(_:from:rows:to:)`` and a connection as the attacker: on PostgreSQL a role
    /// that may write the registry's tables and has no right on the application's (not the
    /// owner); on SQLite, which has no roles, the same file.
    func pendingChangeWithWriter(_ backend: Backend, from initial: String = v1, rows: String? = nil, to next: String = v2)
        throws -> (database: any RegistryDatabase, location: DatabaseLocation, registry: Registry, desired: DesiredState, item: QueueItem, writer: any RegistryDatabase) {
        let (database, location) = try backend.makeDatabase()
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let first = try Desired.from(["blog": initial], deploys: .recreate)
        _ = try registry.scan(first, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        #expect(try !registry.applyApproved(first).applied.isEmpty)
        for statement in rows?.components(separatedBy: ";\n") ?? [] { try database.withLockedTransaction { try $0.execute(statement) } }
        let desired = try Desired.from(["blog": next], deploys: .recreate)
        let item = try #require(try registry.scan(desired, principal: "ci").queued.first)
        guard backend == .postgres else { return (database, location, registry, desired, item, database) }
        let writer = PostgresRoles.unique("regwriter")
        try PostgresRoles.create(writer)
        try database.withLockedTransaction { connection in
            let schema = RegistryNames.defaultSchema
            try connection.execute("GRANT USAGE ON SCHEMA \(schema) TO \(writer)")
            try connection.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \(schema) TO \(writer)")
            try connection.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA \(schema) TO \(writer)")
        }
        let attacker = try location.as(user: writer).open()
        #expect(throws: (any Error).self, "the registry writer has no right on the application's tables") {
            try attacker.withLockedTransaction { try $0.execute(#"DELETE FROM "User""#) }
        }
        return (database, location, registry, desired, item, attacker)
    }

    /// Rewrites the stored statements (and checks) of `item`, with its pinned hash recomputed
    /// the way an attacker who knows the format would; `approval` pins it too.
    func tamper(_ item: QueueItem, statements: [SQLStatement], checks: [DataCheck], approval: Bool, _ database: any RegistryDatabase) throws {
        let hash = PinnedSQL.hash(statements, checks: checks, format: PinnedSQL.currentFormat)
        try database.withLockedTransaction { connection in
            try connection.execute(#"UPDATE \#(connection.names.queue) SET "statements" = ?, "checks" = ?, "sql_hash" = ? WHERE "id" = ?"#,
                                   [.text(JSONText.encode(statements)), .text(JSONText.encode(checks)), .text(hash), .text(item.id)])
            if approval {
                try connection.execute(#"UPDATE \#(connection.names.approvals) SET "sql_hash" = ? WHERE "item_id" = ?"#, [.text(hash), .text(item.id)])
            }
        }
    }

    /// What a registry writer writes to make an approved item look begun: a progress and an
    /// `apply-started` line (the audit log takes inserts).
    func forgeStart(of item: QueueItem, progress: Int, _ writer: any RegistryDatabase) throws {
        try writer.withLockedTransaction { connection in
            try connection.execute(#"UPDATE \#(connection.names.queue) SET "progress" = ? WHERE "id" = ?"#, [.integer(Int64(progress)), .text(item.id)])
            try connection.execute(#"INSERT INTO \#(connection.names.audit) ("at", "principal", "action", "item_id") VALUES ('now', 'mallory', 'apply-started', ?)"#,
                                   [.text(item.id)])
        }
    }

    func count(_ table: String, _ database: any RegistryDatabase) throws -> Int64 {
        try database.withLockedTransaction { try $0.query(#"SELECT COUNT(*) AS "count" FROM "\#(table)""#, []).first?["count"]?.integer ?? -1 }
    }

    /// A statement added to a pending item's stored SQL, its pin recomputed: approval refuses it;
    /// added after approval (the approval's pin rewritten too), apply refuses it. Nothing runs.
    @Test(arguments: Backend.available)
    func anAddedStatementIsNeverRun(_ backend: Backend) throws {
        let (database, _, registry, desired, item, writer) = try pendingChangeWithWriter(backend)
        defer { database.close(); if backend == .postgres { writer.close() } }
        let dropUser = SQLStatement(.tables, #"DROP TABLE "User""#)
        try tamper(item, statements: item.statements + [dropUser], checks: item.checks, approval: false, writer)
        let decided = try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, context: Desired.recreating)
        #expect(decided.accepted.isEmpty)
        #expect(decided.refused.map(\.code) == [.modifiedAfterApproval])

        // The honest SQL back, approved (signed), then edited with the approval's pin.
        try tamper(item, statements: item.statements, checks: item.checks, approval: false, writer)
        let key = SigningKey.generate(name: "alice")
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, signingKey: key, context: Desired.recreating).accepted.count == 1)
        try tamper(item, statements: item.statements + [dropUser], checks: item.checks, approval: true, writer)
        let trusted = [TrustedKey(name: "alice", publicKey: key.privateKey.publicKey)]
        for keys in [trusted, nil] {
            let plan = try ApplyEngine(registry: registry, desiredState: { desired }).plan(trustedKeys: keys)
            #expect(plan.items.isEmpty && plan.statements.isEmpty)
            #expect(plan.refused.first?.code == .modifiedAfterApproval)
        }
        let outcome = try registry.applyApproved(desired, trustedKeys: trusted)
        #expect(outcome.applied.isEmpty)
        #expect(outcome.refused.first?.code == .modifiedAfterApproval)
        #expect(try count("User", database) == 0, "the User table is still there")
        #expect(!outcome.statements.contains { $0.sql.contains("DROP TABLE") })
    }

    /// A stored data check rewritten to delete rows: neither the review listing (`list
    /// --verbose`, the review page, `GET /api/migrations`), nor approval, nor apply runs it.
    @Test(arguments: Backend.available)
    func aStoredDataCheckIsNeverRun(_ backend: Backend) throws {
        let (database, _, registry, desired, item, writer) = try pendingChangeWithWriter(backend, rows: #"INSERT INTO "User" ("id", "email") VALUES ('u1', 'a@example.com')"#)
        defer { database.close(); if backend == .postgres { writer.close() } }
        let delete = backend == .postgres
            ? #"WITH "d" AS (DELETE FROM "User" RETURNING 1) SELECT COUNT(*) * 0 AS "count" FROM "d""#
            : #"DELETE FROM "User" RETURNING 0 AS "count""#
        var checks = item.checks
        checks.append(DataCheck(.violations, table: "Post", count: delete, "rows"))
        try tamper(item, statements: item.statements, checks: checks, approval: false, writer)
        let stored = try registry.items(in: [.pending])
        #expect(stored.map(\.id) == [item.id])
        let impact = try #require(try registry.impact(of: stored, context: Desired.recreating)[item.id])
        #expect(impact.refusal != nil)
        #expect(impact.checks.isEmpty, "no check of an item whose stored text is not its derivation runs")
        #expect(try count("User", database) == 1)
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: true, context: Desired.recreating).refused.map(\.code) == [.modifiedAfterApproval])
        #expect(try count("User", database) == 1)
        try writer.withLockedTransaction { connection in
            try connection.execute(#"UPDATE \#(connection.names.queue) SET "state" = 'approved' WHERE "id" = ?"#, [.text(item.id)])
            try connection.execute(#"INSERT INTO \#(connection.names.approvals) ("item_id", "principal", "approved_at", "checksum", "sql_hash", "allow_data_loss", "nonce") VALUES (?, 'alice', 'now', ?, ?, 1, 'n1')"#,
                                   [.text(item.id), .text(item.toChecksum ?? ""), .text(PinnedSQL.hash(item.statements, checks: checks, format: PinnedSQL.currentFormat))])
        }
        #expect(try registry.applyApproved(desired).refused.first?.code == .modifiedAfterApproval)
        #expect(try count("User", database) == 1)
    }

    /// A signed approval whose row is turned into a repair (action and repair_of are signed now,
    /// and a repair must restore the applied structure): refused, the column keeps its data.
    @Test(arguments: Backend.available)
    func aSignedApprovalCannotComeBackAsARepair(_ backend: Backend) throws {
        let dropSlug = """
            entities:
              - name: Post
                fields:
                  id: { type: string, primary: true }
                  title: { type: string }
            """
        let (database, _, registry, desired, item, writer) = try pendingChangeWithWriter(backend, rows: #"INSERT INTO "Post" ("id", "title", "slug") VALUES ('p1', 't', 'keep')"#, to: dropSlug)
        defer { database.close(); if backend == .postgres { writer.close() } }
        let key = SigningKey.generate(name: "alice")
        let trusted = [TrustedKey(name: "alice", publicKey: key.privateKey.publicKey)]
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: true, signingKey: key, context: Desired.recreating).accepted.count == 1)
        for (variant, update) in [("action", #""action" = 'repair'"#), ("action and repair_of", #""action" = 'repair', "repair_of" = "from_checksum""#),
                                  ("renames", #""renames" = '{"title":"slug"}'"#)] {
            try writer.withLockedTransaction { connection in
                try connection.execute(#"UPDATE \#(connection.names.queue) SET \#(update) WHERE "id" = ?"#, [.text(item.id)])
            }
            let outcome = try registry.applyApproved(desired, trustedKeys: trusted)
            #expect(outcome.applied.isEmpty, "\(variant)")
            #expect(!outcome.refused.isEmpty, "\(variant)")
            #expect(try count("Post", database) == 1)
            let slug = try database.withLockedTransaction { try $0.query(#"SELECT "slug" FROM "Post""#, []).first?["slug"]?.text }
            #expect(slug == "keep", "\(variant): the column and its value are there")
            try database.withLockedTransaction { connection in
                try connection.execute(#"UPDATE \#(connection.names.queue) SET "state" = 'approved', "action" = 'alter', "repair_of" = NULL, "renames" = '{}', "error" = NULL WHERE "id" = ?"#,
                                       [.text(item.id)])
            }
        }
        // The untouched row still applies: the refusals above were about the edits.
        #expect(try registry.applyApproved(desired, trustedKeys: trusted).applied.count == 1)
    }

    /// Field order and `///` comments are not part of the checksum (they change no table), but
    /// Prisma renders them: the approval and the applied snapshot's vouching sign their digest,
    /// so a registry writer who rewrites them is refused at apply and when the fragment is rendered.
    @Test(arguments: Backend.available)
    func aRewrittenPresentationIsRefusedWithTrustedKeys(_ backend: Backend) throws {
        let (database, _, registry, desired, item, writer) = try pendingChangeWithWriter(backend)
        defer { database.close(); if backend == .postgres { writer.close() } }
        let key = SigningKey.generate(name: "alice")
        let trusted = [TrustedKey(name: "alice", publicKey: key.privateKey.publicKey)]
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, signingKey: key, context: Desired.recreating).accepted.count == 1)
        var rewritten = try #require(item.structure)
        rewritten.presentation?.fieldDocumentation["title"] = "Deprecated: write to slug"
        rewritten.presentation?.fieldOrder.reverse()
        #expect(Checksum(of: rewritten).hex == item.toChecksum, "the checksum does not see it: only the signature can")
        let stored = try database.withLockedTransaction { try $0.query(#"SELECT "structure" FROM \#($0.names.queue) WHERE "id" = ?"#, [.text(item.id)]).first?["structure"]?.text }
        try writer.withLockedTransaction { connection in
            try connection.execute(#"UPDATE \#(connection.names.queue) SET "structure" = ? WHERE "id" = ?"#, [.text(JSONText.encode(rewritten)), .text(item.id)])
        }
        let refused = try registry.applyApproved(desired, trustedKeys: trusted)
        #expect(refused.applied.isEmpty && refused.refused.first?.code == .notSigned, "\(refused.refused)")

        // Put back, applied; then the applied snapshot is rewritten the same way.
        try database.withLockedTransaction { connection in
            try connection.execute(#"UPDATE \#(connection.names.queue) SET "structure" = ?, "state" = 'approved', "error" = NULL WHERE "id" = ?"#, [.text(try #require(stored)), .text(item.id)])
        }
        #expect(try registry.applyApproved(desired, trustedKeys: trusted).applied.count == 1)
        #expect(try registry.appliedEntities(trustedKeys: trusted).count == 1)
        try writer.withLockedTransaction { connection in
            try connection.execute(#"UPDATE \#(connection.names.entities) SET "structure" = ? WHERE "name" = 'Post'"#, [.text(JSONText.encode(rewritten))])
        }
        #expect(errorCode { try registry.appliedEntities(trustedKeys: trusted) } == .notSigned)
        // An admin with the key can vouch for what is there now, and only by naming it.
        let attested = try registry.attest(["Post": Checksum(of: rewritten).hex], as: "alice", with: key)
        #expect(attested.attested == ["Post"])
        #expect(try registry.appliedEntities(trustedKeys: trusted).first?.structure.presentation?.fieldDocumentation["title"] == "Deprecated: write to slug")
    }

    /// Relation names decide which Prisma relation fields pair up: they are part of the checksum
    /// now, so a snapshot whose relation names were swapped in the database no longer hashes to
    /// its checksum and nothing is rendered from it.
    @Test(arguments: Backend.available)
    func swappedRelationNamesAreRefused(_ backend: Backend) throws {
        let desired = try Desired.from(["bank": Self.transfers], deploys: .recreate)
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.count == 1)
        let snapshot = try #require(try registry.appliedEntities().first)
        var swapped = snapshot.structure
        swapped.presentation?.relationNames = ["from": "TransferTo", "to": "TransferFrom"]
        #expect(Checksum(of: swapped) != snapshot.checksum)
        var unnamed = snapshot.structure
        unnamed.presentation?.relationNames = [:]
        #expect(Checksum(of: unnamed) != snapshot.checksum)
        try database.withLockedTransaction { connection in
            try connection.execute(#"UPDATE \#(connection.names.entities) SET "structure" = ?"#, [.text(JSONText.encode(swapped))])
        }
        #expect(errorCode { try registry.appliedEntities() } == .structureChanged)
    }

    /// Registries before version 8 stored checksums that did not count relation names. The upgrade
    /// gives such snapshots their new checksum when the stored one is exactly the old rule's (a
    /// row edited in the database stays refused), so nothing is queued again and nothing is refused.
    @Test(arguments: Backend.available)
    func aRegistryFromBeforeRelationNamesCountedIsUpgraded(_ backend: Backend) throws {
        let desired = try Desired.from(["bank": Self.transfers, "blog": Self.v1], deploys: .recreate)
        let (database, registry, outcome) = try Registry.applied(desired, on: backend)
        defer { database.close() }
        #expect(outcome.applied.count == 2)
        let snapshots = try registry.appliedEntities()
        let transfer = try #require(snapshots.first { $0.structure.name == "Transfer" })
        let post = try #require(snapshots.first { $0.structure.name == "Post" })
        let legacy = Checksum.withoutRelationNames(of: transfer.structure)
        #expect(legacy != transfer.checksum && Checksum.withoutRelationNames(of: post.structure) == post.checksum)
        // The registry as version 7 left it; a second copy of Post's row is edited (checksum and all).
        try database.withLockedTransaction { connection in
            try connection.execute(#"UPDATE \#(connection.names.entities) SET "checksum" = ? WHERE "name" = 'Transfer'"#, [.text(legacy.hex)])
            try connection.execute(#"UPDATE \#(connection.names.meta) SET "value" = '7' WHERE "key" = 'version'"#)
            try connection.execute(#"ALTER TABLE \#(connection.names.queue) DROP COLUMN "renamed_from""#) // version 9's
        }
        #expect(errorCode { try Registry(database: database, readOnly: true).appliedEntities() } == .noRegistry, "read-only commands ask for the upgrade")
        let upgraded = Registry(database: database)
        let after = try upgraded.appliedEntities()
        #expect(after.first { $0.structure.name == "Transfer" }?.checksum == transfer.checksum)
        #expect(after.first { $0.structure.name == "Post" }?.checksum == post.checksum)
        let rescan = try upgraded.scan(desired, principal: "ci")
        #expect(rescan.queued.isEmpty && rescan.requeued.isEmpty, "nothing to change: \(rescan.queued.map(\.entity))")

        // A checksum that is neither rule's for its structure is not blessed by the upgrade.
        try database.withLockedTransaction { connection in
            try connection.execute(#"UPDATE \#(connection.names.entities) SET "checksum" = ? WHERE "name" = 'Transfer'"#, [.text(String(repeating: "0", count: 64))])
            try connection.execute(#"UPDATE \#(connection.names.meta) SET "value" = '7' WHERE "key" = 'version'"#)
            try connection.execute(#"ALTER TABLE \#(connection.names.queue) DROP COLUMN "renamed_from""#)
        }
        #expect(errorCode { try Registry(database: database).appliedEntities() } == .structureChanged)
    }

    static let transfers = """
        entities:
          - name: Transfer
            fields:
              id: { type: string, primary: true }
              fromId: { type: string }
              toId: { type: string }
            relations:
              - { name: from, type: belongsTo, entity: User, field: fromId, relationName: TransferFrom }
              - { name: to, type: belongsTo, entity: User, field: toId, relationName: TransferTo }
        """

    /// ``v1`` with a unique slug: a change with an online step (the index build).
    static let uniqueSlug = v1.replacingOccurrences(of: "slug: { type: string, nullable: true }", with: "slug: { type: string, nullable: true, unique: true }")

    /// The stored progress of a started item set past its last step: a start used to mark a
    /// unique index applied without building it. Where a step stands is read from the catalog.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aForgedProgressDoesNotSkipTheIndexBuild() throws {
        let (database, _, registry, desired, item, writer) = try pendingChangeWithWriter(.postgres, to: Self.uniqueSlug)
        defer { database.close(); writer.close() }
        #expect(item.hasOnlineSteps)
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating).accepted.count == 1)
        try forgeStart(of: item, progress: 99, writer)
        #expect(try registry.applyApproved(desired).applied.map(\.id) == [item.id])
        let valid = try database.withLockedTransaction { connection in
            try connection.query(#"SELECT i.indisvalid AS "valid" FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'Post_slug_key'"#, []).first?["valid"]?.integer
        }
        #expect(valid == 1, "the unique index was built")
        try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Post" ("id", "title", "slug") VALUES ('a', 't', 'same')"#) }
        #expect(errorCode { try database.withLockedTransaction { try $0.execute(#"INSERT INTO "Post" ("id", "title", "slug") VALUES ('b', 't', 'same')"#) } } != nil)
    }

    /// A "started" mark forged for an item whose first transaction changes the table (a column
    /// added and made required): finishing from it would skip that transaction and record a
    /// snapshot the table does not have. The table shows no trace of it, so the start refuses.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aForgedStartOfAnUnstartedChangeIsRefused() throws {
        let addRequired = Self.uniqueSlug + "\n      views: { type: int, default: 0 }\n"
        let (database, _, registry, desired, item, writer) = try pendingChangeWithWriter(.postgres, to: addRequired)
        defer { database.close(); writer.close() }
        #expect(item.statements.contains { $0.stage == .transaction } && item.hasOnlineSteps)
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating).accepted.count == 1)
        try forgeStart(of: item, progress: 2, writer)
        let before = try Introspection.describe(database)
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.isEmpty)
        #expect(outcome.refused.first?.message.contains("shows none of the change's first transaction") == true, "\(outcome.refused)")
        #expect(try Introspection.describe(database) == before, "nothing ran")
        #expect(try registry.appliedEntities().first?.structure.field(named: "views") == nil, "no snapshot recorded for a change that did not happen")
    }

    /// Every blocking data problem of an item is named at once, by `approve` (as a warning), by
    /// `plan` and by apply, which agree; nothing runs.
    @Test(arguments: Backend.available)
    func everyBlockingProblemIsNamedAndPlanAgreesWithApply(_ backend: Backend) throws {
        let long = String(repeating: "x", count: 40)
        let rows = #"INSERT INTO "Post" ("id", "title", "slug") VALUES ('p1', '\#(long)', 'dup'), ('p2', 'short', 'dup')"#
        let (database, _, registry, desired, item) = try pendingChange(backend, rows: rows)
        defer { database.close() }
        let decided = try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true, context: Desired.recreating)
        #expect(decided.accepted.count == 1)
        let blocked = try #require(decided.blocked.first)
        #expect(blocked.code == .dataViolation)
        let plan = try ApplyEngine(registry: registry, desiredState: { desired }).plan()
        #expect(plan.items.isEmpty && plan.statements.isEmpty, "plan does not list a change apply refuses")
        let planned = try #require(plan.refused.first)
        #expect(planned.code == .dataViolation)
        for message in [blocked.message, planned.message] {
            #expect(message.contains("title"), "\(message)")
            #expect(message.contains("slug"), "\(message)")
        }
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.isEmpty)
        #expect(outcome.refused.map(\.message) == [planned.message])
        #expect(outcome.statements.isEmpty)
        _ = item
    }

    /// For a matrix of change kinds (a create with a foreign key, a drop, an entity renamed, new columns, a unique
    /// index (built concurrently on PostgreSQL), a tightened maxLength (validated online on
    /// PostgreSQL, a table rebuild on SQLite), a column made required with a backfill) the
    /// statements the database itself reports while apply ran (PostgreSQL's statement log,
    /// SQLite's trace) are exactly the plan's, in its order; a change refused for its stored rows
    /// is in neither.
    @Test(arguments: StatementLog.backends)
    func whatApplyRunsIsWhatPlanSaid(_ backend: Backend) throws {
        let before = """
            entities:
              - name: Post
                fields:
                  id: { type: string, primary: true }
                  title: { type: string }
                  slug: { type: string, nullable: true }
                  status: { type: string, nullable: true }
              - name: Old
                fields:
                  id: { type: string, primary: true }
              - name: Draft
                fields:
                  id: { type: string, primary: true }
                  note: { type: string, index: true }
              - name: Tag
                fields:
                  id: { type: string, primary: true }
                  label: { type: string }
              - name: Token
                fields:
                  value: { type: string, unique: true }
                  note: { type: string, nullable: true }
              - name: Shelf
                fields:
                  id: { type: string, primary: true }
                relations:
                  - { name: books, type: manyToMany, entity: Book }
              - name: Book
                fields:
                  id: { type: string, primary: true }
            """
        let after = """
            entities:
              - name: Post
                fields:
                  id: { type: string, primary: true }
                  title: { type: string, maxLength: 10 }
                  slug: { type: string, nullable: true, unique: true }
                  status: { type: string, default: draft }
                  views: { type: int, default: 0 }
                  body: { type: string, nullable: true }
              - name: Comment
                fields:
                  id: { type: string, primary: true }
                  postId: { type: string, index: true }
                relations:
                  - { name: post, type: belongsTo, entity: Post, field: postId, onDelete: Cascade }
              - name: Sketch
                renamedFrom: Draft
                fields:
                  id: { type: string, primary: true }
                  note: { type: string, index: true }
              - name: Tag
                fields:
                  id: { type: string, primary: true }
                  label: { type: string, maxLength: 3 }
              - name: Token
                fields:
                  value: { type: string, unique: true }
                  note: { type: string, default: "-" }
                  serial: { type: string, default: { dbgenerated: "gen_random_uuid()" } }
              - name: Aisle
                renamedFrom: Shelf
                fields:
                  id: { type: string, primary: true }
                relations:
                  - { name: books, type: manyToMany, entity: Book }
              - name: Book
                fields:
                  id: { type: string, primary: true }
            """
        let (database, location, registry, desired, _) = try pendingChange(backend, from: before, rows: """
            INSERT INTO "Post" ("id", "title", "slug", "status") VALUES ('p1', 'short', 'a', NULL), ('p2', 'short2', 'b', 'live');
            INSERT INTO "Tag" ("id", "label") VALUES ('t1', 'too long');
            INSERT INTO "Token" ("value", "note") VALUES ('v1', NULL), ('v2', 'kept');
            INSERT INTO "Shelf" ("id") VALUES ('s1');
            INSERT INTO "Book" ("id") VALUES ('b1');
            INSERT INTO "_BookToShelf" ("A", "B") VALUES ('b1', 's1')
            """, to: after)
        defer { database.close() }
        let decided = try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true, context: Desired.recreating)
        #expect(decided.accepted.count == 8)
        #expect(decided.blocked.map(\.entity) == ["Tag"])

        // The database's own account of what ran: PostgreSQL's statement log (log_statement set
        // on this database only), SQLite's trace of the connection.
        let traced = TracedStatements()
        let logged: any RegistryDatabase
        switch location {
        case .sqlite(let path):
            logged = try SQLiteRegistryDatabase(path: path) { traced.append($0) }
        case .postgres(let server):
            let name = try #require(server.database)
            try Backend.asSuperuser(database: nil) { try $0.executeOutsideTransaction("ALTER DATABASE \(name) SET log_statement = 'all'") }
            logged = try location.open()
        }
        defer { logged.close() }
        let loggedRegistry = Registry(database: logged)
        let plan = try ApplyEngine(registry: loggedRegistry, desiredState: { desired }).plan()
        #expect(Set(plan.items.map(\.entity)) == ["Post", "Comment", "Old", "Sketch", "Token", "Aisle", "_AisleToBook"])
        #expect(plan.statements.contains { $0.sql == #"ALTER TABLE "Draft" RENAME TO "Sketch""# }, "an entity renamed")
        // Whole on SQLite; on PostgreSQL in batches of pages, online, reading "B" as the new "A".
        #expect(plan.statements.contains { $0.sql == #"INSERT INTO "_AisleToBook" ("A", "B") SELECT "B", "A" FROM "_BookToShelf""#
            || $0.stage == .online && $0.sql.contains(#"INSERT INTO "_AisleToBook" ("A", "B")"#) && $0.sql.contains(#"SELECT "B" AS "A", "A" AS "B" FROM "_BookToShelf""#) }, "a join table moved")
        #expect(plan.refused.map(\.entity) == ["Tag"])
        #expect(plan.statements.contains { $0.sql.contains("ADD COLUMN") && $0.sql.contains(#""serial""#) || $0.sql.contains("randomblob") }, "a computed default")
        if backend == .postgres {
            #expect(plan.statements.contains { $0.stage == .online } && plan.statements.contains { $0.stage == .finish })
            #expect(!plan.skippedRowLevelSecurity.isEmpty, "without --rls the policies are listed apart, and do not run")
            #expect(plan.statements.contains { $0.sql.contains(#"SELECT ctid FROM "Token""#) }, "a table without a key is backfilled by ctid")
        }

        let offset = backend == .postgres ? try StatementLog.size() : 0
        traced.clear()
        let outcome = try loggedRegistry.applyApproved(desired)
        #expect(outcome.applied.count == 7)
        #expect(outcome.refused.map(\.entity) == ["Tag"])
        let ran = backend == .postgres ? try StatementLog.migrationStatements(since: offset) : StatementLog.migrationStatements(traced.all)
        let planned = StatementLog.collapsed(plan.statements.map { $0.sql.trimmingCharacters(in: .whitespacesAndNewlines) })
        #expect(ran == planned, "ran:\n\(ran.joined(separator: "\n"))\nplanned:\n\(planned.joined(separator: "\n"))")
        #expect(!ran.isEmpty)
    }
}

/// The statements a PostgreSQL database logged (`log_statement = 'all'` set on it), read from the
/// test server's log (`SCHEMA_TEST_POSTGRES_LOG`, exported by scripts/with-postgres.sh).
enum StatementLog {
    static let path = ProcessInfo.processInfo.environment["SCHEMA_TEST_POSTGRES_LOG"]

    /// The databases whose own account of what ran can be read: SQLite always, PostgreSQL when
    /// the test server's log is known (scripts/with-postgres.sh exports it beside the URL).
    static let backends: [Backend] = {
        guard Backend.available.contains(.postgres) else { return [.sqlite] }
        guard path != nil else {
            print("plan = apply on PostgreSQL skipped: SCHEMA_TEST_POSTGRES_LOG is not set (scripts/with-postgres.sh sets it beside SCHEMA_TEST_POSTGRES_URL)")
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }()

    /// The log's size now: where the statements of what runs next begin.
    static func size() throws -> Int {
        try Data(contentsOf: URL(fileURLWithPath: try #require(path))).count
    }

    /// The statements logged since `offset` that change the application's tables (not the
    /// registry's own, not transaction control, settings or queries), consecutive repeats (the
    /// batches of a backfill) collapsed.
    static func migrationStatements(since offset: Int) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: try #require(path)))
        let text = String(decoding: data.dropFirst(offset), as: UTF8.self)
        return migrationStatements(try statements(in: text))
    }

    /// The statements of a PostgreSQL log text, multi-line ones joined.
    static func statements(in text: String) throws -> [String] {
        var statements: [String] = []
        var current: String?
        let entry = try Regex(#"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \S+ \[\d+\] "#)
        let logged = try Regex(#"LOG:  (statement|execute [^:]*): "#)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("\t"), current != nil {
                current? += "\n" + line.dropFirst()
                continue
            }
            if let sql = current { statements.append(sql) }
            current = nil
            guard line.firstMatch(of: entry) != nil, let match = line.firstMatch(of: logged) else { continue }
            current = String(line[match.range.upperBound...])
        }
        if let sql = current { statements.append(sql) }
        return statements
    }

    /// Of `statements`, those that change the application's tables (not the registry's own,
    /// not transaction control, settings, checks or catalog queries), consecutive repeats (the
    /// batches of a backfill) collapsed.
    static func migrationStatements(_ statements: [String]) -> [String] {
        let changing = ["CREATE ", "ALTER ", "DROP ", "WITH ", "INSERT ", "UPDATE ", "DELETE ", "TRUNCATE ", "GRANT ", "REVOKE ", "COMMENT ", "LOCK ", "DO ",
                        "PRAGMA defer_foreign_keys", "PRAGMA foreign_keys"]
        return collapsed(statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { sql in
            changing.contains { sql.hasPrefix($0) } && !sql.contains(RegistryNames.defaultSchema) && !sql.contains("_schema_")
                && !sql.contains("_prisma_migrations")
                // The start's own hold-off of autovacuum on the tables it changes, taken before their statements.
                && !(sql.hasPrefix("LOCK ") && sql.hasSuffix("IN SHARE UPDATE EXCLUSIVE MODE"))
        })
    }

    /// `statements` with consecutive repeats collapsed.
    static func collapsed(_ statements: [String]) -> [String] {
        statements.reduce(into: []) { result, sql in if result.last != sql { result.append(sql) } }
    }
}

/// Statements a SQLite trace reported, in order.
final class TracedStatements: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var statements: [String] = []
    func append(_ sql: String) { lock.withLock { statements.append(sql) } }
    func clear() { lock.withLock { statements.removeAll() } }
    var all: [String] { lock.withLock { statements } }
}
