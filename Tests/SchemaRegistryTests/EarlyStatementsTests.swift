import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// A start on SQLite that reads the package files while it runs (``ApplyRequest/overlapsReading``)
/// makes the tables of the approved creates as each is accepted, while later items are still being
/// verified, in a savepoint; once every item is decided it keeps them when they are the first
/// statements of the start's order, and undoes them to run everything in that order otherwise.
/// Each test compares it with a start that reads the files first and decides everything before
/// running anything, on a twin database: what commits must be the same, in the same order.
@Suite(.serialized) struct EarlyStatementsTests {
    static let savepoint = #"SAVEPOINT "early_statements""#
    static let release = #"RELEASE SAVEPOINT "early_statements""#
    static let rollback = #"ROLLBACK TO SAVEPOINT "early_statements""#

    /// The paths of two SQLite registries built by `setUp`: one file and its copy, so both queues
    /// hold the same items in the same order.
    static func twins(_ setUp: (Registry) throws -> Void) throws -> [String] {
        let (database, location) = try Backend.sqlite.makeDatabase()
        guard case .sqlite(let path) = location else { throw SchemaError(.usage, "not a SQLite location") }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        try setUp(registry)
        database.close()
        let copy = path + "-twin.sqlite"
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        return [path, copy]
    }

    /// A start of the registry at `path` against `desired`, with what SQLite traced meanwhile and
    /// the queue's states after it.
    static func attempt(_ path: String, _ desired: DesiredState, overlapping: Bool) throws
        -> (outcome: Result<ApplyOutcome, any Error>, trace: [String], states: [QueueItem.State]) {
        let traced = TracedStatements()
        let database = try SQLiteRegistryDatabase(path: path) { traced.append($0) }
        defer { database.close() }
        var request = ApplyRequest(principal: "ci")
        request.overlapsReading = overlapping
        let registry = Registry(database: database)
        let outcome = Result { try ApplyEngine(registry: registry, desiredState: { desired }, renderContext: { desired.renderContext }).run(request) }
        return (outcome, traced.all.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }, try registry.items(in: nil).map(\.state))
    }

    /// ``attempt(_:_:overlapping:)`` that must succeed.
    static func start(_ path: String, _ desired: DesiredState, overlapping: Bool) throws -> (outcome: ApplyOutcome, trace: [String]) {
        let attempt = try attempt(path, desired, overlapping: overlapping)
        return (try attempt.outcome.get(), attempt.trace)
    }

    /// Scans `desired` into a registry and approves everything queued.
    static func approving(_ desired: DesiredState) -> (Registry) throws -> Void {
        { registry in
            _ = try registry.scan(desired, principal: "ci")
            _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
        }
    }

    /// Whether the databases at `paths` hold the same schema and registry.
    static func alike(_ paths: [String]) throws -> Bool {
        let databases = try paths.map { try SQLiteRegistryDatabase(path: $0) }
        defer { databases.forEach { $0.close() } }
        return try Set(databases.map { try Introspection.describe($0) }).count == 1
    }

    static func summary(_ outcome: ApplyOutcome) -> [String] {
        outcome.applied.map { "applied \($0.entity)" } + outcome.refused.map { "refused \($0.entity) \($0.code.rawValue)" } + outcome.statements.map(\.sql)
    }

    /// The migration statements of `trace` from its last line equal to `marker` on.
    static func migrationStatements(_ trace: [String], after marker: String) -> [String] {
        StatementLog.migrationStatements(Array(trace[((trace.lastIndex(of: marker) ?? -1) + 1)...]))
    }

    @Test func newTablesAreMadeAsTheirItemsAreAccepted() throws {
        let yaml = """
            entities:
              - name: Shelf
                fields:
                  id: { type: string, primary: true }
                  label: { type: string, index: true }
              - name: Book
                fields:
                  id: { type: string, primary: true }
                  shelfId: { type: string, index: true }
                relations:
                  - { name: shelf, type: belongsTo, entity: Shelf, field: shelfId }
              - name: Reader
                fields:
                  id: { type: string, primary: true }
            """
        let desired = try Desired.from(["library": yaml])
        let twins = try Self.twins(Self.approving(desired))
        let early = try Self.start(twins[0], desired, overlapping: true)
        let first = try Self.start(twins[1], desired, overlapping: false)
        #expect(Set(early.outcome.applied.map(\.entity)) == ["Shelf", "Book", "Reader"])
        #expect(Self.summary(early.outcome) == Self.summary(first.outcome))

        // The three tables were made in the savepoint, which was kept; the indexes after it.
        let opened = try #require(early.trace.firstIndex(of: Self.savepoint), "\(early.trace)")
        let released = try #require(early.trace.firstIndex(of: Self.release), "\(early.trace)")
        #expect(!early.trace.contains(Self.rollback))
        let creates = early.trace.indices.filter { early.trace[$0].hasPrefix("CREATE TABLE") }
        #expect(creates.count == 3 && creates.allSatisfy { opened < $0 && $0 < released }, "\(early.trace)")
        #expect(early.trace.indices.filter { early.trace[$0].hasPrefix("CREATE INDEX") }.allSatisfy { $0 > released })
        #expect(StatementLog.migrationStatements(early.trace) == StatementLog.migrationStatements(first.trace), "the same statements, in the same order")
        #expect(!first.trace.contains(Self.savepoint), "a start that read the files first runs nothing before deciding")
        #expect(try Self.alike(twins))
    }

    /// A create accepted first, then an alter that drops an index: the index goes before every
    /// table, so the table made early is undone and made again in the start's order.
    @Test func tablesMadeEarlyAreUndoneWhenALaterItemGoesBeforeThem() throws {
        let indexed = """
            entities:
              - name: Draft
                fields:
                  id: { type: string, primary: true }
                  note: { type: string, index: true }
            """
        let withShelf = indexed + """

              - name: Shelf
                fields:
                  id: { type: string, primary: true }
            """
        let next = withShelf.replacingOccurrences(of: "note: { type: string, index: true }", with: "note: { type: string }")
        let desired = try Desired.from(["library": next])
        let twins = try Self.twins { registry in
            let applied = try Desired.from(["library": indexed])
            _ = try registry.scan(applied, principal: "ci")
            _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: applied.renderContext)
            #expect(try registry.applyApproved(applied).applied.map(\.entity) == ["Draft"])
            // The create is queued (and approved) before the alter.
            let shelf = try Desired.from(["library": withShelf])
            _ = try registry.scan(shelf, principal: "ci")
            _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: shelf.renderContext)
            Thread.sleep(forTimeInterval: 0.01)
            _ = try registry.scan(desired, principal: "ci")
            _ = try registry.approve(.all, as: "alice", allowDataLoss: false, context: desired.renderContext)
            #expect(try registry.items(in: [.approved]).map(\.entity) == ["Shelf", "Draft"])
        }
        let early = try Self.start(twins[0], desired, overlapping: true)
        let first = try Self.start(twins[1], desired, overlapping: false)
        #expect(Set(early.outcome.applied.map(\.entity)) == ["Shelf", "Draft"])
        #expect(Self.summary(early.outcome) == Self.summary(first.outcome))

        // Shelf was made in the savepoint, which was rolled back; what ran after it is the order
        // a start that decided first ran, the index dropped before the table made.
        let opened = try #require(early.trace.firstIndex(of: Self.savepoint), "\(early.trace)")
        let undone = try #require(early.trace.firstIndex(of: Self.rollback), "\(early.trace)")
        #expect(early.trace[opened..<undone].contains { $0.hasPrefix(#"CREATE TABLE "Shelf""#) })
        let after = Self.migrationStatements(early.trace, after: Self.release)
        #expect(after == StatementLog.migrationStatements(first.trace), "after:\n\(after.joined(separator: "\n"))\nfirst:\n\(StatementLog.migrationStatements(first.trace).joined(separator: "\n"))")
        let dropped = try #require(after.firstIndex { $0.hasPrefix("DROP INDEX") }, "\(after)")
        let made = try #require(after.firstIndex { $0.hasPrefix(#"CREATE TABLE "Shelf""#) }, "\(after)")
        #expect(dropped < made)
        #expect(try Self.alike(twins))
    }

    /// A table made early that the database refuses (a view already has its name, which the
    /// start's list of tables does not show): the transaction rolls back and the start runs
    /// again deciding first, so it fails as a start that decided first fails, the item `failed`.
    @Test func aTableMadeEarlyThatFailsEndsTheStartAsWhenDecidedFirst() throws {
        let yaml = """
            entities:
              - name: Shelf
                fields:
                  id: { type: string, primary: true }
            """
        let desired = try Desired.from(["library": yaml])
        let twins = try Self.twins { registry in
            try Self.approving(desired)(registry)
            try registry.database.withLockedTransaction { try $0.execute(#"CREATE VIEW "Shelf" AS SELECT 1 AS "id""#) }
        }
        func failure(_ path: String, overlapping: Bool) throws -> (error: SchemaError, states: [QueueItem.State], trace: [String]) {
            let attempt = try Self.attempt(path, desired, overlapping: overlapping)
            let error = try #require(throws: SchemaError.self) { try attempt.outcome.get() }
            return (error, attempt.states, attempt.trace)
        }
        let early = try failure(twins[0], overlapping: true)
        let first = try failure(twins[1], overlapping: false)
        #expect(early.error.code == .statementFailed && early.error.code == first.error.code, "\(early.error)")
        #expect(early.error.message == first.error.message)
        #expect(early.states == [.failed] && early.states == first.states)
        // SQLite refuses the statement before it runs, so its trace shows the savepoint, not the statement.
        #expect(early.trace.filter { $0 == Self.savepoint }.count == 1, "the table was tried early once, then the start ran again")
        #expect(!first.trace.contains(Self.savepoint))
        #expect(early.error.message.contains("Shelf"), "\(early.error.message)")
    }
}
