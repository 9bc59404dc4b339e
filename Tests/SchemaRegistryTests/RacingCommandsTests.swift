import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Eight processes racing `scan`, `approve` and `apply` against one database, round after round,
/// with the registry's invariants checked after each round.
@Suite(.serialized) struct RacingCommandsTests {
    /// Creates, alters (a column and an index added), a drop with a column drop, and a create that repeats an applied one.
    static let rounds: [Processes.WorkspaceVariant] = [.base, .withMemo, .withoutLast, .base]
    static let workers = 8
    static let entities = 8

    /// What one process did.
    struct Outcome: Sendable {
        var worker: Int
        var command: String
        var status: Int32
        var output: String
    }

    /// Collects outcomes from the worker threads.
    final class Outcomes: @unchecked Sendable {
        // @unchecked: every access holds `lock`.
        private let lock = NSLock()
        private var values: [Outcome] = []
        func append(_ outcome: Outcome) { lock.withLock { values.append(outcome) } }
        var all: [Outcome] { lock.withLock { values } }
    }

    @Test(arguments: Backend.available)
    func racingScanApproveAndApplyApplyEachChangeOnce(_ backend: Backend) throws {
        try #require(Processes.binaryIsBuilt, "build the schema binary first (scripts/test.sh does)")
        // Rounds change the same entities one after another: applied whole at each start (with
        // rolling deploys each would wait for the previous one's `complete`).
        let root = Processes.makeWorkspace(entities: Self.entities, deploys: .recreate)
        let (url, database) = try Processes.database(backend)
        defer { database.close() }
        let registry = Registry(database: database)
        #expect(try Processes.run(["admin", "add", "alice", "--root", root.path], url: url).status == 0)

        let commands = [["scan"], ["approve", "all", "--as", "alice", "--allow-data-loss"], ["apply", "--no-generate"]]
        var processes = 0
        for (round, variant) in Self.rounds.enumerated() {
            Processes.write(Processes.workspaceFiles(entities: Self.entities, variant: variant), to: root)
            let outcomes = Outcomes()
            let path = root.path
            // Each worker starts at a different command, then runs scan, approve, apply in order,
            // so whatever interleaving happens, every change is queued, approved and applied.
            DispatchQueue.concurrentPerform(iterations: Self.workers) { worker in
                let order = Array(commands[(worker % 3)...] + commands[..<(worker % 3)]) + commands
                for command in order {
                    let outcome: Outcome
                    do {
                        let run = try Processes.run(command + ["--root", path], url: url)
                        outcome = Outcome(worker: worker, command: command[0], status: run.status, output: run.output)
                    } catch {
                        outcome = Outcome(worker: worker, command: command[0], status: -1, output: "\(error)")
                    }
                    outcomes.append(outcome)
                }
            }
            processes += outcomes.all.count
            for failed in outcomes.all where failed.status != 0 {
                Issue.record("round \(round): worker \(failed.worker) `\(failed.command)` exited \(failed.status): \(failed.output)")
            }
            try expectInvariants(registry, database: database, backend: backend, root: root, round: round)
            let again = try Processes.run(["scan", "--root", root.path, "--json"], url: url)
            let object = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
            #expect((object?["queued"] as? [Any])?.count == 0 && (object?["requeued"] as? [Any])?.count == 0,
                    "round \(round): a scan after the race queued something: \(again.output)")
        }
        let applied = try registry.items(in: [.applied]).count
        print("racing commands (\(backend)): \(Self.rounds.count) rounds × \(Self.workers) processes, \(processes) scan/approve/apply runs; \(applied) changes, each applied exactly once")
    }

    func expectInvariants(_ registry: Registry, database: any RegistryDatabase, backend: Backend, root: URL, round: Int) throws {
        #expect(try registry.items(in: [.pending, .approved, .failed]).isEmpty, "round \(round): items left pending, approved or failed")
        #expect(try registry.items(in: [.superseded]).isEmpty, "round \(round): the files did not change during the race, nothing may be superseded")
        let desired = try Processes.desired(root: root)
        let wanted = Dictionary(uniqueKeysWithValues: desired.entities.map { ($0.structure.name, $0.checksum.hex) })
        #expect(try registry.appliedChecksums() == wanted, "round \(round): the registry's snapshots differ from the files")
        #expect(try Introspection.describe(database) == (try Processes.freshSchema(backend, root: root)),
                "round \(round): the schema differs from a fresh database built from the files")

        // Every item was queued once, approved once and applied once, whoever did it.
        let audit = try registry.audit(limit: 1_000_000)
        for item in try registry.items(in: [.applied]) {
            for action in ["queue", "approve", "apply"] {
                let count = audit.filter { $0.itemId == item.id && $0.action == action }.count
                #expect(count == 1, "round \(round): \(item.id) (\(item.entity)) has \(count) '\(action)' audit lines")
            }
            // On PostgreSQL, items with online steps (the concurrent index builds of `withMemo`) start once too.
            let starts = audit.filter { $0.itemId == item.id && $0.action == "apply-started" }.count
            #expect(starts == (backend == .postgres && item.hasOnlineSteps ? 1 : 0), "round \(round): \(item.id) (\(item.entity)) started \(starts) times")
        }
        if backend == .postgres && round == 1 {
            #expect(try registry.items(in: [.applied]).contains { $0.hasOnlineSteps }, "round \(round): no change with online steps raced")
        }
        let trouble = audit.filter { ["apply-failed", "apply-refused", "requeue"].contains($0.action) }
        #expect(trouble.isEmpty, "round \(round): \(trouble)")
    }
}
