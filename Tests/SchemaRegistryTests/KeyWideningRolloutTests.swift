import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// An `autoincrement()` primary key widened to `bigint` in a rolling deploy (issue 22), with the
/// foreign keys that point at it (another table's and the table's own) widened in the same
/// change: the case of a table running out of `int` ids. Applied whole, each `ALTER COLUMN … TYPE
/// bigint` rewrites its table under ACCESS EXCLUSIVE (and the referencing tables are read to check
/// their keys). Rolled out, every column gets a filled shadow; the key's has a unique index built
/// concurrently, and `complete` moves the sequence, the foreign keys and the primary key over to
/// it without reading a table under a lock.
@Suite(.serialized) struct KeyWideningRolloutTests {
    static let v1 = """
        entities:
          - name: Event
            fields:
              id: { type: int, primary: true, generated: true }
              name: { type: string, unique: true }
              parentId: { type: int, nullable: true }
            relations:
              - { name: parent, type: belongsTo, entity: Event, field: parentId, onDelete: SetNull, relationName: EventTree }
              - { name: children, type: hasMany, entity: Event, relationName: EventTree }
              - { name: tags, type: hasMany, entity: Tag }
              - { name: pins, type: hasMany, entity: Pin }
          - name: Tag
            fields:
              id: { type: int, primary: true, generated: true }
              eventId: { type: int, index: true }
              note: { type: string, nullable: true }
            relations:
              - { name: event, type: belongsTo, entity: Event, field: eventId, onDelete: Cascade }
          - name: Pin
            primaryKey: [eventId, slot]
            fields:
              eventId: { type: int }
              slot: { type: int }
            relations:
              - { name: event, type: belongsTo, entity: Event, field: eventId, onDelete: Cascade }
        """
    static let v2 = v1.replacingOccurrences(of: "id: { type: int, primary: true, generated: true }\n      name", with: "id: { type: bigint, primary: true, generated: true }\n      name")
        .replacingOccurrences(of: "parentId: { type: int", with: "parentId: { type: bigint")
        .replacingOccurrences(of: "eventId: { type: int", with: "eventId: { type: bigint")

    /// What either version's client writes: an event under the newest one, a tag and a pin on it, and reads.
    static let version = RolloutTests.Version(
        insertPost: { #"INSERT INTO "Event" ("name", "parentId") VALUES ('\#($0)', (SELECT max("id") FROM "Event"))"# },
        selectPost: { #"SELECT "Event"."id", "name", "parentId", "Tag"."id" AS "tag" FROM "Event" LEFT JOIN "Tag" ON "Tag"."eventId" = "Event"."id" WHERE "name" = '\#($0)'"# },
        tag: { #"WITH "tag" AS (INSERT INTO "Tag" ("eventId", "note") SELECT "id", 'by \#($0)' FROM "Event" WHERE "name" = '\#($0)' RETURNING "eventId") "#
            + #"INSERT INTO "Pin" ("eventId", "slot") SELECT "eventId", 1 FROM "tag""# })

    static let seed = """
        WITH "events" AS (INSERT INTO "Event" ("name", "parentId") SELECT 'seed' || g, CASE WHEN g > 1 THEN g - 1 END FROM generate_series(1, 3000) AS g RETURNING "id"), \
        "tags" AS (INSERT INTO "Tag" ("eventId", "note") SELECT "id", 'seed' FROM "events" RETURNING "eventId") \
        INSERT INTO "Pin" ("eventId", "slot") SELECT "eventId", 0 FROM "tags"
        """

    static var renderer: MigrationSQLRenderer { MigrationSQLRenderer(dialect: .postgresql, primaryKeys: ["Event": "id", "Tag": "id"]) }

    static func entities(_ yaml: String) throws -> [String: CanonicalEntity] {
        Dictionary(uniqueKeysWithValues: try Desired.from(["events": yaml]).entities.map { ($0.structure.name, $0.structure) })
    }

    @Test func theKeyAndItsForeignKeysRollOutWithoutReadingATableUnderALock() throws {
        let (old, new) = (try Self.entities(Self.v1), try Self.entities(Self.v2))
        for name in ["Event", "Tag", "Pin"] {
            let change = DerivedChange(from: old[name], to: new[name], renderer: Self.renderer, rollout: true)
            #expect(change.isRolledOut, "\(name) rolls out")
            #expect(!change.statements.contains { $0.sql.contains("SET DATA TYPE") }, "\(name): no column changes type in place")
            let locked = change.statements.filter { $0.part != .rollback && $0.lock?.mode == "ACCESS EXCLUSIVE" && $0.lock?.work != .catalog }
            #expect(locked.isEmpty, "\(name): nothing reads or rewrites the table under ACCESS EXCLUSIVE: \(locked.map(\.sql))")
        }
        let event = DerivedChange(from: old["Event"], to: new["Event"], renderer: Self.renderer, rollout: true)
        #expect(event.incompatibilities.map(\.description).contains { $0.contains("id") })
        let expand = event.statements.filter { $0.part == .expand }.map(\.sql)
        #expect(expand.contains { $0.hasPrefix(#"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "Event_id__widened_key" ON "Event""#) || $0.hasPrefix(#"CREATE UNIQUE INDEX CONCURRENTLY "Event_id__widened_key""#) },
                "the key's shadow gets its unique index while both versions run: \(expand)")
        let contract = event.statements.filter { $0.part == .contract }
        let key = try #require(contract.first { $0.sql.contains("PRIMARY KEY USING INDEX") })
        #expect(key.sql == #"ALTER TABLE "Event" ADD CONSTRAINT "Event_pkey" PRIMARY KEY USING INDEX "Event_id__widened_key""#)
        #expect(key.stage == .finish)
        #expect(!contract.contains { $0.sql.contains(#"ADD CONSTRAINT "Event_pkey" PRIMARY KEY ("#) }, "no key built under the lock")
        let order = SQLStatement.inExecutionOrder(contract) { $0 }.map(\.sql)
        let drop = try #require(order.firstIndex(of: #"ALTER TABLE "Event" DROP COLUMN "id""#))
        let detach = try #require(order.firstIndex { $0.contains("DROP CONSTRAINT %I") })
        let sequence = try #require(order.firstIndex { $0.contains("AS bigint OWNED BY") })
        #expect(detach < drop && sequence < drop, "the foreign keys and the sequence leave the int column before it goes")
        #expect(order.firstIndex { $0.contains("NOT VALID', kept") }.map { $0 > drop } == true)
        #expect(order.first?.contains(#"EXECUTE 'LOCK TABLE "Event"' || coalesce(referrers, '')"#) == true, "the key's table and its referrers are locked at once, first")
        // Dropping Tag's int column drops its foreign key, and so Event's triggers: both locked in one statement, Tag first.
        let tag = DerivedChange(from: old["Tag"], to: new["Tag"], renderer: Self.renderer, rollout: true)
        #expect(SQLStatement.inExecutionOrder(tag.statements.filter { $0.part == .contract }) { $0 }.first?.sql == #"LOCK TABLE "Tag", "Event" IN ACCESS EXCLUSIVE MODE"#)
    }

    /// A renamed foreign-key field: the contract drops the old column with its foreign key, the
    /// rollback the new one with its: each locks both tables at once, first.
    @Test func aRolloutThatDropsAForeignKeyLocksBothTablesFirst() throws {
        let renamed = Self.v1.replacingOccurrences(of: "    eventId: { type: int, index: true }", with: "    occasionId: { type: int, index: true, renamedFrom: eventId }")
            .replacingOccurrences(of: "entity: Event, field: eventId, onDelete: Cascade }\n  - name: Pin", with: "entity: Event, field: occasionId, onDelete: Cascade }\n  - name: Pin")
        let desired = try Desired.from(["events": renamed])
        let tag = try #require(desired.entities.first { $0.structure.name == "Tag" })
        let change = DerivedChange(from: try Self.entities(Self.v1)["Tag"], to: tag.structure, renames: tag.renames, renderer: Self.renderer, rollout: true)
        #expect(change.isRolledOut)
        for part in [SQLStatement.Part.contract, .rollback] {
            #expect(SQLStatement.inExecutionOrder(change.statements.filter { $0.part == part }) { $0 }.first?.sql == #"LOCK TABLE "Tag", "Event" IN ACCESS EXCLUSIVE MODE"#, "\(part)")
        }
    }

    func atVersion1() throws -> RolloutTests.Fixture {
        let fixture = try RolloutTests.Fixture.applied(Self.v1, package: "events", seed: Self.seed)
        try fixture.database.withLockedTransaction { connection in
            try connection.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO \(fixture.app)")
        }
        return fixture
    }

    func filenodes(_ fixture: RolloutTests.Fixture) throws -> String? {
        try fixture.text(#"SELECT pg_relation_filenode('"Event"') || ' ' || pg_relation_filenode('"Tag"') || ' ' || pg_relation_filenode('"Pin"') AS "value""#)
    }

    func columnTypes(_ fixture: RolloutTests.Fixture) throws -> String? {
        try fixture.text(#"SELECT string_agg(table_name || '.' || column_name || ' ' || data_type, ', ' ORDER BY table_name, column_name) AS "value" FROM information_schema.columns WHERE table_name IN ('Event', 'Pin', 'Tag')"#)
    }

    /// The expand while the old version writes, then both versions side by side: every key in its shadow.
    func expand(_ fixture: RolloutTests.Fixture) throws -> (desired: DesiredState, events: Int64) {
        let desired = try Desired.from(["events": Self.v2])
        let items = try fixture.registry.scan(desired, principal: "ci").queued
        #expect(Set(items.map(\.entity)) == ["Event", "Pin", "Tag"])
        #expect(items.allSatisfy { $0.isRolledOut && !$0.rewritesTable }, "\(items.map(\.risks))")
        // No --allow-rewrite: nothing of the start holds a table while it rewrites it.
        #expect(try fixture.registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext).accepted.count == 3)
        let before = RolloutTests.Client(Self.version, prefix: "o", connection: try fixture.application())
        defer { _ = before.stop() }
        usleep(100_000)
        let outcome = try fixture.registry.applyApproved(desired)
        #expect(Set(outcome.applied.map(\.entity)) == ["Event", "Pin", "Tag"] && outcome.refused.isEmpty, "\(outcome.refused)")
        let newer = RolloutTests.Client(Self.version, prefix: "n", connection: try fixture.application())
        defer { _ = newer.stop() }
        usleep(300_000)
        let (oldWritten, oldErrors) = before.stop()
        let (newWritten, newErrors) = newer.stop()
        #expect(oldErrors.isEmpty && newErrors.isEmpty, "\(oldErrors + newErrors)")
        #expect(!oldWritten.isEmpty && !newWritten.isEmpty)
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Event" WHERE "id__widened" IS DISTINCT FROM "id" OR "parentId__widened" IS DISTINCT FROM "parentId""#) == 0,
                "every key is in its shadow")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Tag" WHERE "eventId__widened" IS DISTINCT FROM "eventId""#) == 0)
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Pin" WHERE "eventId__widened" IS DISTINCT FROM "eventId""#) == 0)
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "the tables are the expanded shape")
        return (desired, 3000 + Int64(oldWritten.count + newWritten.count))
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func completeMovesTheKeyTheSequenceAndTheForeignKeysToTheShadow() throws {
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        let files = try filenodes(fixture)
        let (desired, events) = try expand(fixture)
        let engine = ApplyEngine(registry: fixture.registry, desiredState: { desired })
        let writer = RolloutTests.Client(Self.version, prefix: "c", connection: try fixture.application())
        defer { _ = writer.stop() }
        let finished = try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice")).finished.map(\.entity)
        let (written, errors) = writer.stop()
        #expect(Set(finished) == ["Event", "Pin", "Tag"])
        #expect(errors.isEmpty, "the new version writes through the contract: \(errors)")
        #expect(try columnTypes(fixture) == "Event.id bigint, Event.name text, Event.parentId bigint, Pin.eventId bigint, Pin.slot integer, Tag.eventId bigint, Tag.id integer, Tag.note text")
        #expect(try filenodes(fixture) == files, "no table was rewritten")
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "the tables are the new snapshot: key, foreign keys and index names included")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Event""#) == events + Int64(written.count), "every row kept")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Event" WHERE "name" LIKE 'seed%' AND ("id" <> substr("name", 5)::bigint OR "parentId" IS DISTINCT FROM NULLIF(substr("name", 5)::bigint - 1, 0))"#) == 0,
                "every key and reference kept")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM pg_constraint WHERE conrelid IN ('"Event"'::regclass, '"Tag"'::regclass, '"Pin"'::regclass) AND contype IN ('p', 'f') AND convalidated"#) == 6,
                "three primary keys and three foreign keys, all validated")
        #expect(try fixture.text(#"SELECT pg_get_constraintdef(oid) AS "value" FROM pg_constraint WHERE conname = 'Pin_pkey'"#) == #"PRIMARY KEY ("eventId", slot)"#,
                "the compound key is made of the shadow's unique index")
        #expect(throws: SchemaError.self, "the compound key is enforced") { try fixture.asApplication(#"INSERT INTO "Pin" ("eventId", "slot") VALUES (1, 0)"#) }
        #expect(try fixture.text(#"SELECT pg_get_constraintdef(oid) AS "value" FROM pg_constraint WHERE conname = 'Tag_eventId_fkey'"#)
                == #"FOREIGN KEY ("eventId") REFERENCES "Event"(id) ON UPDATE CASCADE ON DELETE CASCADE"#)
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM pg_trigger WHERE tgrelid IN ('"Event"'::regclass, '"Tag"'::regclass, '"Pin"'::regclass) AND NOT tgisinternal"#) == 0)
        // The sequence goes past int, and the key and the references hold such values.
        #expect(try fixture.text(#"SELECT format_type(seqtypid, NULL) AS "value" FROM pg_sequence WHERE seqrelid = pg_get_serial_sequence('"Event"', 'id')::regclass"#) == "bigint")
        _ = try fixture.count(#"SELECT setval(pg_get_serial_sequence('"Event"', 'id'), 2147483647) AS "count""#)
        try fixture.asApplication(#"INSERT INTO "Event" ("name", "parentId") VALUES ('past int', 1)"#)
        #expect(try fixture.count(#"SELECT "id" AS "count" FROM "Event" WHERE "name" = 'past int'"#) == 2_147_483_648)
        try fixture.asApplication(#"INSERT INTO "Tag" ("eventId") VALUES (2147483648)"#)
        try fixture.asApplication(#"INSERT INTO "Event" ("name", "parentId") VALUES ('child', 2147483648)"#)
        #expect(throws: SchemaError.self, "the foreign key is enforced") { try fixture.asApplication(#"INSERT INTO "Tag" ("eventId") VALUES (9999999999)"#) }
        #expect(throws: SchemaError.self, "the primary key is enforced") { try fixture.asApplication(#"INSERT INTO "Event" ("id", "name") VALUES (1, 'again')"#) }
        try fixture.asApplication(#"DELETE FROM "Event" WHERE "name" = 'past int'"#)
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Tag" WHERE "eventId" = 2147483648"#) == 0, "ON DELETE CASCADE kept")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Event" WHERE "name" = 'child' AND "parentId" IS NULL"#) == 1, "ON DELETE SET NULL kept")
    }

    /// `complete Event` alone: the foreign key of Tag's still-int column moves to the widened key
    /// (PostgreSQL compares int with bigint), and Tag's own contract later replaces it.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func theReferencedTableCompletesBeforeTheTableThatReferencesIt() throws {
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        let (desired, _) = try expand(fixture)
        let engine = ApplyEngine(registry: fixture.registry, desiredState: { desired })
        let writer = RolloutTests.Client(Self.version, prefix: "c", connection: try fixture.application())
        defer { _ = writer.stop() }
        #expect(try engine.finishRollouts(.complete, entities: ["Event"], ApplyRequest(principal: "alice")).finished.map(\.entity) == ["Event"])
        #expect(try columnTypes(fixture) == "Event.id bigint, Event.name text, Event.parentId bigint, Pin.eventId integer, Pin.eventId__widened bigint, Pin.slot integer, "
                + "Tag.eventId integer, Tag.eventId__widened bigint, Tag.id integer, Tag.note text")
        #expect(try fixture.text(#"SELECT pg_get_constraintdef(oid) || ' ' || convalidated AS "value" FROM pg_constraint WHERE conname = 'Tag_eventId_fkey'"#)
                == #"FOREIGN KEY ("eventId") REFERENCES "Event"(id) ON UPDATE CASCADE ON DELETE CASCADE true"#, "Tag's foreign key points at the new key, validated")
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "Event is the new snapshot, Tag still the expanded one")
        #expect(Set(try engine.finishRollouts(.complete, entities: ["Tag", "Pin"], ApplyRequest(principal: "alice")).finished.map(\.entity)) == ["Tag", "Pin"])
        let (_, errors) = writer.stop()
        #expect(errors.isEmpty, "\(errors)")
        #expect(try columnTypes(fixture) == "Event.id bigint, Event.name text, Event.parentId bigint, Pin.eventId bigint, Pin.slot integer, Tag.eventId bigint, Tag.id integer, Tag.note text")
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift)
        #expect(throws: SchemaError.self, "the foreign key is enforced") { try fixture.asApplication(#"INSERT INTO "Tag" ("eventId") VALUES (9999999999)"#) }
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func rollbackLeavesTheIntKeysAndEveryRow() throws {
        let fixture = try atVersion1()
        defer { fixture.database.close() }
        let (desired, events) = try expand(fixture)
        let engine = ApplyEngine(registry: fixture.registry, desiredState: { desired })
        #expect(Set(try engine.finishRollouts(.rollback, entities: ["Event", "Tag", "Pin"], ApplyRequest(principal: "alice")).finished.map(\.entity)) == ["Event", "Tag", "Pin"])
        #expect(try columnTypes(fixture) == "Event.id integer, Event.name text, Event.parentId integer, Pin.eventId integer, Pin.slot integer, Tag.eventId integer, Tag.id integer, Tag.note text")
        #expect(!(try fixture.registry.drift(host: Desired.host)).hasDrift, "the old snapshot again")
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM "Event""#) == events)
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM pg_trigger WHERE tgrelid IN ('"Event"'::regclass, '"Tag"'::regclass, '"Pin"'::regclass) AND NOT tgisinternal"#) == 0)
        #expect(try fixture.count(#"SELECT COUNT(*) AS "count" FROM pg_class WHERE relname = 'Event_id__widened_key'"#) == 0)
    }

    static let boards = """
        entities:
          - name: Board
            fields:
              id: { type: int, primary: true, generated: true }
              ownerId: { type: int }
            relations:
              - { name: cards, type: hasMany, entity: Card }
            acl: { create: [user], read: [self, admin], update: [self, admin], delete: [self, admin], rowLevel: "ownerId = $user.id" }
          - name: Card
            fields:
              id: { type: int, primary: true, generated: true }
              boardId: { type: int }
            relations:
              - { name: board, type: belongsTo, entity: Board, field: boardId, onDelete: Cascade }
            acl: { create: [user], read: [self, admin], update: [self, admin], delete: [self, admin], rowLevel: "board.ownerId = $user.id" }
        """

    /// Row-level security on (`apply --rls`): Board's policies read its owner column, Card's read
    /// Board's key and owner through the relation. PostgreSQL refuses to drop a column a policy
    /// uses, so the swap sets those policies aside and puts them back as they were; as the
    /// application's role, each user still sees only their own rows afterwards.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func policiesThatReadAWidenedColumnAreKeptThroughTheSwap() throws {
        let (database, location) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        func applied(_ yaml: String) throws -> DesiredState {
            let desired = try Desired.from(["boards": yaml])
            _ = try registry.scan(desired, principal: "ci")
            _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
            let outcome = try ApplyEngine(registry: registry, desiredState: { desired }).run(ApplyRequest(rowLevelSecurity: .all))
            #expect(outcome.refused.isEmpty && outcome.applied.count == 2, "\(outcome.refused)")
            return desired
        }
        _ = try applied(Self.boards)
        let app = PostgresRoles.unique("app")
        try PostgresRoles.create(app)
        let policies = #"SELECT string_agg(tablename || ' ' || policyname || ' ' || cmd || ' ' || coalesce(qual, '-') || ' ' || coalesce(with_check, '-'), E'\n' ORDER BY tablename, policyname) AS "value" FROM pg_policies"#
        try database.withLockedTransaction { connection in
            try connection.execute("GRANT USAGE ON SCHEMA public TO \(app)")
            try connection.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \(app)")
            try connection.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO \(app)")
            _ = try connection.query("SELECT set_config('app.user_role', 'admin', true)", [])
            try connection.execute(#"WITH "boards" AS (INSERT INTO "Board" ("ownerId") SELECT g % 2 + 1 FROM generate_series(1, 100) AS g RETURNING "id") INSERT INTO "Card" ("boardId") SELECT "id" FROM "boards""#)
        }
        let before = try database.withLockedTransaction { try $0.query(policies, []).first?["value"]?.text }
        let desired = try applied(Self.boards.replacingOccurrences(of: ": { type: int", with: ": { type: bigint"))
        let outcome = try ApplyEngine(registry: registry, desiredState: { desired })
            .finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice", rowLevelSecurity: .all))
        #expect(Set(outcome.finished.map(\.entity)) == ["Board", "Card"])
        #expect(try database.withLockedTransaction { try $0.query(#"SELECT string_agg(table_name || '.' || column_name || ' ' || data_type, ', ' ORDER BY table_name, column_name) AS "value" FROM information_schema.columns WHERE table_name IN ('Board', 'Card')"#, []).first?["value"]?.text }
                == "Board.id bigint, Board.ownerId bigint, Card.boardId bigint, Card.id bigint")
        #expect(try database.withLockedTransaction { try $0.query(policies, []).first?["value"]?.text } == before, "the same policies, reading the same columns")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
        let application = try location.application(app)
        defer { application.close() }
        func visible(_ table: String, as user: String) throws -> Int {
            try application.withLockedTransaction { connection in
                _ = try connection.query("SELECT set_config('app.user_id', ?, true), set_config('app.user_role', 'user', true)", [.text(user)])
                return try connection.query(#"SELECT "id" FROM "\#(table)""#, []).count
            }
        }
        #expect(try visible("Board", as: "1") == 50 && visible("Card", as: "1") == 50, "user 1 sees their own boards and cards only")
        #expect(try visible("Board", as: "3") == 0 && visible("Card", as: "3") == 0)
    }

    /// An implicit many-to-many join table (`_PostToTag`, whose key is `("A", "B")`) follows Tag's
    /// widened key: its `B` is a widened column of a compound key and a foreign key's column, and
    /// rolls out beside Tag's; afterwards the tables are what Prisma Migrate makes for a `BigInt`
    /// key (drift clean), with every link kept and none rewritten.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aJoinTableFollowsTheWidenedKeyOfOneSide() throws {
        let v1 = """
            entities:
              - name: Post
                fields:
                  id: { type: string, primary: true }
                relations:
                  - { name: tags, type: manyToMany, entity: Tag }
              - name: Tag
                fields:
                  id: { type: int, primary: true, generated: true }
                relations:
                  - { name: posts, type: manyToMany, entity: Post }
            """
        let (database, registry, outcome) = try Registry.applied(try Desired.from(["blog": v1]), on: .postgres)
        defer { database.close() }
        #expect(outcome.refused.isEmpty)
        func value(_ sql: String) throws -> String? { try database.withLockedTransaction { try $0.query(sql, []).first?["value"]?.text } }
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Post" ("id") SELECT 'p' || g FROM generate_series(1, 500) AS g"#)
            try connection.execute(#"INSERT INTO "Tag" SELECT FROM generate_series(1, 50)"#)
            try connection.execute(#"INSERT INTO "_PostToTag" ("A", "B") SELECT 'p' || g, g % 50 + 1 FROM generate_series(1, 500) AS g"#)
        }
        let files = try value(#"SELECT pg_relation_filenode('"Tag"') || ' ' || pg_relation_filenode('"_PostToTag"') AS "value""#)
        let desired = try Desired.from(["blog": v1.replacingOccurrences(of: "id: { type: int", with: "id: { type: bigint")])
        let items = try registry.scan(desired, principal: "ci").queued
        #expect(Set(items.map(\.entity)) == ["Tag", "_PostToTag"] && items.allSatisfy { $0.isRolledOut && !$0.rewritesTable }, "\(items.map { ($0.entity, $0.risks) })")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
        #expect(try registry.applyApproved(desired).refused.isEmpty)
        #expect(Set(try registry.completeRollouts(desired).finished.map(\.entity)) == ["Tag", "_PostToTag"])
        #expect(try value(#"SELECT string_agg(table_name || '.' || column_name || ' ' || data_type, ', ' ORDER BY table_name, column_name) AS "value" FROM information_schema.columns WHERE table_name IN ('Tag', '_PostToTag')"#)
                == "Tag.id bigint, _PostToTag.A text, _PostToTag.B bigint")
        #expect(try value(#"SELECT pg_get_constraintdef(oid) AS "value" FROM pg_constraint WHERE conname = '_PostToTag_AB_pkey'"#) == #"PRIMARY KEY ("A", "B")"#)
        #expect(try value(#"SELECT pg_relation_filenode('"Tag"') || ' ' || pg_relation_filenode('"_PostToTag"') AS "value""#) == files, "neither table was rewritten")
        #expect(try value(#"SELECT COUNT(*)::text AS "value" FROM "_PostToTag" JOIN "Tag" ON "Tag"."id" = "_PostToTag"."B""#) == "500", "every link kept")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift, "the tables Prisma Migrate makes for a BigInt key")
    }
}
