import Foundation
import Testing

/// The specification's commands as it writes them (`npm run schema:approve all`), through the
/// example's package.json and the local npm (no registry is contacted by `npm run`).
@Suite struct NpmScriptsTests {
    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL
    static let npm = ChildProcess.which("npm")

    /// Runs `npm run ARGUMENTS` in `folder` with the built binary as `SCHEMA_BIN`.
    static func npmRun(_ arguments: [String], in folder: URL, environment extra: [String: String] = [:]) throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["SCHEMA_BIN"] = checkout.appendingPathComponent(".build/debug/schema").path
        environment["NO_COLOR"] = "1"
        environment["npm_config_update_notifier"] = "false"
        environment.removeValue(forKey: "DATABASE_URL")
        environment.merge(extra) { $1 }
        return try ChildProcess.run(npm ?? "/usr/bin/npm", ["run", "--silent"] + arguments, in: folder, environment: environment)
    }

    @Test(.enabled(if: npm != nil, "npm is not installed"))
    func theSpecificationsNpmCommandsWorkInTheExample() throws {
        let binary = Self.checkout.appendingPathComponent(".build/debug/schema")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the schema binary first (scripts/test.sh does)")
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("schema-npm-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.checkout.appendingPathComponent("Examples/workspace"), to: workspace)
        defer { try? FileManager.default.removeItem(at: workspace) }
        try? FileManager.default.removeItem(at: workspace.appendingPathComponent(".schema"))

        let scan = try Self.npmRun(["schema:scan"], in: workspace)
        #expect(scan.status == 0 && scan.output.contains("5 queued"), "\(scan.output)")
        let list = try Self.npmRun(["schema:list"], in: workspace)
        #expect(list.output.contains("create BlogPost"), "\(list.output)")
        let noAdmin = try Self.npmRun(["schema:approve", "all"], in: workspace)
        #expect(noAdmin.status == 2 && noAdmin.output.contains("--as NAME (or set SCHEMA_ADMIN)"), "\(noAdmin.output)")

        #expect(try ChildProcess.run(binary.path, ["admin", "add", "alice", "--root", workspace.path]).status == 0)
        let approve = try Self.npmRun(["schema:approve", "all"], in: workspace, environment: ["SCHEMA_ADMIN": "alice"])
        #expect(approve.status == 0 && approve.output.contains("approved") && approve.output.contains("create MediaItem"), "\(approve.output)")
        let preview = try Self.npmRun(["schema:preview", "blog"], in: workspace)
        #expect(preview.status == 0 && preview.output.contains("model BlogPost {"), "\(preview.output)")
        let status = try Self.npmRun(["schema:status"], in: workspace)
        #expect(status.output.contains("5 approved"), "\(status.output)")
        let apply = try Self.npmRun(["schema:apply"], in: workspace)
        #expect(apply.status == 0, "\(apply.output)")
        let generate = try Self.npmRun(["schema:generate", "--", "--out", "prisma/from-npm.prisma"], in: workspace)
        #expect(generate.status == 0, "\(generate.output)")
        #expect(FileManager.default.fileExists(atPath: workspace.appendingPathComponent("prisma/from-npm.prisma").path), "options after -- pass through")
    }
}
