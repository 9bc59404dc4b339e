import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// The container-start path through ``ApplyEngine`` alone, without the CLI: a workspace on disk,
/// the Prisma fragment, the Prisma Migrate history and the after command.
@Suite(.serialized) struct ContainerStartTests {
    @Test(arguments: Backend.available)
    func aStartAppliesWritesAndRunsTheAfterCommandOnlyWhenSomethingChanged(_ backend: Backend) throws {
        let root = Processes.makeWorkspace(entities: 3)
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        let engine = ApplyEngine(registry: registry, root: root)
        let marker = root.appendingPathComponent("after.txt")
        let migrations = root.appendingPathComponent("prisma/migrations")
        let request = ApplyRequest(principal: "container:test", fragment: .inWorkspace(root: root, base: nil),
                                   afterCommand: AfterCommand("echo ran >> after.txt", workingDirectory: root))
        var first = request
        first.prismaMigrations = migrations

        try registry.addAdmin("alice", by: nil)
        _ = try registry.scan(try Processes.desired(root: root), principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)

        let applied = try engine.run(first)
        #expect(Set(applied.applied.map(\.entity)) == ["Item0", "Item1", "Item2"])
        #expect(applied.succeeded && applied.refused.isEmpty)
        #expect(applied.fragment?.models == 3)
        let fragment = try String(contentsOf: root.appendingPathComponent("prisma/generated-from-packages.prisma"), encoding: .utf8)
        #expect(fragment.contains("model Item2 {"))
        let folder = try #require(applied.migrationFolder)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("migration.sql").path))
        let history = try database.withLockedTransaction { try $0.query(#"SELECT "migration_name" FROM "_prisma_migrations""#, []) }
        #expect(history.map { $0["migration_name"]?.text } == [folder.lastPathComponent])
        #expect(try String(contentsOf: marker, encoding: .utf8) == "ran\n")
        #expect(try registry.audit().filter { $0.action == "apply" }.allSatisfy { $0.principal == "container:test" })

        // Nothing approved and the fragment current: no files written, the after command does not run.
        let idle = try engine.run(request)
        #expect(idle.nothingToDo && idle.fragment == nil)
        #expect(try String(contentsOf: marker, encoding: .utf8) == "ran\n")

        // A missing fragment (a new container) is written again, and the after command runs.
        try FileManager.default.removeItem(at: root.appendingPathComponent("prisma/generated-from-packages.prisma"))
        let restored = try engine.run(request)
        #expect(restored.nothingToDo && restored.fragment?.models == 3)
        #expect(try String(contentsOf: marker, encoding: .utf8) == "ran\nran\n")

        // A failing after command is reported; what was applied stays applied.
        try FileManager.default.removeItem(at: root.appendingPathComponent("prisma/generated-from-packages.prisma"))
        var failing = request
        failing.afterCommand = AfterCommand("exit 3", workingDirectory: root)
        let reported = try engine.run(failing)
        #expect(reported.afterCommandFailure?.code == .afterCommandFailed && !reported.succeeded)
    }

    /// The restart path reads one stored digest instead of every applied entity; it must follow
    /// every create, alter and drop, and be rebuilt when a registry does not have it yet.
    @Test(arguments: Backend.available)
    func theStoredDigestFollowsEveryChangeOfTheAppliedSnapshots(_ backend: Backend) throws {
        let root = Processes.makeWorkspace(entities: 3)
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        func applyVariant(_ variant: Processes.WorkspaceVariant) throws {
            Processes.write(Processes.workspaceFiles(entities: 3, variant: variant), to: root)
            _ = try registry.scan(try Processes.desired(root: root), principal: "ci")
            _ = try registry.approve(.all, as: "alice", allowDataLoss: true)
            #expect(try ApplyEngine(registry: registry, root: root).run(ApplyRequest()).succeeded)
            // A dropped table is rolled out (PostgreSQL): its snapshot went with the expand; the
            // contract drops the table so that the next variant can create it again.
            try registry.completeRollouts(try Processes.desired(root: root))
        }
        func stored() throws -> String? {
            try database.withLockedTransaction { connection in
                try connection.query(#"SELECT "value" FROM \#(connection.names.meta) WHERE "key" = 'applied-digest'"#, []).first?["value"]?.text
            }
        }
        #expect(try registry.appliedDigest() == .empty)
        for variant in [Processes.WorkspaceVariant.base, .withMemo, .withoutLast] {
            try applyVariant(variant)
            let computed = AppliedDigest(checksums: try registry.appliedChecksums())
            #expect(try stored() == computed.hex, "after \(variant)")
        }
        #expect(try registry.appliedChecksums().count == 2)
        // A registry written before the digest was kept: computed from the snapshots, then kept again.
        try database.withLockedTransaction { try $0.execute(#"DELETE FROM \#($0.names.meta) WHERE "key" = 'applied-digest'"#, []) }
        #expect(try registry.appliedDigest() == AppliedDigest(checksums: try registry.appliedChecksums()))
        #expect(try stored() == AppliedDigest(checksums: try registry.appliedChecksums()).hex, "the first start after an upgrade stores it")
        try applyVariant(.base)
        #expect(try stored() == AppliedDigest(checksums: try registry.appliedChecksums()).hex)

        // A digest edited in the database (or kept wrongly) makes the files look stale: the next
        // start rewrites them from the verified snapshots and corrects the digest, so the start
        // after it finds them current and runs no after command.
        let marker = root.appendingPathComponent("after.txt")
        let request = ApplyRequest(fragment: .inWorkspace(root: root, base: nil), afterCommand: AfterCommand("echo ran >> after.txt", workingDirectory: root))
        let engine = ApplyEngine(registry: registry, root: root)
        #expect(try engine.run(request).fragment != nil, "no fragment yet")
        #expect(try engine.run(request).fragment == nil)
        try database.withLockedTransaction {
            try $0.execute(#"UPDATE \#($0.names.meta) SET "value" = ? WHERE "key" = 'applied-digest'"#, [.text(String(repeating: "a", count: 64))])
        }
        #expect(try engine.run(request).fragment != nil, "the fragment no longer matches the stored digest")
        #expect(try stored() == AppliedDigest(checksums: try registry.appliedChecksums()).hex)
        #expect(try engine.run(request).fragment == nil)
        #expect(try String(contentsOf: marker, encoding: .utf8) == "ran\nran\n", "the after command ran for each rewrite, not at every start")
    }

    @Test(arguments: Backend.available)
    func brokenPackageFilesStopAStartThatHasWorkAndNothingRuns(_ backend: Backend) throws {
        let root = Processes.makeWorkspace(entities: 2)
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        _ = try registry.scan(try Processes.desired(root: root), principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
        try "entities:\n  - name: Item0\n    fields:\n      id: { type: strng, primary: true }\n"
            .write(to: root.appendingPathComponent("packages/even/seed/schema/entities.yaml"), atomically: true, encoding: .utf8)

        var failure: SchemaError?
        do {
            _ = try ApplyEngine(registry: registry, root: root).run(ApplyRequest())
        } catch let error as SchemaError {
            failure = error
        }
        #expect(failure?.code == .invalidPackages)
        #expect(failure?.diagnostics.contains { $0.code == .unknownFieldType && $0.location.line == 4 } == true)
        #expect(try registry.items(in: [.approved]).count == 2)
        #expect(try Introspection.describe(database).isEmpty)
    }

    /// Row-level security statements are part of the plan and of what the approval pins: `plan`
    /// lists them, and a policy edited after approval is refused like any other SQL.
    @Test(.enabled(if: Backend.postgresURL != nil, "needs PostgreSQL (scripts/test.sh starts one)"))
    func policiesArePlannedAndPinned() throws {
        let (database, _) = try Backend.postgres.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        let desired = try Desired.from(["docs": RowLevelSecurityTests.docs])
        let item = try #require(try registry.scan(desired, principal: "ci").queued.first)
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
        let engine = ApplyEngine(registry: registry, desiredState: { desired })

        let plan = try engine.plan(rowLevelSecurity: .all)
        let policies = plan.statements.filter { $0.phase == .rowLevelSecurity }.map(\.sql)
        #expect(try engine.plan(rowLevelSecurity: .off).skippedRowLevelSecurity.map(\.sql) == policies, "with --no-rls they are listed apart")
        #expect(try engine.plan().statements.filter { $0.phase == .rowLevelSecurity }.map(\.sql) == policies, "by default an entity with an ACL gets its policies")
        #expect(policies.contains(#"ALTER TABLE "Doc" ENABLE ROW LEVEL SECURITY"#))
        #expect(policies.contains { $0.hasPrefix(#"CREATE POLICY "Doc_update" ON "Doc" FOR UPDATE"#) })

        // Someone with database access widens the update policy of the approved item.
        var statements = item.statements
        let index = try #require(statements.firstIndex { $0.sql.hasPrefix(#"CREATE POLICY "Doc_update""#) })
        statements[index].sql = #"CREATE POLICY "Doc_update" ON "Doc" FOR UPDATE USING (true) WITH CHECK (true)"#
        try database.withLockedTransaction { connection in
            try connection.execute(#"UPDATE \#(connection.names.queue) SET "statements" = ? WHERE "id" = ?"#, [.text(JSONText.encode(statements)), .text(item.id)])
        }
        let outcome = try engine.run(ApplyRequest(rowLevelSecurity: .all))
        #expect(outcome.applied.isEmpty)
        #expect(outcome.refused.map(\.code) == [.sqlChanged])
        let installed = try database.withLockedTransaction { try $0.query(#"SELECT "policyname" FROM "pg_policies" WHERE "tablename" = 'Doc'"#, []) }
        #expect(installed.isEmpty)
    }
}
