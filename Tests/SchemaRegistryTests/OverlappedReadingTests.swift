import Foundation
import SchemaCore
import SchemaRegistry
import Synchronization
import Testing

/// A start on SQLite reads the package files on another thread while its first transaction runs
/// its statements (``ApplyRequest/overlapsReading``), and confirms before it commits that the
/// files are what it assumed. Each test compares a start that overlaps with one that reads the
/// files first, on two databases holding the same queue: what commits must be the same.
@Suite(.serialized) struct OverlappedReadingTests {
    static let notes = DefaultRowLevelSecurityTests.notes

    /// Two SQLite registries with `approved` scanned and approved (only the items `approving`
    /// selects from each scan's queue, by entity, when given).
    static func twins(_ approved: DesiredState, approving entities: Set<String>? = nil) throws -> [(database: any RegistryDatabase, registry: Registry)] {
        try (0..<2).map { _ in
            let (database, _) = try Backend.sqlite.makeDatabase()
            let registry = Registry(database: database)
            try registry.addAdmin("alice", by: nil)
            let queued = try registry.scan(approved, principal: "ci").queued
            let selection: Registry.Selection = entities.map { wanted in .ids(queued.filter { wanted.contains($0.entity) }.map(\.id)) } ?? .all
            _ = try registry.approve(selection, as: "alice", allowDataLoss: false, context: approved.renderContext)
            return (database, registry)
        }
    }

    /// A start of `registry` against `desired`, overlapping or not, with its log.
    static func start(_ registry: Registry, _ desired: DesiredState, overlapping: Bool) -> (outcome: Result<ApplyOutcome, any Error>, log: [String]) {
        let lines = Mutex<[String]>([])
        var request = ApplyRequest(principal: "ci")
        request.overlapsReading = overlapping
        request.log = { line in lines.withLock { $0.append(line) } }
        let outcome = Result { try ApplyEngine(registry: registry, desiredState: { desired }, renderContext: { desired.renderContext }).run(request) }
        return (outcome, lines.withLock { $0 })
    }

    static func summary(_ outcome: ApplyOutcome) -> [String] {
        outcome.applied.map { "applied \($0.entity)" } + outcome.refused.map { "refused \($0.entity) \($0.code.rawValue): \($0.message)" } + outcome.statements.map(\.sql)
    }

    @Test func whatCommitsIsWhatAStartThatReadTheFilesFirstCommits() throws {
        let desired = try Desired.from(["notes": Self.notes])
        let twins = try Self.twins(desired)
        defer { twins.forEach { $0.database.close() } }
        let overlapped = Self.start(twins[0].registry, desired, overlapping: true)
        let first = Self.start(twins[1].registry, desired, overlapping: false)
        let outcome = try overlapped.outcome.get()
        #expect(outcome.applied.map(\.entity) == ["Note"])
        #expect(Self.summary(outcome) == Self.summary(try first.outcome.get()))
        #expect(!overlapped.log.contains { $0.contains("runs again") }, "the files agreed: one transaction, \(overlapped.log)")
        #expect(try Introspection.describe(twins[0].database) == Introspection.describe(twins[1].database))
    }

    /// The files changed after approval: the transaction that ran meanwhile is rolled back, and
    /// the start refuses the item as one that read the files first does. Nothing is created.
    @Test func filesEditedAfterApprovalAreRefusedAsWhenReadFirst() throws {
        let twins = try Self.twins(try Desired.from(["notes": Self.notes]))
        defer { twins.forEach { $0.database.close() } }
        let edited = try Desired.from(["notes": Self.notes + "\n      title: { type: string, nullable: true }\n"])
        let overlapped = Self.start(twins[0].registry, edited, overlapping: true)
        let first = Self.start(twins[1].registry, edited, overlapping: false)
        let outcome = try overlapped.outcome.get()
        #expect(outcome.applied.isEmpty && outcome.refused.map(\.code) == [.modifiedAfterApproval], "\(outcome.refused.map(\.message))")
        #expect(Self.summary(outcome) == Self.summary(try first.outcome.get()))
        #expect(overlapped.log.contains { $0.contains("runs again") }, "\(overlapped.log)")
        #expect(try Introspection.describe(twins[0].database) == Introspection.describe(twins[1].database))
        #expect(try !Introspection.describe(twins[0].database).contains { $0.contains("Note") }, "nothing created")
    }

    /// Files with errors: nothing commits, the item stays approved.
    @Test func filesWithErrorsApplyNothing() throws {
        let twins = try Self.twins(try Desired.from(["notes": Self.notes]))
        defer { twins.forEach { $0.database.close() } }
        let broken = DesiredState.resolve(Workspace.inMemory(["notes": Self.notes.replacingOccurrences(of: "type: string, primary: true", with: "type: strang, primary: true")],
                                                           baseSchema: Desired.host))
        try #require(!broken.isValid)
        let overlapped = Self.start(twins[0].registry, broken, overlapping: true)
        #expect(throws: SchemaError.self) { try overlapped.outcome.get() }
        if case .failure(let error as SchemaError) = overlapped.outcome { #expect(error.code == .invalidPackages) }
        #expect(try twins[0].registry.items(in: [.approved]).map(\.entity) == ["Note"])
        #expect(try !Introspection.describe(twins[0].database).contains { $0.contains("Note") })
    }

    /// An approved item whose relation targets an entity that is neither applied nor approved
    /// (its change waits in the queue): only the files know that entity's key (`code`). The
    /// transaction that ran before they were read derived with another, so it is rolled back and
    /// the start runs again with the files: the key references `code`, as when read first.
    @Test func aKeyOnlyTheFilesKnowIsConfirmedBeforeTheCommit() throws {
        let yaml = """
            entities:
              - name: Shelf
                primaryKey: [code]
                fields:
                  code: { type: string }
              - name: Book
                fields:
                  id: { type: string, primary: true }
                  shelfCode: { type: string }
                relations:
                  - { name: shelf, type: belongsTo, entity: Shelf, field: shelfCode }
            """
        let desired = try Desired.from(["library": yaml])
        let twins = try Self.twins(desired, approving: ["Book"])
        defer { twins.forEach { $0.database.close() } }
        let overlapped = Self.start(twins[0].registry, desired, overlapping: true)
        let first = Self.start(twins[1].registry, desired, overlapping: false)
        let outcome = try overlapped.outcome.get()
        #expect(outcome.applied.map(\.entity) == ["Book"], "\(outcome.refused.map(\.message))")
        #expect(outcome.statements.contains { $0.sql.contains(#"REFERENCES "Shelf" ("code")"#) || $0.sql.contains(#"REFERENCES "Shelf"("code")"#) }, "\(outcome.statements.map(\.sql))")
        #expect(Self.summary(outcome) == Self.summary(try first.outcome.get()))
        #expect(overlapped.log.contains { $0.contains("runs again") }, "\(overlapped.log)")
    }
}
