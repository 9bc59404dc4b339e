import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// SIGKILL at random points of a multi-step PostgreSQL apply (concurrent index builds, constraint
/// validation, backfill batches) on tables with rows, then a normal start: every change applied
/// exactly once, no INVALID index, the schema a fresh database gets, and every next start succeeds.
@Suite(.serialized) struct OnlineCrashTests {
    /// Kills in all: 50, or `SCHEMA_TEST_CRASH_KILLS`.
    static let kills = ProcessInfo.processInfo.environment["SCHEMA_TEST_CRASH_KILLS"].flatMap { Int($0) } ?? 50
    /// Kills per change before a normal start finishes it.
    static let killsPerRound = 5
    static let rows = 150_000

    /// The workspace of `yaml`; every change applies whole at the start (`deploys: recreate`): the
    /// online steps of a start are what is killed here (RolloutTests kills `complete` after its first transaction).
    static func files(_ yaml: String) -> [String: String] {
        ["packages/log/seed/schema/entities.yaml": yaml, "packages/log/seed/metadata.json": #"{"packageId": "log"}"#]
            .merging(Processes.configuration(deploys: .recreate)) { first, _ in first }
    }

    /// Whether a `CREATE INDEX CONCURRENTLY` runs in `database` now (seen from the server's superuser).
    static func buildingIndex(in database: String, _ monitor: PostgresRegistryDatabase) throws -> Bool {
        try monitor.withLockedTransaction { connection in
            try connection.query(#"SELECT COUNT(*) AS "count" FROM pg_stat_progress_create_index AS p JOIN pg_database AS d ON d.oid = p.datid WHERE d.datname = ?"#,
                                 [.text(database)]).first?["count"]?.integer ?? 0
        } > 0
    }

    static func count(_ registry: Registry, _ action: String, item: String) throws -> Int {
        try registry.audit(limit: 1_000_000).filter { $0.action == action && $0.itemId == item }.count
    }

    @Test(arguments: Backend.available.filter { $0 == .postgres })
    func killedOnlineStepsResumeToTheSchemaOfAFreshDatabase(_ backend: Backend) throws {
        try #require(Processes.binaryIsBuilt, "build the schema binary first (scripts/test.sh does)")
        let variants = [OnlineApplyTests.before, OnlineApplyTests.after]
        var expected: [[String]] = []
        for yaml in variants {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("online-fresh-\(UUID().uuidString)")
            Processes.write(Self.files(yaml), to: root)
            expected.append(try Processes.freshSchema(backend, root: root))
        }
        let (database, registry, location) = try OnlineApplyTests.seeded(rows: Self.rows)
        defer { database.close() }
        let url = try #require(location.postgres).description
        let databaseName = try #require(location.postgres?.database)
        let monitor = try PostgresRegistryDatabase(location: try Backend.superuserLocation(database: nil))
        defer { monitor.close() }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("online-crash-\(UUID().uuidString)")
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var invalidAfterKill = 0
        var startedAfterKill = 0
        var round = 0
        while kills < Self.kills {
            round += 1
            let target = round % 2 // odd rounds go to `after` (every kind of online step), even ones back
            if target == 1 {
                // Existing NULLs for the backfill to write.
                try database.withLockedTransaction { try $0.execute(#"UPDATE "Entry" SET "rank" = NULL WHERE "id" LIKE '%3'"#) }
            }
            Processes.write(Self.files(variants[target]), to: root)
            #expect(try Processes.run(["scan", "--root", root.path], url: url).status == 0)
            let approve = try Processes.run(["approve", "all", "--as", "alice", "--allow-data-loss", "--root", root.path], url: url)
            #expect(approve.status == 0, "\(approve.output)")
            let approved = try registry.items(in: [.approved]).map(\.id)
            try #require(!approved.isEmpty, "round \(round): nothing approved")

            // Going back (drops) is quick and transactional but for DROP INDEX CONCURRENTLY: kills go to the way forward.
            for attempt in 0..<(target == 1 ? Self.killsPerRound : 0) where kills < Self.kills {
                let (process, _) = try Processes.launch(["apply", "--root", root.path, "--no-generate"], url: url, environment: [
                    FaultInjection.Point.afterEachStatement.rawValue: "5", FaultInjection.Point.afterEachStep.rawValue: "20",
                ])
                if attempt % 2 == 1 {
                    // Every other kill waits for a concurrent index build to be under way.
                    let deadline = ContinuousClock.now + .seconds(3)
                    while process.isRunning && ContinuousClock.now < deadline {
                        if try Self.buildingIndex(in: databaseName, monitor) { break }
                        usleep(2_000)
                    }
                } else {
                    usleep(UInt32.random(in: 0...700_000, using: &generator))
                }
                let wasRunning = process.isRunning
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                guard wasRunning else { break }
                kills += 1
                // Reading the registry waits for the registry lock, which the killed process's
                // server session holds until the server notices the client is gone.
                let items = try registry.items(in: nil).filter { approved.contains($0.id) }
                #expect(!items.contains { $0.state == .failed }, "kill \(kills): \(items.map(\.error))")
                for item in items {
                    #expect(try Self.count(registry, "apply", item: item.id) == (item.state == .applied ? 1 : 0), "kill \(kills): \(item.entity) applied twice or not recorded")
                    #expect(try Self.count(registry, "apply-started", item: item.id) <= 1, "kill \(kills): \(item.entity) started twice")
                    if item.state == .approved && item.progress > 0 { startedAfterKill += 1 }
                }
                if items.allSatisfy({ $0.state == .applied }) {
                    #expect(try Introspection.describe(database) == expected[target], "kill \(kills): applied, but the schema differs from a fresh database's")
                    break
                }
                if try Introspection.describe(database).contains(where: { $0.hasSuffix(" INVALID") }) { invalidAfterKill += 1 }
            }

            // The next start finishes what was begun; the one after has nothing to do.
            let next = try Processes.run(["apply", "--root", root.path, "--no-generate"], url: url)
            #expect(next.status == 0, "round \(round): the start after the kills failed: \(next.output)")
            #expect(try registry.items(in: [.pending, .approved, .failed]).isEmpty, "round \(round): items left behind")
            #expect(try Introspection.describe(database) == expected[target], "round \(round): the schema differs from a fresh database's")
            for id in approved {
                #expect(try Self.count(registry, "apply", item: id) == 1, "round \(round): item \(id) not applied exactly once")
            }
            let again = try Processes.run(["apply", "--root", root.path, "--no-generate"], url: url)
            #expect(again.status == 0 && again.output.contains("nothing to apply"), "\(again.output)")
        }
        print("online crash injection: \(kills) SIGKILLs in \(round) rounds of a multi-step apply over \(Self.rows) rows; \(startedAfterKill) kills left an item between its steps, \(invalidAfterKill) left an INVALID index from a killed concurrent build; every next start finished the changes")
        #expect(startedAfterKill > 0, "no kill landed between online steps: the fault delays are too short for this machine")
        #expect(invalidAfterKill > 0, "no kill landed during a concurrent index build")
    }
}
