import ArgumentParser
import Foundation
import SchemaCore
import SchemaRegistry

/// `schema plan`: the SQL `apply` would run now.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Print the SQL `apply` would run now, without running it.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    func run() async throws {
        let console = Console.current
        try runReportingErrors {
            guard let (_, desired) = desiredEntities(options, console: console) else { throw ExitCode.failure }
            let result = try registry.withRegistry(root: options.rootURL) { try $0.apply(current: desired, principal: "plan", dryRun: true) }
            if options.json {
                        struct Output: Encodable { var items: [ItemJSON]; var refused: [JSONOutput.RefusalJSON]; var sql: String }
                console.out(JSONOutput.encode(Output(items: result.applied.map { ItemJSON($0) }, refused: result.refused.map { JSONOutput.RefusalJSON(id: $0.item.id, reason: $0.reason) },
                                                     sql: result.statements.script)))
                return
            }
            for refusal in result.refused { console.err("would refuse \(refusal.item.id) (\(refusal.item.entity)): \(refusal.reason)") }
            if result.applied.isEmpty {
                console.out("-- nothing to apply")
                return
            }
            console.out("-- \(result.applied.count) approved change(s):")
            for item in result.applied { console.out("--   \(item.id) \(item.action.rawValue) \(item.entity)") }
            console.out(result.statements.script)
        }
    }
}

/// `schema apply`: what a container runs at start.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply approved changes exactly once (what a container runs at start), then write the Prisma fragment.",
        discussion: """
            Takes the registry lock, refuses approved items whose package files changed since approval, \
            applies the rest in one transaction with the registry updates, and writes \
            prisma/generated-from-packages.prisma. A no-op when nothing is approved. Never runs `prisma migrate dev`.
            """)

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Option(name: .customLong("as"), help: "Principal recorded in the audit log.") var principal: String = "apply"
    @Option(name: .customLong("prisma-migrations"), help: ArgumentHelp("Also write DIR/<timestamp>_package_schemas/migration.sql and its _prisma_migrations row (DIR relative to the current directory).", valueName: "dir"))
    var prismaMigrations: String?
    @Option(name: .customLong("after"), help: ArgumentHelp("A shell command to run after a successful apply (e.g. 'npx prisma generate').", valueName: "command"))
    var afterCommand: String?
    @Flag(name: .customLong("no-generate"), help: "Do not write the Prisma fragment.") var noGenerate = false
    @Option(name: .customLong("trusted-keys"),
            help: ArgumentHelp("Apply only approvals signed by a key in this file (default: $SCHEMA_TRUSTED_KEYS).", valueName: "file"))
    var trustedKeysFile: String?
    @Flag(name: .customLong("rls"), help: "On PostgreSQL, (re)create row-level security policies from the ACLs, in the same transaction.")
    var rowLevelSecurity = false

    func run() async throws {
        let console = Console.current
        try runReportingErrors {
            let fragment = noGenerate ? nil : FragmentFile(options: options)
            // The restart path: with nothing approved, skip reading and validating the package files,
            // and only bring a stale Prisma fragment up to date. (The apply below re-checks the queue
            // under the lock, so a race only defers work to the next start.)
            let restart: (nothingApproved: Bool, written: Int?) = try registry.withRegistry(root: options.rootURL) { registry in
                guard try registry.count(in: [.approved]) == 0 else { return (false, nil) }
                return (true, try fragment?.refresh(from: registry))
            }
            if restart.nothingApproved {
                try finish(ApplyResult(), fragment: fragment, modelsWritten: restart.written, console: console)
                return
            }
            guard let (workspace, desired) = desiredEntities(options, console: console) else {
                console.err("nothing was applied: the package files have errors")
                throw ExitCode.failure
            }
            let trustedKeys = try loadTrustedKeys(trustedKeysFile)
            if rowLevelSecurity, case .sqlite = try registry.location(root: options.rootURL) {
                throw ValidationError("--rls needs PostgreSQL; on SQLite the ACL is enforced in the application (see `schema rls`)")
            }
            let migrationWriter = prismaMigrations.map { PrismaMigrationWriter(directory: URL(fileURLWithPath: $0).standardizedFileURL) }
            let (result, written): (ApplyResult, Int?) = try registry.withRegistry(root: options.rootURL) { registry in
                let result: ApplyResult
                do {
                    result = try registry.apply(current: desired, principal: principal, trustedKeys: trustedKeys) { connection, result in
                        try migrationWriter?.record(result.statements, connection: connection)
                        if rowLevelSecurity {
                            for statement in try rowLevelSecurityStatements(Registry.appliedEntities(connection), host: workspace.baseSchema) {
                                try connection.execute(statement)
                            }
                        }
                    }
                } catch {
                    migrationWriter?.removeUncommitted()
                    throw error
                }
                FaultInjection.pause(.afterCommit)
                return (result, try fragment?.refresh(from: registry))
            }
            for refusal in result.refused { console.err(console.paint("refused", .red) + " \(refusal.item.id) (\(refusal.item.entity)): \(refusal.reason)") }
            for item in result.applied where !options.json { console.out("applied \(ItemFormat.line(item, console: console))") }
            if let path = migrationWriter?.writtenFolder, !options.json { console.out("wrote \(path.path)") }
            try finish(result, fragment: fragment, modelsWritten: written, console: console)
            if !result.refused.isEmpty { throw ExitCode.failure }
        }
    }

    /// Reports the outcome and runs `--after` when something was applied or the Prisma fragment changed.
    func finish(_ result: ApplyResult, fragment: FragmentFile?, modelsWritten: Int?, console: Console) throws {
        if options.json {
            struct Output: Encodable { var applied: [ItemJSON]; var refused: [JSONOutput.RefusalJSON]; var prismaFragmentWritten: Bool }
            console.out(JSONOutput.encode(Output(applied: result.applied.map { ItemJSON($0) },
                                                 refused: result.refused.map { JSONOutput.RefusalJSON(id: $0.item.id, reason: $0.reason) },
                                                 prismaFragmentWritten: modelsWritten != nil)))
        } else {
            if result.nothingToDo { console.out("nothing to apply") }
            if let models = modelsWritten, let fragment {
                console.out("wrote \(fragment.url.path) (\(models) models\(result.applied.isEmpty ? ", it did not match the database" : ""))")
            }
        }
        if let afterCommand, !result.applied.isEmpty || modelsWritten != nil {
            let status = runShell(afterCommand)
            if status != 0 {
                console.err("error: --after command exited with \(status)" + (result.applied.isEmpty ? "" : " (the changes are applied and recorded)"))
                throw ExitCode.failure
            }
        }
    }

    func runShell(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = options.rootURL
        do {
            try process.run()
        } catch {
            Console.current.err("error: cannot run --after command: \(error)")
            return 127
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Policies for every applied entity with an ACL.
func rowLevelSecurityStatements(_ applied: [AppliedEntity], host: PrismaSchema?) -> [String] {
    var keys: [String: String] = [:]
    for model in host?.models ?? [] { keys[model.name] = model.primaryKey.first }
    for entity in applied { keys[entity.structure.name] = entity.structure.primaryKey?.name }
    return applied.flatMap { RowLevelSecurity.statements(for: $0.structure, primaryKeys: keys) }
}

/// `schema rls [PACKAGE]`.
struct RLSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rls", abstract: "Print the PostgreSQL row-level security policies derived from the packages' ACLs.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Argument(help: "Only this package's entities.") var package: String?

    func run() async throws {
        let console = Console.current
        try runReportingErrors {
            if case .sqlite = try registry.location(root: options.rootURL) {
                console.out("""
                    -- SQLite has no row-level security. The ACLs are enforced in the application through
                    -- SchemaCore's ACLEvaluator (see the README's ACL table). With a PostgreSQL DATABASE_URL
                    -- this command prints the policies, and `schema apply --rls` installs them.
                    """)
                return
            }
            guard let (workspace, desired) = desiredEntities(options, console: console) else { throw ExitCode.failure }
            let chosen = desired.filter { package == nil || $0.packages.contains(package ?? "") }
            if let package, chosen.isEmpty {
                console.err("error: no entities of package '\(package)'")
                throw ExitCode.failure
            }
            let applied = chosen.map { AppliedEntity(structure: $0.structure, checksum: $0.checksum, packages: $0.packages) }
            console.out(rowLevelSecurityStatements(applied, host: workspace.baseSchema).map { $0 + ";" }.joined(separator: "\n"))
        }
    }
}

/// The trusted keys from `--trusted-keys` or `SCHEMA_TRUSTED_KEYS`; nil when neither is set.
func loadTrustedKeys(_ option: String?) throws -> [TrustedKey]? {
    guard let path = option ?? ProcessInfo.processInfo.environment["SCHEMA_TRUSTED_KEYS"], !path.isEmpty else { return nil }
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw ValidationError("cannot read the trusted keys file \(path)")
    }
    let keys = try TrustedKey.parseFile(text)
    if keys.isEmpty { throw ValidationError("the trusted keys file \(path) has no keys") }
    return keys
}

/// `schema generate`.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Write the Prisma fragment of the applied package entities, and optionally a merged schema.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Option(help: ArgumentHelp("Fragment file (default: ROOT/prisma/generated-from-packages.prisma; '-' for stdout).", valueName: "file"))
    var out: String?
    @Option(help: ArgumentHelp("Also write a complete schema: the base schema, back-relation fields in host models, and the package models.", valueName: "file"))
    var merged: String?

    func run() async throws {
        let console = Console.current
        try runReportingErrors {
            let workspace = options.loadWorkspace()
            let applied = try registry.withRegistry(root: options.rootURL) { try $0.appliedEntities() }
            if out == "-" {
                console.out(PrismaArtifacts.fragment(applied.map(\.structure), host: workspace.baseSchema))
            } else {
                let fragment = FragmentFile(options: options, out: out)
                try fragment.write(applied, baseText: try? String(contentsOf: fragment.baseSchemaURL, encoding: .utf8))
                console.out("wrote \(fragment.url.path) (\(applied.count) models)")
            }
            if let merged {
                guard let base = workspace.baseSchema else {
                    console.err("error: --merged needs the host's base schema (prisma/schema.prisma or --base)")
                    throw ExitCode.failure
                }
                let baseURL = options.base.map { URL(fileURLWithPath: $0) } ?? options.rootURL.appendingPathComponent("prisma/schema.prisma")
                let baseText = (try? String(contentsOf: baseURL, encoding: .utf8)) ?? ""
                let file = URL(fileURLWithPath: merged).standardizedFileURL
                try writeText(PrismaArtifacts.merged(baseText: baseText, host: base, entities: applied.map(\.structure)), to: file)
                console.out("wrote \(file.path)")
            }
        }
    }
}

func writeText(_ text: String, to file: URL) throws {
    try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: file, atomically: true, encoding: .utf8)
}
