import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// A model moved from the host's Prisma schema into a package (`schema import-prisma`): its table
/// is already there, with rows, made by Prisma Migrate. The package's create takes it over when
/// it is exactly that table, rows kept and nothing created; any other table of that name is
/// refused with what differs, never replaced.
@Suite(.serialized) struct TableTakeoverTests {
    static let widget = """
        entities:
          - name: Widget
            fields:
              id: { type: string, primary: true }
              name: { type: string, index: true }
              ownerId: { type: string }
            relations:
              - { name: owner, type: belongsTo, entity: User, field: ownerId }
        """

    /// The SQL Prisma Migrate writes for the host's model
    /// `model Widget { id String @id; name String; ownerId String; owner User @relation(fields: [ownerId], references: [id]); @@index([name]) }`,
    /// written by hand.
    static func prismaMigration(_ dialect: SQLDialect) -> [String] {
        switch dialect {
        case .postgresql:
            [
                #"CREATE TABLE "Widget" ("id" TEXT NOT NULL, "name" TEXT NOT NULL, "ownerId" TEXT NOT NULL, CONSTRAINT "Widget_pkey" PRIMARY KEY ("id"))"#,
                #"CREATE INDEX "Widget_name_idx" ON "Widget"("name")"#,
                #"ALTER TABLE "Widget" ADD CONSTRAINT "Widget_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE"#,
            ]
        case .sqlite:
            [
                #"CREATE TABLE "Widget" ("id" TEXT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL, "ownerId" TEXT NOT NULL, CONSTRAINT "Widget_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE)"#,
                #"CREATE INDEX "Widget_name_idx" ON "Widget"("name")"#,
            ]
        }
    }

    /// A database whose host made Widget (two rows), and the package's create of it queued.
    static func hostMadeWidget(_ backend: Backend, extra: [String] = [], migration: [String]? = nil, yaml: String = widget)
        throws -> (database: any RegistryDatabase, registry: Registry, desired: DesiredState, location: DatabaseLocation) {
        let (database, location) = try backend.makeDatabase()
        do {
            try database.withLockedTransaction { connection in
                for statement in (migration ?? prismaMigration(connection.dialect)) + [
                    #"INSERT INTO "User" ("id", "email") VALUES ('u1', 'a@example.com')"#,
                    #"INSERT INTO "Widget" ("id", "name", "ownerId") VALUES ('w1', 'one', 'u1'), ('w2', 'two', 'u1')"#,
                ] + extra {
                    try connection.execute(statement)
                }
            }
            let registry = Registry(database: database)
            try registry.addAdmin("alice", by: nil)
            let desired = try Desired.from(["widgets": yaml], deploys: .recreate)
            _ = try registry.scan(desired, principal: "ci")
            return (database, registry, desired, location)
        } catch {
            database.close()
            throw error
        }
    }

    static func widgetNames(_ database: any RegistryDatabase) throws -> [String] {
        try database.withLockedTransaction { try $0.query(#"SELECT "name" FROM "Widget" ORDER BY "id""#, []) }.compactMap { $0["name"]?.text }
    }

    @Test(arguments: Backend.available)
    func aModelMovedFromTheHostIsTakenOverWithItsRows(_ backend: Backend) throws {
        let (database, registry, desired, _) = try Self.hostMadeWidget(backend)
        defer { database.close() }
        let impacts = try registry.impact(of: try registry.items(in: [.pending]), context: Desired.recreating)
        let lines = impacts.values.flatMap(\.lines)
        #expect(lines.contains { $0.hasPrefix("TAKES OVER: the table Widget exists with exactly this shape") && $0.contains("kept") }, "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("BLOCKS APPLY") }, "\(lines)")
        // Widget has no ACL: on PostgreSQL a start with `--rls` would close the table the app reads.
        #expect(lines.contains { $0.hasPrefix("TAKES OVER") && $0.contains("no ACL, so a start with `--rls`") } == (backend == .postgres), "\(lines)")
        let instead = impacts.values.first?.runsInstead
        #expect(instead != nil && instead?.contains { $0.hasPrefix("CREATE") } == false, "the review shows that no CREATE runs: \(String(describing: instead))")

        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        let plan = try ApplyEngine(registry: registry, desiredState: { desired }).plan()
        #expect(plan.refused.isEmpty, "\(plan.refused.map(\.message))")
        #expect(!plan.statements.contains { $0.sql.hasPrefix("CREATE") }, "nothing is created: \(plan.statements.map(\.sql))")
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity) == ["Widget"], "\(outcome.refused.map(\.message))")
        #expect(!outcome.statements.contains { $0.sql.hasPrefix("CREATE") }, "\(outcome.statements.map(\.sql))")
        #expect(try Self.widgetNames(database) == ["one", "two"], "rows kept")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
        #expect(try registry.appliedEntities().map(\.structure.name) == ["Widget"])

        // From now on the package changes it like any table of its own.
        let grown = try Desired.from(["widgets": Self.widget.replacingOccurrences(of: "ownerId: { type: string }", with: "ownerId: { type: string }\n      colour: { type: string, nullable: true }")], deploys: .recreate)
        _ = try registry.scan(grown, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        #expect(try registry.applyApproved(grown).applied.map(\.action) == [.alter])
        #expect(try Self.widgetNames(database) == ["one", "two"])
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// With an ACL, `--rls` installs the entity's own policies on the taken-over table: nothing to warn of.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aTakenOverTableWithAnACLHasNoRowLevelSecurityWarning() throws {
        let yaml = Self.widget + "\n    acl:\n      read: [public]\n      create: [user]\n      update: [admin]\n      delete: [admin]\n"
        let (database, registry, _, _) = try Self.hostMadeWidget(.postgres, yaml: yaml)
        defer { database.close() }
        let lines = try registry.impact(of: try registry.items(in: [.pending]), context: Desired.recreating).values.flatMap(\.lines)
        #expect(lines.contains { $0.hasPrefix("TAKES OVER: the table Widget") }, "\(lines)")
        #expect(!lines.contains { $0.contains("--rls") }, "\(lines)")
    }

    @Test(arguments: Backend.available)
    func aTableOfAnotherShapeIsRefusedWithWhatDiffers(_ backend: Backend) throws {
        // The host's table has no index on name.
        let (database, registry, desired, _) = try Self.hostMadeWidget(backend, migration: Self.prismaMigration(backend == .postgres ? .postgresql : .sqlite)
            .filter { !$0.hasPrefix("CREATE INDEX") })
        defer { database.close() }
        let impacts = try registry.impact(of: try registry.items(in: [.pending]), context: Desired.recreating)
        #expect(impacts.values.flatMap(\.blockers).contains { $0.contains("exists and is not what this change creates") && $0.contains("Widget_name_idx") },
                "\(impacts.values.map(\.blockers))")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.isEmpty && outcome.refused.map(\.code) == [.drift], "\(outcome.refused)")
        #expect(outcome.refused.first?.message.contains("never replaces a table") == true, "\(outcome.refused.map(\.message))")
        #expect(try registry.items(in: [.approved]).count == 1, "the change stays approved")
        #expect(try Self.widgetNames(database) == ["one", "two"])
        #expect(try registry.appliedEntities().isEmpty)
    }

    /// The application role, after an SQL injection, prepares the table a package is about to
    /// create, with a trigger that copies every row written: exactly the right shape, but not
    /// taken over. Nor is a table of another owner.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func aTableWithSomeoneElsesObjectsIsNotTakenOver() throws {
        let (database, registry, desired, location) = try Self.hostMadeWidget(.postgres, extra: [
            #"CREATE TABLE "stolen" ("row" TEXT)"#,
            #"CREATE FUNCTION "copy_widget"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO "stolen" VALUES (NEW."name"); RETURN NEW; END $$"#,
            #"CREATE TRIGGER "copy_widget" AFTER INSERT ON "Widget" FOR EACH ROW EXECUTE FUNCTION "copy_widget"()"#,
        ])
        defer { database.close() }
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.isEmpty && outcome.refused.first?.message.contains("it has triggers (copy_widget)") == true, "\(outcome.refused.map(\.message))")

        // Another owner: the table made by a role of its own.
        let server = try #require(location.postgres)
        let name = try #require(server.database)
        let other = "o_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        try Backend.asSuperuser(database: name) { superuser in
            try superuser.executeOutsideTransaction(#"DROP TRIGGER "copy_widget" ON "Widget""#)
            try superuser.executeOutsideTransaction("CREATE ROLE \(other) NOLOGIN")
            try superuser.executeOutsideTransaction(#"ALTER TABLE "Widget" OWNER TO \#(other)"#)
        }
        let again = try registry.applyApproved(desired)
        #expect(again.applied.isEmpty && again.refused.first?.message.contains("belongs to role \(other)") == true, "\(again.refused.map(\.message))")
        #expect(try registry.appliedEntities().isEmpty)
    }

    /// The way back: the package stops declaring Widget and the host's schema declares the model
    /// again. The package's removal hands the table back (no SQL, nothing destructive to
    /// acknowledge) instead of dropping it; without the host's model it is still a drop.
    @Test(arguments: Backend.available)
    func aModelMovedBackToTheHostIsHandedBackWithItsRows(_ backend: Backend) throws {
        let (database, registry, desired, _) = try Self.hostMadeWidget(backend)
        defer { database.close() }
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        #expect(try registry.applyApproved(desired).applied.map(\.entity) == ["Widget"])

        // Without the host's model: a drop, destructive.
        let gone = try Desired.from(["widgets": "entities: []"], deploys: .recreate)
        _ = try registry.scan(gone, principal: "ci")
        let drop = try #require(try registry.items(in: [.pending]).first)
        #expect(drop.action == .drop && drop.isDestructive && drop.statements.contains { $0.sql.hasPrefix("DROP TABLE") }, "\(drop.statements.map(\.sql))")

        // With it: handed back.
        let host = PrismaSchemaParser.parse(Desired.hostText + """

            model Widget {
              id      String @id
              name    String
              ownerId String
              owner   User   @relation(fields: [ownerId], references: [id])

              @@index([name])
            }
            """, file: "prisma/schema.prisma").schema
        var workspace = Workspace.inMemory(["widgets": "entities: []"], baseSchema: host)
        workspace.configuration.deploys = .recreate
        let back = DesiredState.resolve(workspace)
        try #require(back.isValid, "\(back.errors.map(\.message))")
        _ = try registry.scan(back, principal: "ci")
        let handBack = try #require(try registry.items(in: [.pending]).first)
        #expect(handBack.action == .drop && !handBack.isDestructive && handBack.statements.isEmpty, "\(handBack.statements.map(\.sql))")
        #expect(handBack.operations.first?.hasPrefix("hand table Widget back to the host's schema") == true, "\(handBack.operations)")
        let decided = try registry.approve(.all, as: "alice", allowDataLoss: false, context: RenderContext(host: host, deploys: .recreate))
        #expect(decided.accepted.count == 1, "no data loss to acknowledge: \(decided.refused.map(\.message))")
        let outcome = try registry.applyApproved(back)
        #expect(outcome.applied.map(\.entity) == ["Widget"] && outcome.statements.isEmpty, "\(outcome.refused.map(\.message)) \(outcome.statements.map(\.sql))")
        #expect(try Self.widgetNames(database) == ["one", "two"], "the table and its rows stay")
        #expect(try registry.appliedEntities().isEmpty, "the registry forgot it")
        #expect(try registry.items(in: [.pending, .approved]).isEmpty)
    }

    static let blog = """
        entities:
          - name: Post
            fields:
              id: { type: string, primary: true }
            relations:
              - { name: tags, type: manyToMany, entity: Tag }
          - name: Tag
            fields:
              id: { type: string, primary: true }
            relations:
              - { name: posts, type: manyToMany, entity: Post }
        """

    /// The host's Prisma schema with the two models of ``blog``, whose implicit many-to-many
    /// Prisma Migrate makes as `_PostToTag`.
    static let hostWithBlog = PrismaSchemaParser.parse(Desired.hostText + """

        model Post {
          id   String @id
          tags Tag[]
        }
        model Tag {
          id    String @id
          posts Post[]
        }
        """, file: "prisma/schema.prisma").schema

    static func joinedPairs(_ database: any RegistryDatabase) throws -> [String] {
        try database.withLockedTransaction { try $0.query(#"SELECT "A" || '-' || "B" AS "pair" FROM "_PostToTag" ORDER BY 1"#, []) }.compactMap { $0["pair"]?.text }
    }

    /// Two models with an implicit many-to-many moved from a package back into the host: the
    /// host's schema now implies the join table `_PostToTag`, so its removal is a hand-back too,
    /// and the pairs stay. The way in again takes the three tables over, pairs and all.
    @Test(arguments: Backend.available)
    func aManyToManyMovedBackToTheHostKeepsItsPairs(_ backend: Backend) throws {
        let (database, location) = try backend.makeDatabase()
        _ = location
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let desired = try Desired.from(["blog": Self.blog], deploys: .recreate)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        #expect(try registry.applyApproved(desired).applied.count == 3)
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Post" ("id") VALUES ('p1'), ('p2')"#)
            try connection.execute(#"INSERT INTO "Tag" ("id") VALUES ('t1')"#)
            try connection.execute(#"INSERT INTO "_PostToTag" ("A", "B") VALUES ('p1', 't1'), ('p2', 't1')"#)
        }

        var workspace = Workspace.inMemory(["blog": "entities: []"], baseSchema: Self.hostWithBlog)
        workspace.configuration.deploys = .recreate
        let back = DesiredState.resolve(workspace)
        try #require(back.isValid, "\(back.errors.map(\.message))")
        _ = try registry.scan(back, principal: "ci")
        let pending = try registry.items(in: [.pending])
        #expect(pending.map(\.entity).sorted() == ["Post", "Tag", "_PostToTag"], "\(pending.map(\.entity))")
        for item in pending {
            #expect(item.action == .drop && !item.isDestructive && item.statements.isEmpty, "\(item.entity): \(item.statements.map(\.sql))")
        }
        let hostContext = RenderContext(host: Self.hostWithBlog, deploys: .recreate)
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false, context: hostContext).accepted.count == 3)
        let outcome = try registry.applyApproved(back)
        #expect(outcome.applied.count == 3 && outcome.statements.isEmpty, "\(outcome.refused.map(\.message)) \(outcome.statements.map(\.sql))")
        #expect(try Self.joinedPairs(database) == ["p1-t1", "p2-t1"], "the join table and its pairs stay")
        #expect(try registry.appliedEntities().isEmpty)

        // Into a package again: the tables are exactly Prisma's, so all three are taken over.
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        let again = try registry.applyApproved(desired)
        #expect(again.applied.count == 3 && !again.statements.contains { $0.sql.hasPrefix("CREATE") }, "\(again.refused.map(\.message)) \(again.statements.map(\.sql))")
        #expect(try Self.joinedPairs(database) == ["p1-t1", "p2-t1"])
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// Two models moved together, one keyed by two columns and one whose foreign key points at
    /// that whole key (ghostfolio's `Account` and `Order`): both are taken over in one start. The
    /// key's target columns were looked up among the applied structures only, so the second table
    /// read as pointing at `Account(id)` and was refused.
    @Test(arguments: Backend.available)
    func aForeignKeyToACompoundKeyTakenOverInTheSameStartIsTakenOverToo(_ backend: Backend) throws {
        let yaml = """
            entities:
              - name: Account
                primaryKey: [id, userId]
                fields:
                  id: { type: string }
                  userId: { type: string }
              - name: Order
                fields:
                  id: { type: string, primary: true }
                  accountId: { type: string }
                  accountUserId: { type: string }
                relations:
                  - { name: account, type: belongsTo, entity: Account, fields: [accountId, accountUserId], onDelete: Cascade }
            """
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        try database.withLockedTransaction { connection in
            let migration = connection.dialect == .postgresql ? [
                #"CREATE TABLE "Account" ("id" TEXT NOT NULL, "userId" TEXT NOT NULL, CONSTRAINT "Account_pkey" PRIMARY KEY ("id","userId"))"#,
                #"CREATE TABLE "Order" ("id" TEXT NOT NULL, "accountId" TEXT NOT NULL, "accountUserId" TEXT NOT NULL, CONSTRAINT "Order_pkey" PRIMARY KEY ("id"))"#,
                #"ALTER TABLE "Order" ADD CONSTRAINT "Order_accountId_accountUserId_fkey" FOREIGN KEY ("accountId", "accountUserId") REFERENCES "Account"("id", "userId") ON DELETE CASCADE ON UPDATE CASCADE"#,
            ] : [
                #"CREATE TABLE "Account" ("id" TEXT NOT NULL, "userId" TEXT NOT NULL, PRIMARY KEY ("id", "userId"))"#,
                #"CREATE TABLE "Order" ("id" TEXT NOT NULL PRIMARY KEY, "accountId" TEXT NOT NULL, "accountUserId" TEXT NOT NULL, CONSTRAINT "Order_accountId_accountUserId_fkey" FOREIGN KEY ("accountId", "accountUserId") REFERENCES "Account" ("id", "userId") ON DELETE CASCADE ON UPDATE CASCADE)"#,
            ]
            for statement in migration + [#"INSERT INTO "Account" ("id", "userId") VALUES ('a1', 'u1')"#,
                                          #"INSERT INTO "Order" ("id", "accountId", "accountUserId") VALUES ('o1', 'a1', 'u1')"#] {
                try connection.execute(statement)
            }
        }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let desired = try Desired.from(["ledger": yaml], deploys: .recreate)
        _ = try registry.scan(desired, principal: "ci")
        let pending = try registry.items(in: [.pending])
        let lines = try registry.impact(of: pending, context: Desired.recreating).values.flatMap(\.lines)
        #expect(lines.filter { $0.hasPrefix("TAKES OVER") }.count == 2 && !lines.contains { $0.hasPrefix("BLOCKS APPLY") }, "\(lines)")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.map(\.entity).sorted() == ["Account", "Order"] && outcome.refused.isEmpty, "\(outcome.refused.map(\.message))")
        #expect(!outcome.statements.contains { $0.sql.hasPrefix("CREATE") }, "\(outcome.statements.map(\.sql))")
        let orders = try database.withLockedTransaction { try $0.query(#"SELECT COUNT(*) AS "count" FROM "Order""#, []).first?["count"]?.integer }
        #expect(orders == 1, "rows kept")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// An enum type whose migrations appended values the Prisma schema lists elsewhere (ghostfolio's
    /// `Role`: the database says USER, ADMIN, DEMO, INACTIVE; the schema ADMIN, DEMO, INACTIVE,
    /// USER): the takeover is refused, and the refusal says the order to declare, in the package's
    /// terms (a value stored under another label, `@map`, by its name).
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func anEnumInAnotherOrderSaysTheOrderToDeclare() throws {
        let yaml = """
            enums:
              Role: [ADMIN, DEMO, INACTIVE, { USER: "user" }]
            entities:
              - name: Member
                fields:
                  id: { type: string, primary: true }
                  role: { type: Role }
            """
        let (database, _) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        try database.withLockedTransaction { connection in
            try connection.execute(#"CREATE TYPE "Role" AS ENUM ('user', 'ADMIN')"#)
            try connection.execute(#"ALTER TYPE "Role" ADD VALUE 'DEMO'"#)
            try connection.execute(#"ALTER TYPE "Role" ADD VALUE 'INACTIVE'"#)
            try connection.execute(#"CREATE TABLE "Member" ("id" TEXT NOT NULL, "role" "Role" NOT NULL, CONSTRAINT "Member_pkey" PRIMARY KEY ("id"))"#)
        }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let desired = try Desired.from(["members": yaml], deploys: .recreate)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        let refused = try registry.applyApproved(desired)
        #expect(refused.applied.isEmpty && refused.refused.count == 1, "\(refused.refused.map(\.message))")
        #expect(refused.refused.first?.message.contains(#"the database's type Role lists its values as USER, ADMIN, DEMO, INACTIVE: declare them in that order"#) == true,
                "\(refused.refused.map(\.message))")

        let declared = try Desired.from(["members": yaml.replacingOccurrences(of: #"[ADMIN, DEMO, INACTIVE, { USER: "user" }]"#, with: #"[{ USER: "user" }, ADMIN, DEMO, INACTIVE]"#)], deploys: .recreate)
        _ = try registry.scan(declared, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        #expect(try registry.applyApproved(declared).applied.map(\.entity) == ["Member"])
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// A host that never migrated an index its schema declares (umami's `session_replay`): the
    /// takeover is refused with the way round, which works: taken over without the index, then
    /// the index added as a change of its own.
    @Test(arguments: Backend.available)
    func aTableLackingOnlyADeclaredIndexSaysHowToTakeItOver(_ backend: Backend) throws {
        let migration = Self.prismaMigration(backend == .postgres ? .postgresql : .sqlite).filter { !$0.contains("Widget_name_idx") }
        let (database, registry, desired, _) = try Self.hostMadeWidget(backend, migration: migration)
        defer { database.close() }
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        let refused = try registry.applyApproved(desired)
        #expect(refused.applied.isEmpty && refused.refused.first?.message.contains("take it over without them (leave them out of the entity)") == true,
                "\(refused.refused.map(\.message))")

        let withoutIndex = try Desired.from(["widgets": Self.widget.replacingOccurrences(of: "name: { type: string, index: true }", with: "name: { type: string }")], deploys: .recreate)
        _ = try registry.scan(withoutIndex, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        let taken = try registry.applyApproved(withoutIndex)
        #expect(taken.applied.map(\.entity) == ["Widget"] && !taken.statements.contains { $0.sql.hasPrefix("CREATE") }, "\(taken.refused.map(\.message))")
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        let indexed = try registry.applyApproved(desired)
        #expect(indexed.applied.map(\.action) == [.alter] && indexed.statements.contains { $0.sql.contains("Widget_name_idx") }, "\(indexed.statements.map(\.sql))")
        #expect(try Self.widgetNames(database) == ["one", "two"], "rows kept")
        #expect(!(try registry.drift(host: Desired.host)).hasDrift)
    }

    /// A taken-over table's rows are the host's, written by connections that may have had SQLite's
    /// foreign keys off: a row whose owner is gone fails the start, and the table stays the host's,
    /// rather than the registry vouching for a foreign key its rows break.
    @Test func aTakenOverSQLiteTableWhoseRowsBreakItsForeignKeyFailsTheStart() throws {
        let orphan = #"INSERT INTO "Widget" ("id", "name", "ownerId") VALUES ('w3', 'three', 'gone')"#
        let (database, registry, desired, _) = try Self.hostMadeWidget(.sqlite, extra: [orphan])
        defer { database.close() }
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: Desired.recreating)
        #expect(throws: SchemaError.self) { try registry.applyApproved(desired) }
        #expect(try registry.appliedEntities().isEmpty)
        #expect(try registry.items(in: [.failed]).map(\.entity) == ["Widget"])
        #expect(try Self.widgetNames(database) == ["one", "two", "three"], "rows kept")
    }
}
