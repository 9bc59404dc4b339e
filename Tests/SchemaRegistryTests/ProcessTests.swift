import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Exactly-once and crash safety, with real `schema` processes against one database.
@Suite(.serialized) struct ProcessTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/schema").standardizedFileURL

    /// A workspace with `count` related entities in two packages.
    static func makeWorkspace(entities count: Int) -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("schema-process-\(UUID().uuidString)")
        var first = "entities:\n"
        var second = "entities:\n"
        for index in 0..<count {
            var yaml = """
                  - name: Item\(index)
                    fields:
                      id: { type: cuid, primary: true, generated: true }
                      tenantId: { type: string }
                      label: { type: string, maxLength: 80 }
                      rank: { type: int, default: 0, min: 0 }
                    indexes:
                      - fields: [tenantId, label]
                        unique: true
                    relations:
                      - { name: tenant, type: belongsTo, entity: Tenant, field: tenantId, onDelete: Cascade }

                """
            if index > 0 {
                yaml = yaml.replacingOccurrences(of: "      rank:", with: "      parentId: { type: string, nullable: true }\n      rank:")
                    + "      - { name: parent, type: belongsTo, entity: Item\(index - 1), field: parentId, onDelete: SetNull }\n"
            }
            if index % 2 == 0 { first += yaml } else { second += yaml }
        }
        let files = [
            "prisma/schema.prisma": "datasource db {\n  provider = \"sqlite\"\n}\n\nmodel Tenant {\n  id   String @id\n  name String\n}\n",
            "packages/even/seed/schema/entities.yaml": first,
            "packages/odd/seed/schema/entities.yaml": second,
            "packages/even/seed/metadata.json": #"{"packageId": "even"}"#,
            "packages/odd/seed/metadata.json": #"{"packageId": "odd"}"#,
        ]
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? text.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }

    struct Run {
        var status: Int32
        var output: String
    }

    static func launch(_ arguments: [String], url: String, environment extra: [String: String] = [:]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = url
        environment["NO_COLOR"] = "1"
        environment.merge(extra) { $1 }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return (process, pipe)
    }

    static func run(_ arguments: [String], url: String) throws -> Run {
        let (process, pipe) = try launch(arguments, url: url)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// Queues and approves every change of a new workspace; returns the number of items.
    func prepare(root: URL, url: String) throws -> Int {
        let scan = try Self.run(["scan", "--root", root.path, "--json"], url: url)
        #expect(scan.status == 0, "\(scan.output)")
        #expect(try Self.run(["admin", "add", "alice", "--root", root.path], url: url).status == 0)
        #expect(try Self.run(["approve", "all", "--as", "alice", "--root", root.path], url: url).status == 0)
        let status = try Self.run(["status", "--root", root.path, "--json"], url: url)
        let object = try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any]
        return (object?["counts"] as? [String: Int])?["approved"] ?? 0
    }

    func databaseURL(_ backend: Backend, root: URL) throws -> (url: String, database: any RegistryDatabase) {
        let (database, location) = try backend.makeDatabase()
        switch location {
        case .sqlite(let path): return ("file:\(path)", database)
        case .postgres(let host, let port, let user, _, let name, _): return ("postgres://\(user)@\(host):\(port)/\(name ?? "")", database)
        }
    }

    @Test(arguments: Backend.available)
    func eightConcurrentAppliesApplyEachChangeOnce(_ backend: Backend) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the schema binary first (scripts/test.sh does)")
        let root = Self.makeWorkspace(entities: 12)
        let (url, database) = try databaseURL(backend, root: root)
        defer { database.close() }
        let items = try prepare(root: root, url: url)
        #expect(items == 12)

        let processes = try (0..<8).map { _ in try Self.launch(["apply", "--root", root.path, "--no-generate"], url: url) }
        var outputs: [String] = []
        for (process, pipe) in processes {
            outputs.append(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(outputs.last ?? "")")
        }
        #expect(outputs.filter { $0.contains("applied ") }.count == 1, "exactly one process applies")
        #expect(outputs.filter { $0.contains("nothing to apply") }.count == 7)
        let registry = Registry(database: database)
        #expect(try registry.items(in: [.applied]).count == 12)
        let audit = try registry.audit()
        #expect(audit.filter { $0.action == "apply" }.count == 12)
        #expect(Set(audit.filter { $0.action == "apply" }.compactMap(\.itemId)).count == 12)
        #expect(try registry.status().entities.count == 12)
    }

    @Test(arguments: Backend.available)
    func killedApplyLeavesNothingBehindAndTheNextOneSucceeds(_ backend: Backend) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the schema binary first (scripts/test.sh does)")
        let root = Self.makeWorkspace(entities: 10)
        let (url, database) = try databaseURL(backend, root: root)
        defer { database.close() }
        #expect(try prepare(root: root, url: url) == 10)
        let before = try Introspection.describe(database)
        let registry = Registry(database: database)
        var generator = SystemRandomNumberGenerator()
        let kills = 10
        var killedWhileRunning = 0
        for _ in 0..<kills {
            // Each statement sleeps 60 ms: the transaction (20+ statements) stays open for over a second.
            let (process, pipe) = try Self.launch(["apply", "--root", root.path, "--no-generate"], url: url,
                                                  environment: ["SCHEMA_FAULT_STATEMENT_DELAY_MS": "60"])
            usleep(UInt32.random(in: 150_000...700_000, using: &generator))
            if process.isRunning { killedWhileRunning += 1 }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            _ = pipe.fileHandleForReading.readDataToEndOfFile()
            // Invariants: nothing applied, nothing recorded, every item still approved, lock free.
            #expect(try Introspection.describe(database) == before)
            #expect(try registry.items(in: [.approved]).count == 10)
            #expect(try registry.audit().filter { $0.action == "apply" }.isEmpty)
        }
        #expect(killedWhileRunning == kills, "every kill must land while apply runs")
        let final = try Self.run(["apply", "--root", root.path, "--no-generate"], url: url)
        #expect(final.status == 0, "\(final.output)")
        #expect(try registry.items(in: [.applied]).count == 10)
        #expect(try Introspection.describe(database).count > before.count)
    }
}
