import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// SIGKILL at random points of `schema apply`, many times per backend, with the invariants checked
/// after every kill and after every recovery.
///
/// A kill lands anywhere: while the process starts, before it holds the lock, between two
/// statements of the transaction, after the commit while it writes the Prisma fragment, or after
/// it has exited. Whatever the point, the database must be either exactly as before (nothing
/// applied, nothing recorded, every item still approved), or exactly as after (every approved item
/// applied once, the schema of a fresh database built from the files), or (PostgreSQL, between
/// online steps) every item applied or marked started; and the next start must succeed, finish
/// what was started, and leave a Prisma fragment that matches the database.
@Suite(.serialized) struct CrashInjectionTests {
    /// Kills per backend: 50, or `SCHEMA_TEST_CRASH_KILLS`.
    static let kills = ProcessInfo.processInfo.environment["SCHEMA_TEST_CRASH_KILLS"].flatMap { Int($0) } ?? 50
    /// The variants the workspace moves through: alters, a drop, and a create that repeats an applied one.
    static let cycle: [Processes.WorkspaceVariant] = [.withMemo, .withoutLast, .base]
    static let entities = 8

    @Test(arguments: Backend.available)
    func killedAppliesLeaveTheDatabaseBeforeOrAfterNeverBetween(_ backend: Backend) throws {
        try #require(Processes.binaryIsBuilt, "build the schema binary first (scripts/test.sh does)")
        var expected: [Processes.WorkspaceVariant: [String]] = [:]
        for variant in Processes.WorkspaceVariant.allCases {
            expected[variant] = try Processes.freshSchema(backend, root: Processes.makeWorkspace(entities: Self.entities, variant: variant, deploys: .recreate))
        }
        // Every change applies whole at the start: the starts are what is killed here.
        let root = Processes.makeWorkspace(entities: Self.entities, deploys: .recreate)
        let (url, database) = try Processes.database(backend)
        defer { database.close() }
        let registry = Registry(database: database)
        #expect(try Processes.prepare(root: root, url: url) == Self.entities)

        var variant = Processes.WorkspaceVariant.base
        var rolledBack = 0
        var committed = 0
        var killedAfterCommit = 0
        var between = 0
        var generator = SystemRandomNumberGenerator()
        for round in 0..<Self.kills {
            let before = try Introspection.describe(database)
            let approved = Set(try registry.items(in: [.approved]).map(\.id))
            try #require(!approved.isEmpty, "kill \(round): nothing approved to apply")
            let appliesBefore = try Self.applyAudits(registry)

            // Each statement sleeps 15 ms, so the transaction stays open for a good part of the
            // window, and the process waits 150 ms between commit and writing the fragment.
            let (process, pipe) = try Processes.launch(["apply", "--root", root.path], url: url, environment: [
                FaultInjection.Point.afterEachStatement.rawValue: "15", FaultInjection.Point.afterEachStep.rawValue: "30",
                FaultInjection.Point.afterCommit.rawValue: "150",
            ])
            usleep(UInt32.random(in: 0...900_000, using: &generator))
            let wasRunning = process.isRunning
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if !wasRunning && process.terminationReason == .exit {
                #expect(process.terminationStatus == 0, "kill \(round): an apply that ended by itself failed: \(output)")
            }

            let appliedNow = Set(try registry.items(in: [.applied]).map(\.id)).intersection(approved)
            let startedNow = Set(try registry.items(in: [.approved]).filter { $0.progress > 0 }.map(\.id)).intersection(approved)
            if appliedNow.isEmpty && startedNow.isEmpty {
                rolledBack += 1
                #expect(try Introspection.describe(database) == before, "kill \(round): a rolled-back apply changed the schema")
                #expect(Set(try registry.items(in: [.approved]).map(\.id)) == approved, "kill \(round): approvals lost")
                #expect(try Self.applyAudits(registry) == appliesBefore, "kill \(round): audit records an apply that did not happen")
            } else if appliedNow != approved {
                // PostgreSQL: the first transaction committed and online steps remain. Every item
                // is applied or marked started (none lost, none applied before its last step).
                between += 1
                #expect(appliedNow.union(startedNow) == approved, "kill \(round): an approved item is neither applied nor started")
                #expect(try Self.applyAudits(registry) == appliesBefore + appliedNow.count, "kill \(round): audit and applied items disagree")
            } else {
                committed += 1
                if wasRunning { killedAfterCommit += 1 }
                #expect(appliedNow == approved, "kill \(round): only part of the approved items were applied")
                #expect(try Introspection.describe(database) == expected[variant], "kill \(round): committed schema differs from a fresh database")
                #expect(try Self.applyAudits(registry) == appliesBefore + approved.count, "kill \(round): audit and applied items disagree")
            }

            // The next container start: succeeds, applies what is left, and repairs the fragment.
            let next = try Processes.run(["apply", "--root", root.path], url: url)
            #expect(next.status == 0, "kill \(round): the next apply failed: \(next.output)")
            #expect(try registry.items(in: [.pending, .approved, .failed]).isEmpty, "kill \(round): items left behind")
            #expect(try Introspection.describe(database) == expected[variant], "kill \(round): schema after recovery differs from a fresh database")
            #expect(try Self.applyAudits(registry) == appliesBefore + approved.count, "kill \(round): an item was applied twice")
            try expectFragmentMatches(registry, root: root, kill: round)

            // The next change, queued and approved by an admin.
            variant = Self.cycle[round % Self.cycle.count]
            Processes.write(Processes.workspaceFiles(entities: Self.entities, variant: variant), to: root)
            let scan = try Processes.run(["scan", "--root", root.path], url: url)
            #expect(scan.status == 0, "\(scan.output)")
            let approve = try Processes.run(["approve", "all", "--as", "alice", "--allow-data-loss", "--root", root.path], url: url)
            #expect(approve.status == 0, "\(approve.output)")
        }
        print("crash injection (\(backend)): \(Self.kills) SIGKILLs at random points of apply; \(rolledBack) left the database as before, \(between) between the first transaction and the last online step, \(committed) as after (\(killedAfterCommit) of them killed after the commit, before exiting); every next start succeeded")
        #expect(rolledBack + between + committed == Self.kills)
        #expect(rolledBack + between >= Self.kills / 5, "at least a fifth of the kills should land before the last commit; the fault delay is too short for this machine")
    }

    /// Number of `apply` lines in the audit log.
    static func applyAudits(_ registry: Registry) throws -> Int {
        try registry.audit(limit: 1_000_000).filter { $0.action == "apply" }.count
    }

    /// The fragment on disk records the fingerprint of what the registry says is applied.
    func expectFragmentMatches(_ registry: Registry, root: URL, kill round: Int) throws {
        let fragment = try String(contentsOf: root.appendingPathComponent("prisma/generated-from-packages.prisma"), encoding: .utf8)
        let base = try String(contentsOf: root.appendingPathComponent("prisma/schema.prisma"), encoding: .utf8)
        let current = PrismaArtifacts.fingerprint(applied: AppliedDigest(checksums: try registry.appliedChecksums()), baseSchemaText: base)
        #expect(PrismaArtifacts.recordedFingerprint(in: fragment) == current, "kill \(round): the Prisma fragment does not match the database")
        let models = fragment.split(separator: "\n").filter { $0.hasPrefix("model ") }.count
        #expect(models == (try registry.appliedChecksums().count), "kill \(round): fragment has \(models) models")
    }
}
