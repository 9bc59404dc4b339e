import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// `schema complete --when-quiet` (issue 22's automatic rule): a rollout completes once no session
/// of another application version than the one whose start expanded it has been seen for the
/// window, over repeated runs; the old version is told apart by `application_name`.
@Suite(.serialized) struct QuietRuleTests {
    /// A clock the test moves.
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var current = Date(timeIntervalSince1970: 1_800_000_000)
        var now: Date { lock.withLock { current } }
        func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
    }

    /// v1 applied; v2 (a rename, which rolls out) applied by a start of `shop@2` when `named`.
    func expanded(named: Bool, clock: Clock) throws -> (fixture: RolloutTests.Fixture, desired: DesiredState, engine: ApplyEngine) {
        let fixture = try RolloutTests.Fixture.applied(RenameRolloutTests.v1, package: "people",
                                                       seed: #"INSERT INTO "Author" ("id", "name") SELECT 'a' || g, 'n' || g FROM generate_series(1, 10) AS g"#)
        let registry = Registry(database: fixture.database, clock: { clock.now })
        let desired = try Desired.from(["people": RenameRolloutTests.v2])
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: true, context: desired.renderContext)
        let engine = ApplyEngine(registry: registry, desiredState: { desired })
        var request = ApplyRequest(principal: "ci")
        request.applicationName = named ? "shop@2" : nil
        #expect(try engine.run(request).applied.count == 1)
        #expect(try registry.openRollouts().first?.expandedBy == (named ? "shop@2" : nil))
        return (fixture, desired, engine)
    }

    /// A connection of the application's role that says which version it is.
    func session(_ fixture: RolloutTests.Fixture, as name: String) throws -> PostgresRegistryDatabase {
        let connection = try fixture.application()
        try connection.executeOutsideTransaction("SET application_name = '\(name)'")
        return connection
    }

    /// Waits until the server no longer lists sessions named `name` (a closed connection's backend exits a moment later).
    func waitUntilGone(_ fixture: RolloutTests.Fixture, _ name: String) throws {
        for _ in 0..<100 {
            if try fixture.count("SELECT COUNT(*) AS \"count\" FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name = '\(name)'") == 0 { return }
            usleep(20_000)
        }
        Issue.record("sessions named \(name) stayed")
    }

    func complete(_ engine: ApplyEngine, window: Duration) -> Result<RolloutOutcome, SchemaError> {
        do {
            return .success(try engine.finishRollouts(.complete, entities: [], ApplyRequest(principal: "alice"), whenQuiet: QuietRule(window: window)))
        } catch let error as SchemaError {
            return .failure(error)
        } catch {
            return .failure(SchemaError(.database, "\(error)"))
        }
    }

    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func completesOnceTheOldVersionHasBeenGoneForTheWindow() throws {
        let clock = Clock()
        let (fixture, desired, engine) = try expanded(named: true, clock: clock)
        defer { fixture.database.close() }
        let old = try session(fixture, as: "shop@1")
        let new = try session(fixture, as: "shop@2")
        defer { new.close() }
        // The old version is connected: nothing runs, and the command says who it waits for.
        guard case .failure(let waiting) = complete(engine, window: .seconds(60)) else { Issue.record("completed with the old version connected"); return }
        #expect(waiting.code == .oldVersionRunning && waiting.message.contains("shop@1 ×1") && !waiting.message.contains("shop@2 ×"), "\(waiting.message)")
        #expect(try fixture.registry.openRollouts().count == 1)
        old.close()
        try waitUntilGone(fixture, "shop@1")
        // Quiet from now on: not yet after 30 s, and an old session seen again starts the window over.
        #expect(throws: SchemaError.self) { try complete(engine, window: .seconds(60)).get() }
        clock.advance(30)
        #expect(throws: SchemaError.self) { try complete(engine, window: .seconds(60)).get() }
        let back = try session(fixture, as: "")
        clock.advance(40)
        guard case .failure(let unnamed) = complete(engine, window: .seconds(60)) else { Issue.record("completed with an unnamed session connected"); return }
        #expect(unnamed.message.contains("(none) ×1"), "a session without a name counts as the old version's: \(unnamed.message)")
        back.close()
        try waitUntilGone(fixture, "")
        #expect(throws: SchemaError.self) { try complete(engine, window: .seconds(60)).get() }
        clock.advance(59)
        #expect(throws: SchemaError.self, "59 s of quiet is not the window") { try complete(engine, window: .seconds(60)).get() }
        #expect(try fixture.registry.openRollouts().count == 1)
        clock.advance(1)
        // The last run on a connection whose statements the server logs.
        var logged: Int?
        var last = engine
        var logging: (any RegistryDatabase)?
        defer { logging?.close() }
        if StatementLog.path != nil, case .postgres(let server) = fixture.location, let name = server.database {
            try Backend.asSuperuser(database: nil) { try $0.executeOutsideTransaction("ALTER DATABASE \(name) SET log_statement = 'all'") }
            let connection = try fixture.location.open()
            logging = connection
            last = ApplyEngine(registry: Registry(database: connection, clock: { clock.now }), desiredState: { desired })
            logged = try StatementLog.size()
        }
        let done = try complete(last, window: .seconds(60)).get()
        if let logged {
            // The rule looks and the rollout completes under one look at the rows: each data check
            // (a count that may read a large table) is asked once.
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: try #require(StatementLog.path))).dropFirst(logged), as: UTF8.self)
            let counts = try StatementLog.statements(in: text).filter { $0.hasPrefix(#"SELECT COUNT(*) AS "count" FROM "Author""#) }
            #expect(!counts.isEmpty && Set(counts).count == counts.count, "each data check asked once: \(counts)")
        }
        #expect(done.finished.map(\.entity) == ["Author"])
        #expect(try fixture.registry.openRollouts().isEmpty)
        #expect(try RolloutTests().columns("Author", fixture.database) == ["contact", "displayName", "id"])
        let marks = try fixture.database.withLockedTransaction { connection in
            try connection.query(#"SELECT COUNT(*) AS "count" FROM \#(connection.names.meta) WHERE "key" LIKE 'rollout%'"#, []).first?["count"]?.integer
        }
        #expect(marks == 0, "no mark left")
    }

    /// A start that gave no application name leaves nothing to tell versions apart by: the rule
    /// never completes its rollouts, and says so.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func anExpandWithoutAnApplicationNameIsNeverCompletedByTheRule() throws {
        let clock = Clock()
        let (fixture, _, engine) = try expanded(named: false, clock: clock)
        defer { fixture.database.close() }
        clock.advance(86_400)
        guard case .failure(let error) = complete(engine, window: .seconds(0)) else { Issue.record("completed without knowing the versions"); return }
        #expect(error.code == .oldVersionRunning && error.message.contains("gave no application name"), "\(error.message)")
        #expect(try fixture.registry.openRollouts().count == 1)
    }

    @Test func windowsAreParsed() throws {
        #expect(try QuietRule(parsing: "90s").window == .seconds(90))
        #expect(try QuietRule(parsing: "10m").window == .seconds(600))
        #expect(try QuietRule(parsing: "2h").window == .seconds(7_200))
        #expect(try QuietRule(parsing: "45").window == .seconds(45))
        for bad in ["", "m", "-1m", "10d", "1.5h"] {
            #expect(throws: SchemaError.self, "\(bad)") { try QuietRule(parsing: bad) }
        }
    }
}
