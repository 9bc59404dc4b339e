import Foundation
import SchemaRegistry
import Testing

/// scripts/apply-schema-migrations.sh, run with bash as a container would run it.
@Suite(.serialized) struct StartupScriptTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/apply-schema-migrations.sh").standardizedFileURL

    func runScript(root: URL, url: String, marker: URL, applicationURL: String? = nil,
                   command: [String]? = nil) throws -> (status: Int32, output: String) {
        // With an application URL, `schema` gets its own (SCHEMA_DATABASE_URL), as in docker-compose.yml.
        var environment = [
            "DATABASE_URL": applicationURL ?? url, "SCHEMA_ROOT": root.path, "SCHEMA_BIN": Processes.binary.path,
            "SCHEMA_MERGED": root.appendingPathComponent("prisma/merged.prisma").path, "SCHEMA_AFTER": "echo regenerated > after.txt",
        ]
        if applicationURL != nil { environment["SCHEMA_DATABASE_URL"] = url }
        return try Self.runStartScript(command ?? ["touch", marker.path], environment: environment)
    }

    /// Runs the start script with bash, `command` as the application, `environment` added to this process's.
    static func runStartScript(_ command: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path] + command
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// A workspace of `entities` entities, scanned and all approved through the CLI.
    func approvedWorkspace(entities: Int, _ backend: Backend) throws -> (root: URL, url: String, database: any RegistryDatabase) {
        try #require(FileManager.default.isExecutableFile(atPath: Processes.binary.path), "build the schema binary first")
        let root = Processes.makeWorkspace(entities: entities)
        let (url, database) = try Processes.database(backend)
        _ = try Processes.run(["scan", "--root", root.path], url: url)
        _ = try Processes.run(["admin", "add", "alice", "--root", root.path], url: url)
        _ = try Processes.run(["approve", "all", "--as", "alice", "--root", root.path], url: url)
        return (root, url, database)
    }

    @Test(arguments: Backend.available)
    func appliesGeneratesAndStartsOnlyWhenHealthy(_ backend: Backend) throws {
        let (root, url, database) = try approvedWorkspace(entities: 3, backend)
        defer { database.close() }

        let marker = root.appendingPathComponent("started")
        let first = try runScript(root: root, url: url, marker: marker)
        #expect(first.status == 0, "\(first.output)")
        #expect(FileManager.default.fileExists(atPath: marker.path), "the application command runs")
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("after.txt").path), "client regeneration runs after an apply")
        let merged = try String(contentsOf: root.appendingPathComponent("prisma/merged.prisma"), encoding: .utf8)
        #expect(merged.contains("model Item2 {") && merged.contains("  item0s Item0[]"))
        #expect(try Registry(database: database).items(in: [.applied]).count == 3)

        // A restart with nothing approved is a no-op that still starts the application, and does
        // not regenerate the client: the fragment already matches the database.
        let after = root.appendingPathComponent("after.txt")
        let fragment = root.appendingPathComponent("prisma/generated-from-packages.prisma")
        let written = try String(contentsOf: fragment, encoding: .utf8)
        try FileManager.default.removeItem(at: marker)
        try FileManager.default.removeItem(at: after)
        let second = try runScript(root: root, url: url, marker: marker)
        #expect(second.status == 0 && second.output.contains("nothing to apply"), "\(second.output)")
        #expect(FileManager.default.fileExists(atPath: marker.path))
        #expect(!FileManager.default.fileExists(atPath: after.path), "nothing changed, so no client regeneration")

        // A new container from an image without the fragment (or a start after a process died
        // between commit and writing it): the fragment is written again and the client regenerated.
        try FileManager.default.removeItem(at: fragment)
        try FileManager.default.removeItem(at: marker)
        let fresh = try runScript(root: root, url: url, marker: marker)
        #expect(fresh.status == 0 && fresh.output.contains("it did not match the database"), "\(fresh.output)")
        #expect(try String(contentsOf: fragment, encoding: .utf8) == written)
        #expect(FileManager.default.fileExists(atPath: after.path), "the client is regenerated from the restored fragment")

        // The migration role's URL is for `schema` only: the application gets its own, and never the other.
        let environmentFile = root.appendingPathComponent("app-environment.txt")
        let split = try runScript(root: root, url: url, marker: marker, applicationURL: "postgres://app:app@nowhere/app",
                                  command: ["/bin/sh", "-c", "env > \(environmentFile.path)"])
        #expect(split.status == 0, "\(split.output)")
        let seen = try String(contentsOf: environmentFile, encoding: .utf8)
        #expect(seen.contains("DATABASE_URL=postgres://app:app@nowhere/app"))
        #expect(!seen.contains("SCHEMA_DATABASE_URL"), "the application must not see the migration role's URL")

        // The merged schema is kept by fingerprint like the fragment: left alone when current,
        // rewritten when it is missing or stale.
        let mergedURL = root.appendingPathComponent("prisma/merged.prisma")
        try "// fingerprint: 0000\n".write(to: mergedURL, atomically: true, encoding: .utf8)
        let restoredMerged = try runScript(root: root, url: url, marker: marker)
        #expect(restoredMerged.status == 0, "\(restoredMerged.output)")
        #expect(try String(contentsOf: mergedURL, encoding: .utf8) == merged, "a stale merged schema is rewritten")
        let stamp = try FileManager.default.attributesOfItem(atPath: mergedURL.path)[.modificationDate] as? Date
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)], ofItemAtPath: mergedURL.path)
        _ = try runScript(root: root, url: url, marker: marker)
        #expect(try FileManager.default.attributesOfItem(atPath: mergedURL.path)[.modificationDate] as? Date == Date(timeIntervalSince1970: 1_000_000),
                "a current merged schema is not rewritten (it was at \(String(describing: stamp)))")

        // With nothing approved, a broken package file cannot reach the database, so the start
        // does not read the package files and the application starts ...
        try FileManager.default.removeItem(at: marker)
        try "entities:\n  - name: Broken\n    fields:\n      id: { type: strng }\n".write(
            to: root.appendingPathComponent("packages/odd/seed/schema/entities.yaml"), atomically: true, encoding: .utf8)
        let unread = try runScript(root: root, url: url, marker: marker)
        #expect(unread.status == 0 && !unread.output.contains("E012"), "\(unread.output)")
        #expect(FileManager.default.fileExists(atPath: marker.path))
        // ... unless the operator asks for every start to validate.
        try FileManager.default.removeItem(at: marker)
        let strict = try Self.runStartScript(["touch", marker.path], environment: [
            "DATABASE_URL": url, "SCHEMA_ROOT": root.path, "SCHEMA_BIN": Processes.binary.path, "SCHEMA_START_VALIDATE": "always",
        ])
        #expect(strict.status == 1 && strict.output.contains("error[E012]"), "\(strict.output)")
        #expect(!FileManager.default.fileExists(atPath: marker.path))
    }

    /// A failed after command (a `prisma generate` that could not run) is part of the start's
    /// outcome: the start says the client may be stale and does not start the application; the
    /// next start, with nothing to apply, runs the command again and then starts it. The command
    /// never sees the migration role's URL, only the application's.
    @Test(arguments: Backend.available)
    func aFailedAfterCommandIsRememberedAndRunAgain(_ backend: Backend) throws {
        let (root, url, database) = try approvedWorkspace(entities: 2, backend)
        defer { database.close() }
        let marker = root.appendingPathComponent("started")
        let seen = root.appendingPathComponent("after-environment.txt")
        let failing = root.appendingPathComponent("fail-once")
        try "".write(to: failing, atomically: true, encoding: .utf8)
        let environment = [
            "DATABASE_URL": "postgres://app:app-pw@app-host/app", "SCHEMA_DATABASE_URL": url, "SCHEMA_ROOT": root.path,
            "SCHEMA_BIN": Processes.binary.path,
            // Fails while the file exists; records what it sees.
            "SCHEMA_AFTER": "env > \(seen.path); if [ -e \(failing.path) ]; then echo generate failed >&2; exit 9; fi; echo generated",
        ]
        let first = try Self.runStartScript(["touch", marker.path], environment: environment)
        #expect(first.status == 1, "\(first.output)")
        #expect(first.output.contains("applied and recorded") && first.output.contains("may be stale"), "\(first.output)")
        #expect(!FileManager.default.fileExists(atPath: marker.path), "the application does not start on a stale client")
        #expect(try Registry(database: database).items(in: [.applied]).count == 2)
        let environmentSeen = try String(contentsOf: seen, encoding: .utf8)
        #expect(environmentSeen.contains("DATABASE_URL=postgres://app:app-pw@app-host/app"), "the application's URL")
        #expect(!environmentSeen.contains(url) && !environmentSeen.contains("SCHEMA_DATABASE_URL"), "never the migration role's")

        // Still failing: every start runs it again, though nothing is applied and the fragment is current.
        let second = try Self.runStartScript(["touch", marker.path], environment: environment)
        #expect(second.status == 1 && second.output.contains("nothing to apply") && second.output.contains("generate failed"), "\(second.output)")
        // Opted in: the application starts on the stale client, and the command stays due.
        var optedIn = environment
        optedIn["SCHEMA_START_ON_STALE_CLIENT"] = "1"
        let stale = try Self.runStartScript(["touch", marker.path], environment: optedIn)
        #expect(stale.status == 0 && FileManager.default.fileExists(atPath: marker.path), "\(stale.output)")
        try FileManager.default.removeItem(at: marker)

        try FileManager.default.removeItem(at: failing)
        let fixed = try Self.runStartScript(["touch", marker.path], environment: environment)
        #expect(fixed.status == 0 && fixed.output.contains("ran the --after command again"), "\(fixed.output)")
        #expect(FileManager.default.fileExists(atPath: marker.path))
        try FileManager.default.removeItem(at: marker)
        try FileManager.default.removeItem(at: seen)
        let quiet = try Self.runStartScript(["touch", marker.path], environment: environment)
        #expect(quiet.status == 0 && !FileManager.default.fileExists(atPath: seen.path), "once it succeeded it is not due again: \(quiet.output)")
    }

    /// A mistyped URL (a SQLite file name, a PostgreSQL database that has no registry) changes
    /// nothing: every command but the three that start a registry refuses it, naming the URL,
    /// creates no file, schema or table there, and leaves the Prisma fragment as it was.
    @Test(arguments: Backend.available)
    func aMistypedURLChangesNothing(_ backend: Backend) throws {
        let (root, url, database) = try approvedWorkspace(entities: 2, backend)
        defer { database.close() }
        #expect(try Processes.run(["apply", "--root", root.path], url: url).status == 0)
        let fragment = root.appendingPathComponent("prisma/generated-from-packages.prisma")
        let written = try String(contentsOf: fragment, encoding: .utf8)
        let (typo, other) = try Processes.database(backend)
        defer { other.close() }
        let mistyped: String
        if backend == .sqlite {
            other.close()
            mistyped = typo.replacingOccurrences(of: ".sqlite", with: "-typo.sqlite")
        } else {
            mistyped = typo
        }
        for arguments in [["apply"], ["apply", "--after", "touch after-ran"], ["list"], ["plan"], ["approve", "all", "--as", "alice"], ["drift"], ["generate"],
                          ["admin", "remove", "alice", "--as", "alice"]] {
            let run = try Processes.run(arguments + ["--root", root.path], url: mistyped)
            #expect(run.status == 1 && run.output.contains("no registry"), "\(arguments): \(run.output)")
        }
        #expect(try String(contentsOf: fragment, encoding: .utf8) == written, "the fragment is untouched")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("after-ran").path))
        if backend == .sqlite {
            #expect(!FileManager.default.fileExists(atPath: String(mistyped.dropFirst("file:".count))), "no file was created")
        } else {
            let schemas = try other.withLockedTransaction { try $0.query("SELECT nspname FROM pg_namespace WHERE nspname = 'schema_registry'", []) }
            #expect(schemas.isEmpty, "no registry schema was created")
        }
        // `scan` does create one, and says so.
        let scan = try Processes.run(["scan", "--root", root.path], url: mistyped)
        #expect(scan.status == 0 && scan.output.contains("no registry in") && scan.output.contains("creating one"), "\(scan.output)")
    }

    /// A reader that stops early (`| head -1`) ends the listing quietly, as with other command-line
    /// tools (SIGPIPE, status 141, or 0 when everything fit in the pipe): no crash report.
    @Test(arguments: Backend.available)
    func aClosedPipeEndsTheOutputQuietly(_ backend: Backend) throws {
        let (root, url, database) = try approvedWorkspace(entities: 150, backend)
        defer { database.close() }
        for command in ["list --state all --verbose", "plan", "audit"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "\"$SCHEMA\" \(command) --root \"$ROOT\" 2>\"$ROOT/stderr.txt\" | head -1 >/dev/null; echo ${PIPESTATUS[0]}"]
            process.environment = ProcessInfo.processInfo.environment.merging(["SCHEMA": Processes.binary.path, "ROOT": root.path, "DATABASE_URL": url]) { $1 }
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let status = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            process.waitUntilExit()
            let stderr = (try? String(contentsOf: root.appendingPathComponent("stderr.txt"), encoding: .utf8)) ?? ""
            #expect(["0", "141"].contains(status), "\(command): exit \(status): \(stderr.prefix(500))")
            #expect(!stderr.contains("Fatal error") && !stderr.contains("Stack dump") && stderr.split(separator: "\n").count <= 2, "\(command): \(stderr.prefix(500))")
        }
    }

    /// What a start must still refuse once something is approved: package files with errors
    /// (nothing is applied, the items stay approved) and an entity changed after its approval (it
    /// is refused, the unchanged one applies). Either way the application does not start.
    @Test(arguments: Backend.available)
    func anApprovedChangeThatCannotBeAppliedStopsTheStart(_ backend: Backend) throws {
        let (root, url, database) = try approvedWorkspace(entities: 2, backend)
        defer { database.close() }
        let odd = root.appendingPathComponent("packages/odd/seed/schema/entities.yaml")
        let approvedText = try String(contentsOf: odd, encoding: .utf8)
        let marker = root.appendingPathComponent("started")
        let environment = ["DATABASE_URL": url, "SCHEMA_ROOT": root.path, "SCHEMA_BIN": Processes.binary.path]

        // A broken file beside an approved change: nothing runs.
        try "entities:\n  - name: Broken\n    fields:\n      id: { type: strng }\n".write(to: odd, atomically: true, encoding: .utf8)
        let broken = try Self.runStartScript(["touch", marker.path], environment: environment)
        #expect(broken.status == 1 && broken.output.contains("error[E012]"), "\(broken.output)")
        #expect(!FileManager.default.fileExists(atPath: marker.path))
        #expect(try Registry(database: database).items(in: [.applied]).isEmpty)
        #expect(try Registry(database: database).items(in: [.approved]).count == 2)

        // The approved entity changed after its approval (a valid file): refused, not applied.
        try approvedText.replacingOccurrences(of: "maxLength: 80", with: "maxLength: 81").write(to: odd, atomically: true, encoding: .utf8)
        let modified = try Self.runStartScript(["touch", marker.path], environment: environment)
        #expect(modified.status == 1 && modified.output.contains("refused"), "\(modified.output)")
        #expect(!FileManager.default.fileExists(atPath: marker.path))
        #expect(try Registry(database: database).items(in: [.applied]).map(\.entity) == ["Item0"], "only the unchanged entity is applied")
    }

    /// `schema apply` exiting 75 (a lock could not be had in time) is tried again a few times;
    /// when it keeps happening the script exits 75 itself and does not start the application.
    @Test(arguments: [(failures: 2, status: Int32(0)), (failures: 5, status: Int32(75))])
    func aTemporaryApplyFailureIsRetriedThenReportedWithItsOwnStatus(_ scenario: (failures: Int, status: Int32)) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("start-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let counter = directory.appendingPathComponent("applies")
        let marker = directory.appendingPathComponent("started")
        // A stand-in for `schema`: validate passes, apply exits 75 for its first `failures` runs.
        let fake = directory.appendingPathComponent("schema")
        try """
            #!/usr/bin/env bash
            case "$1" in
              apply)
                count=$(( $(cat "\(counter.path)" 2>/dev/null || echo 0) + 1 ))
                echo "$count" > "\(counter.path)"
                [ "$count" -le \(scenario.failures) ] && exit 75
                exit 0 ;;
              *) exit 0 ;;
            esac
            """.write(to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let (status, output) = try Self.runStartScript(["touch", marker.path], environment: [
            "SCHEMA_BIN": fake.path, "SCHEMA_ROOT": directory.path, "DATABASE_URL": "file:\(directory.path)/db.sqlite",
            "SCHEMA_APPLY_ATTEMPTS": "3", "SCHEMA_APPLY_RETRY_DELAY": "0",
        ])
        #expect(status == scenario.status, "\(output)")
        #expect(try String(contentsOf: counter, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        #expect(FileManager.default.fileExists(atPath: marker.path) == (scenario.status == 0), "\(output)")
    }
}
