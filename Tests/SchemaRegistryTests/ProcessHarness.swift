import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// Runs the real `schema` binary against one database, as containers and admins do.
enum Processes {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/schema").standardizedFileURL

    static var binaryIsBuilt: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }

    struct Run {
        var status: Int32
        /// Standard output and error, as a terminal shows them.
        var output: String
        /// Standard output alone (what `--json` prints).
        var stdout: String
    }

    /// A workspace with `count` related entities in two packages (see ``workspaceFiles(entities:variant:)``).
    ///
    /// - Parameter deploys: `.recreate` writes a `schema.config.json` saying so: every change then
    ///   applies whole at the start, for tests of what a start does with each kind of change.
    static func makeWorkspace(entities count: Int, variant: WorkspaceVariant = .base, deploys: Rollout.DeployStrategy = .rolling) -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("schema-process-\(UUID().uuidString)")
        write(workspaceFiles(entities: count, variant: variant), to: root)
        if deploys != .rolling { write(configuration(deploys: deploys), to: root) }
        return root
    }

    /// A `schema.config.json` with `deploys` set.
    static func configuration(deploys: Rollout.DeployStrategy) -> [String: String] {
        ["schema.config.json": #"{"deploys": "\#(deploys.rawValue)"}"#]
    }

    /// How the entities of a process-test workspace look; each variant differs from the base by
    /// one kind of change, so moving between variants exercises every kind of queue item.
    enum WorkspaceVariant: CaseIterable, Sendable {
        /// Every entity with its columns, indexes and foreign keys.
        case base
        /// Every entity gains a nullable `memo` column and an index on [tenantId, memo] (alters).
        case withMemo
        /// The last entity, which nothing references, is gone (a drop).
        case withoutLast
    }

    /// Entities `Item0`…: each belongs to the host's `Tenant`, every one but the first to its
    /// predecessor; even ones in package `even`, odd ones in `odd`.
    static func workspaceFiles(entities count: Int, variant: WorkspaceVariant) -> [String: String] {
        var first = "entities:\n"
        var second = "entities:\n"
        for index in 0..<(variant == .withoutLast ? count - 1 : count) {
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
            if variant == .withMemo {
                yaml = yaml.replacingOccurrences(of: "      rank:", with: "      memo: { type: string, nullable: true }\n      rank:")
                    .replacingOccurrences(of: "    relations:", with: "      - fields: [tenantId, memo]\n    relations:")
            }
            if index > 0 {
                yaml = yaml.replacingOccurrences(of: "      rank:", with: "      parentId: { type: string, nullable: true }\n      rank:")
                    + "      - { name: parent, type: belongsTo, entity: Item\(index - 1), field: parentId, onDelete: SetNull }\n"
            }
            if index % 2 == 0 { first += yaml } else { second += yaml }
        }
        return [
            "prisma/schema.prisma": "datasource db {\n  provider = \"sqlite\"\n}\n\nmodel Tenant {\n  id   String @id\n  name String\n}\n",
            "packages/even/seed/schema/entities.yaml": first,
            "packages/odd/seed/schema/entities.yaml": second,
            "packages/even/seed/metadata.json": #"{"packageId": "even"}"#,
            "packages/odd/seed/metadata.json": #"{"packageId": "odd"}"#,
        ]
    }

    static func write(_ files: [String: String], to root: URL) {
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    /// The `schema` process for `arguments` on `url`, not started.
    static func process(_ arguments: [String], url: String, environment extra: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = url
        environment["NO_COLOR"] = "1"
        environment.merge(extra) { $1 }
        process.environment = environment
        return process
    }

    static func launch(_ arguments: [String], url: String, environment extra: [String: String] = [:]) throws -> (Process, Pipe) {
        let process = process(arguments, url: url, environment: extra)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return (process, pipe)
    }

    static func run(_ arguments: [String], url: String) throws -> Run {
        // JSON goes to stdout, warnings (the base schema's provider, say) to stderr: read them apart.
        if arguments.contains("--json") { return try runSeparately(arguments, url: url) }
        let (process, pipe) = try launch(arguments, url: url)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        return Run(status: process.terminationStatus, output: output, stdout: output)
    }

    /// Runs with standard output and error apart (for `--json`).
    static func runSeparately(_ arguments: [String], url: String) throws -> Run {
        let process = process(arguments, url: url)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: stdout + stderr, stdout: stdout)
    }

    /// Queues and approves every change of a workspace; returns the number of approved items.
    static func prepare(root: URL, url: String) throws -> Int {
        let scan = try run(["scan", "--root", root.path, "--json"], url: url)
        #expect(scan.status == 0, "\(scan.output)")
        #expect(try run(["admin", "add", "alice", "--root", root.path], url: url).status == 0)
        #expect(try run(["approve", "all", "--as", "alice", "--root", root.path], url: url).status == 0)
        let status = try run(["status", "--root", root.path, "--json"], url: url)
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        return (object?["counts"] as? [String: Int])?["approved"] ?? 0
    }

    /// A new database for `backend`, and the URL a process uses to reach it.
    static func database(_ backend: Backend) throws -> (url: String, database: any RegistryDatabase) {
        let (database, location) = try backend.makeDatabase()
        switch location {
        case .sqlite(let path): return ("file:\(path)", database)
        case .postgres(let location): return (location.description, database)
        }
    }

    /// What the package files under `root` want, as `scan` computes it.
    static func desired(root: URL) throws -> DesiredState {
        let desired = DesiredState.resolve(WorkspaceLoader(root: root).load())
        try #require(desired.isValid, "\(desired.errors)")
        return desired
    }

    /// The schema a fresh database gets from the files under `root` (scan, approve, apply in-process),
    /// as ``Introspection`` describes it: what any sequence of changes must converge to.
    static func freshSchema(_ backend: Backend, root: URL) throws -> [String] {
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        let registry = Registry(database: database)
        let desired = try desired(root: root)
        try registry.addAdmin("fresh", by: nil)
        _ = try registry.scan(desired, principal: "fresh")
        _ = try registry.approve(.all, as: "fresh", allowDataLoss: false)
        _ = try registry.applyApproved(desired, principal: "fresh")
        return try Introspection.describe(database)
    }
}
