import Foundation
import SchemaCore
import SchemaRegistry
import Testing

@Suite(.serialized) struct RegistryFlowTests {
    static let version1 = """
        entities:
          - name: Contact
            fields:
              id: { type: cuid, primary: true, generated: true }
              tenantId: { type: string }
              fullName: { type: string, maxLength: 100 }
              age: { type: int, nullable: true, min: 0 }
              notes: { type: string, nullable: true }
            indexes:
              - fields: [tenantId]
            relations:
              - { name: tenant, type: belongsTo, entity: Tenant, field: tenantId, onDelete: Cascade }
          - name: Deal
            fields:
              id: { type: cuid, primary: true, generated: true }
              contactId: { type: string }
              amount: { type: float, default: 0 }
              stage: { type: string, enum: [lead, won, lost], default: lead }
            relations:
              - { name: contact, type: belongsTo, entity: Contact, field: contactId, onDelete: Cascade }
          - name: Note
            fields:
              id: { type: cuid, primary: true }
              body: { type: string }
        """

    /// Adds a field, changes a type, adds an index, renames a column, removes an entity.
    static let version2 = version1
        .replacingOccurrences(of: "      age: { type: int, nullable: true, min: 0 }\n      notes: { type: string, nullable: true }",
                              with: "      age: { type: bigint, nullable: true, min: 0 }\n      remarks: { type: string, nullable: true, renamedFrom: notes }\n      email: { type: string, nullable: true, maxLength: 200 }")
        .replacingOccurrences(of: "      - fields: [tenantId]\n", with: "      - fields: [tenantId]\n      - fields: [fullName]\n")
        .replacingOccurrences(of: "  - name: Note\n    fields:\n      id: { type: cuid, primary: true }\n      body: { type: string }", with: "")

    func bootstrap(_ registry: Registry) throws {
        try registry.addAdmin("alice", by: nil)
    }

    /// A new database with an admin and ``version1`` applied.
    func atVersion1(_ backend: Backend) throws -> (database: any RegistryDatabase, registry: Registry) {
        let (database, _) = try backend.makeDatabase()
        let registry = Registry(database: database)
        try bootstrap(registry)
        _ = try applyAll(registry, Self.version1)
        return (database, registry)
    }

    func applyAll(_ registry: Registry, _ yaml: String, allowDataLoss: Bool = false) throws -> ApplyOutcome {
        let desired = try Desired.from(["crm": yaml])
        _ = try registry.scan(desired, principal: "ci")
        // int → bigint rewrites a table on PostgreSQL: acknowledged here, refused without (OnlineApplyTests).
        let decision = try registry.approve(.all, as: "alice", allowDataLoss: allowDataLoss, allowRewrite: true)
        #expect(decision.refused.isEmpty, "\(decision.refused)")
        let outcome = try registry.applyApproved(desired, principal: "ci")
        // Every version here is meant whole: what a rolling deploy leaves for later is completed.
        try registry.completeRollouts(desired)
        return outcome
    }

    @Test(arguments: Backend.available)
    func scanApproveApplyCreatesEverythingOnce(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try bootstrap(registry)
        let desired = try Desired.from(["crm": Self.version1])
        let scan = try registry.scan(desired, principal: "ci")
        #expect(scan.queued.map(\.entity) == ["Contact", "Deal", "Note"])
        #expect(scan.queued.allSatisfy { $0.action == .create && !$0.isDestructive })
        #expect(try registry.scan(desired, principal: "ci").queued.isEmpty)

        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
        let applied = try registry.applyApproved(desired, principal: "ci")
        #expect(applied.applied.count == 3)
        let schema = try Introspection.describe(database)
        #expect(schema.contains { $0.hasPrefix("Contact.fullName") })
        #expect(schema.contains { $0.contains("Contact_tenantId_idx") })
        #expect(schema.contains { $0.contains("Deal") && ($0.contains("fk contactId -> Contact.id delete=CASCADE") || $0.contains("FOREIGN KEY (\"contactId\") REFERENCES \"Contact\"(id) ON UPDATE CASCADE ON DELETE CASCADE")) },
                "\(schema)")

        #expect(try registry.applyApproved(desired, principal: "ci").nothingToDo)
        let rescan = try registry.scan(desired, principal: "ci")
        #expect(rescan.queued.isEmpty && rescan.requeued.isEmpty && rescan.superseded.isEmpty)
        #expect(try registry.status().entities == ["Contact", "Deal", "Note"])
        let applyLines = try registry.audit().filter { $0.action == "apply" }
        #expect(applyLines.count == 3)
    }

    @Test(arguments: Backend.available)
    func editsConvergeToTheSchemaOfAFreshDatabase(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try bootstrap(registry)
        _ = try applyAll(registry, Self.version1)

        let desired = try Desired.from(["crm": Self.version2])
        let scan = try registry.scan(desired, principal: "ci")
        #expect(Dictionary(uniqueKeysWithValues: scan.queued.map { ($0.entity, $0.action) }) == ["Contact": .alter, "Note": .drop])
        let contact = try #require(scan.queued.first { $0.entity == "Contact" })
        #expect(contact.operations.contains("rename column Contact.notes to remarks"))
        #expect(contact.operations.contains("add column Contact.email string?"))
        #expect(contact.operations.contains { $0.hasPrefix("alter column Contact.age: type int → bigint") })
        #expect(contact.operations.contains("create index on Contact (fullName)"))
        #expect(!contact.isDestructive)
        #expect(scan.queued.first { $0.entity == "Note" }?.isDestructive == true)

        // Data survives the migration, including the renamed column.
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Tenant" ("id", "name") VALUES ('t1', 'Acme')"#)
            try connection.execute(#"INSERT INTO "Contact" ("id", "tenantId", "fullName", "age", "notes") VALUES ('c1', 't1', 'Ada', 36, 'met at conf')"#)
        }
        let refused = try registry.approve(.all, as: "alice", allowDataLoss: false, allowRewrite: true)
        #expect(refused.refused.count == 1 && refused.accepted.map(\.entity) == ["Contact"])
        _ = try registry.reject(.ids([]), as: "alice", reason: nil)
        let dropId = try #require(scan.queued.first { $0.entity == "Note" }?.id)
        #expect(try registry.approve(.ids([dropId]), as: "alice", allowDataLoss: true).accepted.count == 1)
        let result = try registry.applyApproved(desired, principal: "ci")
        #expect(result.applied.count == 2)
        try registry.completeRollouts(desired)

        let (fresh, _) = try backend.makeDatabase()
        defer { fresh.close() }
        let freshRegistry = Registry(database: fresh)
        try freshRegistry.addAdmin("alice", by: nil)
        _ = try applyAll(freshRegistry, Self.version2)
        let migrated = try Introspection.describe(database)
        #expect(migrated == (try Introspection.describe(fresh)))
        // Columns, indexes, checks and foreign keys of Contact and Deal: the comparison is not vacuous.
        #expect(migrated.count >= 15, "\(migrated)")
        #expect(migrated.contains { $0.contains("remarks") } && migrated.contains { $0.contains("email") } && !migrated.contains { $0.contains("notes") })
        #expect(migrated.contains { $0.contains("fullName") && $0.contains("index") })

        let row = try database.withLockedTransaction { try $0.query(#"SELECT "remarks", "age", "fullName" FROM "Contact" WHERE "id" = 'c1'"#, []) }
        #expect(row.first?["remarks"]?.text == "met at conf")
        #expect(row.first?["age"]?.integer == 36)
    }

    @Test(arguments: Backend.available)
    func modifiedAfterApprovalIsRefusedAndTheRestApplies(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try bootstrap(registry)
        _ = try applyAll(registry, Self.version1)
        _ = try registry.scan(try Desired.from(["crm": Self.version2]), principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, allowRewrite: true)
        // The package file changes again after approval.
        let version3 = Self.version2.replacingOccurrences(of: "      email:", with: "      phone: { type: string, nullable: true }\n      email:")
        let result = try registry.applyApproved(try Desired.from(["crm": version3]), principal: "ci")
        #expect(result.applied.map(\.entity) == ["Note"])
        #expect(result.refused.map(\.entity) == ["Contact"])
        #expect(result.refused.first?.message.contains("modified after approval") == true)
        #expect(result.refused.first?.code == .modifiedAfterApproval)
        let failed = try registry.items(in: [.failed])
        #expect(failed.map(\.entity) == ["Contact"])
        #expect(try registry.audit().contains { $0.action == "apply-refused" && $0.entity == "Contact" })
        #expect(!(try Introspection.describe(database)).contains { $0.contains("email") })
    }

    @Test(arguments: Backend.available)
    func onlyAdminsDecideAndEveryChangeIsAudited(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        let desired = try Desired.from(["crm": Self.version1])
        _ = try registry.scan(desired, principal: "ci")
        #expect(errorCode { try registry.approve(.all, as: "alice", allowDataLoss: false) } == .notAdmin)
        try registry.addAdmin("alice", by: nil)
        #expect(errorCode { try registry.addAdmin("alice", by: "alice") } == .adminConflict)
        #expect(errorCode { try registry.addAdmin("mallory", by: nil) } == .notAdmin)
        #expect(errorCode { try registry.addAdmin("mallory", by: "mallory") } == .notAdmin)
        #expect(errorCode { try registry.addAdmin("bad name", by: "alice") } == .invalidName)
        #expect(errorCode { try registry.approve(.all, as: "mallory", allowDataLoss: true) } == .notAdmin)
        #expect(errorCode { try registry.reject(.all, as: "mallory", reason: "no") } == .notAdmin)
        #expect(try registry.items(in: [.pending]).count == 3)

        let note = try #require(try registry.items(in: [.pending]).first { $0.entity == "Note" })
        #expect(try registry.reject(.ids([note.id]), as: "alice", reason: "not needed").accepted.count == 1)
        #expect(try registry.approve(.all, as: "alice", allowDataLoss: false).accepted.count == 2)
        let audit = try registry.audit()
        #expect(audit.contains { $0.action == "approve-denied" && $0.principal == "mallory" })
        #expect(audit.contains { $0.action == "reject-denied" && $0.principal == "mallory" })
        #expect(audit.contains { $0.action == "admin-add-denied" && $0.principal == "mallory" })
        #expect(audit.contains { $0.action == "reject" && $0.principal == "alice" && $0.detail == "not needed" })
        #expect(audit.filter { $0.action == "approve" && $0.principal == "alice" }.count == 2)
        #expect(audit.filter { $0.action == "queue" }.count == 3)
        // Rejected changes are not queued again by a later scan.
        #expect(try registry.scan(desired, principal: "ci").previouslyRejected.map(\.entity) == ["Note"])
        // The audit log is append-only, enforced by the database.
        #expect(throws: (any Error).self) { try database.withLockedTransaction { connection in try connection.execute(#"DELETE FROM \#(connection.names.audit)"#) } }
        #expect(throws: (any Error).self) { try database.withLockedTransaction { connection in try connection.execute(#"UPDATE \#(connection.names.audit) SET "principal" = 'x'"#) } }
    }

    @Test(arguments: Backend.available)
    func failedApplyRollsBackEverythingAndRecordsTheError(_ backend: Backend) throws {
        let (database, registry) = try atVersion1(backend)
        defer { database.close() }
        // A new table named like an index made by hand: both databases keep tables and indexes in
        // one namespace, so CREATE TABLE fails; neither validation (which knows only the names
        // the tool makes, E061), the drift check (it looks for tables) nor the data checks can
        // foresee it.
        try database.withLockedTransaction { try $0.execute(#"CREATE INDEX "Clash" ON "User"("email")"#) }
        let extended = Self.version1
            .replacingOccurrences(of: "      notes: { type: string, nullable: true }", with: "      notes: { type: string, nullable: true }\n      phone: { type: string, nullable: true }")
            + "\n  - name: Clash\n    fields:\n      id: { type: cuid, primary: true }\n"
        let desired = try Desired.from(["crm": extended])
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
        #expect(errorCode { try registry.applyApproved(desired, principal: "ci") } == .statementFailed)
        // The Contact change shares the transaction and was rolled back with it.
        #expect(!(try Introspection.describe(database)).contains { $0.contains("phone") })
        #expect(try registry.items(in: [.failed]).map(\.entity) == ["Clash"])
        #expect(try registry.items(in: [.approved]).map(\.entity) == ["Contact"])
        #expect(try registry.audit().contains { $0.action == "apply-failed" && ($0.detail ?? "").contains("statement") })
        #expect(try registry.status().entities == ["Contact", "Deal", "Note"])

        // The author renames the clashing entity: the failed item is superseded by the new one,
        // not listed as failed beside it.
        let fixed = try Desired.from(["crm": extended.replacingOccurrences(of: "Clash", with: "ContactIndexCard")])
        let rescan = try registry.scan(fixed, principal: "ci")
        #expect(rescan.superseded.map(\.entity) == ["Clash"])
        #expect(try registry.items(in: [.failed]).isEmpty)
        #expect(try registry.audit().contains { $0.action == "supersede" && $0.entity == "Clash" })
    }

    @Test(arguments: Backend.available)
    func rowsThatWouldMakeAChangeFailAreCountedAndRefuseItBeforeAnythingRuns(_ backend: Backend) throws {
        let (database, registry) = try atVersion1(backend)
        defer { database.close() }
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Tenant" ("id", "name") VALUES ('t1', 'Acme')"#)
            try connection.execute(#"INSERT INTO "Contact" ("id", "tenantId", "fullName") VALUES ('c1', 't1', 'Ada'), ('c2', 't1', 'Ada'), ('c3', 't1', 'Bob'), ('c4', 't1', 'Bob'), ('c5', 't1', 'Cy')"#)
        }
        let unique = Self.version1
            .replacingOccurrences(of: "      - fields: [tenantId]\n", with: "      - fields: [tenantId]\n      - fields: [fullName]\n        unique: true\n")
            + "\n  - name: Extra\n    fields:\n      id: { type: cuid, primary: true }\n"
        // A deploy that stops the old version first: the new unique index is part of the start
        // (with rolling deploys it waits for `complete`, which counts the same rows: RolloutTests).
        let desired = try Desired.from(["crm": unique], deploys: .recreate)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
        let outcome = try registry.applyApproved(desired, principal: "ci")
        #expect(outcome.applied.map(\.entity) == ["Extra"])
        #expect(outcome.refused.map(\.code) == [.dataViolation])
        #expect(outcome.refused.first?.message.hasPrefix("2 groups of rows of Contact with the same (fullName)") == true, "\(outcome.refused)")
        #expect(outcome.refused.first?.message.contains("for example Ada; Bob") == true, "\(outcome.refused)")
        #expect(try registry.items(in: [.failed]).map(\.entity) == ["Contact"])
        #expect(!(try Introspection.describe(database)).contains { $0.contains("Contact_fullName_key") })
    }

    @Test(arguments: Backend.available)
    func forgedApprovalRowsAreRefused(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        let desired = try Desired.from(["crm": Self.version1])
        let items = try registry.scan(desired, principal: "ci").queued
        try database.withLockedTransaction { connection in
            for item in items {
                try connection.execute(#"UPDATE \#(connection.names.queue) SET "state" = 'approved' WHERE "id" = ?"#, [.text(item.id)])
            }
            // One row with an approval whose SQL hash does not match, one with none at all.
            try connection.execute(#"INSERT INTO \#(connection.names.approvals) ("item_id", "principal", "approved_at", "checksum", "sql_hash", "allow_data_loss") VALUES (?, 'mallory', 'now', ?, 'deadbeef', 0)"#, [.text(items[0].id), .text(items[0].toChecksum ?? "")])
            try connection.execute(#"UPDATE \#(connection.names.queue) SET "statements" = '[{"phase":2,"sql":"DROP TABLE \"User\""}]' WHERE "id" = ?"#, [.text(items[1].id)])
            try connection.execute(#"INSERT INTO \#(connection.names.approvals) ("item_id", "principal", "approved_at", "checksum", "sql_hash", "allow_data_loss") VALUES (?, 'mallory', 'now', ?, ?, 0)"#, [.text(items[1].id), .text(items[1].toChecksum ?? ""), .text(items[1].sqlHash)])
        }
        let result = try registry.applyApproved(desired, principal: "ci")
        #expect(result.applied.isEmpty)
        #expect(result.refused.count == 3)
        #expect(Set(result.refused.map(\.code)) == [.sqlChanged, .notApproved])
        let tables = try database.withLockedTransaction { connection in
            try connection.query(connection.dialect == .sqlite ? #"SELECT "name" FROM "sqlite_master" WHERE "name" = 'User'"# : "SELECT tablename AS name FROM pg_tables WHERE tablename = 'User'", [])
        }
        #expect(tables.count == 1, "the forged DROP TABLE must not run")
    }

    @Test(arguments: Backend.available)
    func newerScansSupersedeAndRevive(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try bootstrap(registry)
        _ = try applyAll(registry, Self.version1)
        let second = try registry.scan(try Desired.from(["crm": Self.version2]), principal: "ci")
        let version3 = Self.version2.replacingOccurrences(of: "      email:", with: "      phone: { type: string, nullable: true }\n      email:")
        let third = try registry.scan(try Desired.from(["crm": version3]), principal: "ci")
        #expect(third.superseded.map(\.entity) == ["Contact"])
        #expect(third.queued.map(\.entity) == ["Contact"])
        #expect(third.queued.first?.id != second.queued.first { $0.entity == "Contact" }?.id)
        let back = try registry.scan(try Desired.from(["crm": Self.version2]), principal: "ci")
        #expect(back.requeued.map(\.entity) == ["Contact"])
        let backToApplied = try registry.scan(try Desired.from(["crm": Self.version1]), principal: "ci")
        #expect(Set(backToApplied.superseded.map(\.entity)) == ["Contact", "Note"])
        #expect(try registry.items(in: [.pending]).isEmpty)
    }
}

extension RegistryFlowTests {
    /// A package removed and installed again, and a change undone and made again, get their
    /// tables back: the repeated transition is a new item, not the applied one from before.
    @Test(arguments: Backend.available)
    func undoneChangesCanBeMadeAgain(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try bootstrap(registry)
        let fresh = try Introspection.describe(database)
        let created = try applyAll(registry, Self.version1)
        let installed = try Introspection.describe(database)
        #expect(created.applied.count == 3)
        try database.withLockedTransaction { connection in
            try connection.execute(#"INSERT INTO "Tenant" ("id", "name") VALUES ('t1', 'Acme')"#)
            try connection.execute(#"INSERT INTO "Contact" ("id", "tenantId", "fullName") VALUES ('c1', 't1', 'Ada')"#)
            try connection.execute(#"INSERT INTO "Deal" ("id", "contactId") VALUES ('d1', 'c1')"#)
        }

        // Uninstall: every table dropped, whatever order the items run in, rows and all.
        let uninstalled = try Desired.from([:])
        _ = try registry.scan(uninstalled, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true)
        #expect(try registry.applyApproved(uninstalled, principal: "ci").applied.map(\.action) == [.drop, .drop, .drop])
        try registry.completeRollouts(uninstalled)
        #expect(try Introspection.describe(database) == fresh)

        // Reinstall: the same creates as the first time, under new ids, applied again.
        let reinstalled = try applyAll(registry, Self.version1)
        #expect(reinstalled.applied.map(\.action) == [.create, .create, .create])
        #expect(Set(reinstalled.applied.map(\.id)).isDisjoint(with: created.applied.map(\.id)))
        #expect(try Introspection.describe(database) == installed)
        #expect(try registry.scan(try Desired.from(["crm": Self.version1]), principal: "ci").queued.isEmpty)

        // A → B → A → B: the last step repeats the first alter and must run again.
        _ = try applyAll(registry, Self.version2, allowDataLoss: true)
        let changed = try Introspection.describe(database)
        _ = try applyAll(registry, Self.version1, allowDataLoss: true)
        #expect(try Introspection.describe(database) == installed)
        let again = try applyAll(registry, Self.version2, allowDataLoss: true)
        #expect(again.applied.map(\.entity).sorted() == ["Contact", "Note"])
        #expect(try Introspection.describe(database) == changed)
        #expect(try registry.items(in: [.pending, .approved, .failed]).isEmpty)
    }
}

extension RegistryFlowTests {
    /// A rejection can be taken back by an admin: the next scan queues the change again.
    @Test(arguments: Backend.available)
    func rejectionsCanBeTakenBack(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try bootstrap(registry)
        let desired = try Desired.from(["crm": Self.version1])
        let queued = try registry.scan(desired, principal: "ci").queued
        let note = try #require(queued.first { $0.entity == "Note" })
        #expect(try registry.reject(.ids([note.id]), as: "alice", reason: "not yet").accepted.map(\.id) == [note.id])
        #expect(try registry.scan(desired, principal: "ci").previouslyRejected.map(\.id) == [note.id])

        #expect(errorCode { try registry.reopen(.ids([note.id]), as: "mallory", reason: nil) } == .notAdmin)
        #expect(try registry.items(in: [.rejected]).map(\.id) == [note.id])
        #expect(try registry.reopen(.ids(["nope"]), as: "alice", reason: nil).refused.map(\.code) == [.unknownItem])
        #expect(try registry.reopen(.all, as: "alice", reason: "rejected by mistake").accepted.map(\.id) == [note.id])

        let rescan = try registry.scan(desired, principal: "ci")
        #expect(rescan.requeued.map(\.id) == [note.id])
        #expect(Set(try registry.items(in: [.pending]).map(\.entity)) == ["Contact", "Deal", "Note"])
        let actions = try registry.audit().filter { $0.itemId == note.id }.map(\.action)
        #expect(actions == ["queue", "reject", "reopen", "requeue"])
        #expect(try registry.audit().contains { $0.action == "reopen-denied" && $0.principal == "mallory" })
    }
}

/// Read-only commands (status, list, plan, drift, audit) pointed at a database without a registry.
@Suite struct ReadOnlyRegistryTests {
    @Test(arguments: Backend.available)
    func aReadOnlyRegistryReportsAMissingRegistryAndCreatesNothing(_ backend: Backend) throws {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        func registryObjects() throws -> Int64? {
            try database.withLockedTransaction { connection in
                switch connection.dialect {
                case .sqlite:
                    try connection.query(#"SELECT COUNT(*) AS "count" FROM "sqlite_master" WHERE "name" LIKE '\_schema\_%' ESCAPE '\'"#, []).first?["count"]?.integer
                case .postgresql:
                    try connection.query(#"SELECT COUNT(*) AS "count" FROM pg_namespace WHERE nspname = 'schema_registry'"#, []).first?["count"]?.integer
                }
            }
        }
        let reader = Registry(database: database, readOnly: true)
        #expect(errorCode { try reader.status() } == .noRegistry)
        #expect(errorCode { try reader.items() } == .noRegistry)
        #expect(try registryObjects() == 0, "a read-only registry created its tables")

        try Registry(database: database).prepareTables()
        #expect(try registryObjects() ?? 0 > 0)
        #expect(try reader.status().entities.isEmpty, "once a writing command made it, reading works")
    }
}
