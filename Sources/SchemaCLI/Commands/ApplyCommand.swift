import ArgumentParser
import Foundation
import SchemaCore
import SchemaRegistry

/// `schema apply`: what a container runs at start.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply approved changes exactly once (what a container runs at start), then write the Prisma fragment.",
        discussion: """
            Takes the registry lock, refuses approved items whose package files changed since approval or \
            whose rows would make them fail, applies the rest in one transaction with the registry updates \
            (on PostgreSQL followed by resumable online steps: concurrent index builds, constraint validation, \
            batched backfills), and writes prisma/generated-from-packages.prisma. A no-op when nothing is approved. \
            Every table lock is waited for at most --lock-timeout and tried again --lock-retries times; when that \
            is not enough it exits with status 75 and the items stay approved for the next start. \
            Never runs `prisma migrate dev`.
            """)

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Option(name: .customLong("as"), help: "Principal recorded in the audit log.") var principal: String = "apply"
    @Option(name: .customLong("prisma-migrations"), help: ArgumentHelp("Also write DIR/<timestamp>_package_schemas/migration.sql and its _prisma_migrations row (DIR relative to the current directory).", valueName: "dir"))
    var prismaMigrations: String?
    @Option(name: .customLong("after"), help: ArgumentHelp("A shell command to run when something was applied or the fragment rewritten (e.g. 'npx prisma generate'); a failed run is run again by every later start until it succeeds (exit status 3 until then).", valueName: "command"))
    var afterCommand: String?
    @Flag(name: .customLong("after-keeps-credentials"), help: "Give the --after command this process's DATABASE_URL, SCHEMA_DATABASE_URL and PGPASSWORD (by default they are removed, and DATABASE_URL is $SCHEMA_AFTER_DATABASE_URL when that is set).")
    var afterKeepsCredentials = false
    @Flag(name: .customLong("no-generate"), help: "Do not write the Prisma fragment.") var noGenerate = false
    @Option(name: .customLong("application-name"), help: ArgumentHelp("The application_name this version's Prisma client connects with (default: $SCHEMA_APPLICATION_NAME), recorded with the rollouts this start expands for `complete --when-quiet`.", valueName: "name"))
    var applicationName: String?
    @Option(name: .customLong("merged"), help: ArgumentHelp("Also keep a merged schema (base schema, back-relation fields, package models) in step, rewritten only when it does not match the database.", valueName: "file"))
    var merged: String?
    @OptionGroup var trust: TrustOptions
    @OptionGroup var locks: LockOptions
    @OptionGroup var rowLevelSecurity: RowLevelSecurityOptions

    func run() async throws {
        let console = Console.current
        try runReportingErrors(root: options.rootURL) {
            try options.requireWorkspace()
            if noGenerate && merged != nil { throw SchemaError(.usage, "--merged and --no-generate contradict each other; drop one") }
            _ = try registry.checkedLocation(options)
            let request = ApplyRequest(
                principal: principal, trustedKeys: try trust.trustedKeys(), rowLevelSecurity: .declared,
                prismaMigrations: prismaMigrations.map { URL(fileURLWithPath: $0).standardizedFileURL },
                fragment: noGenerate ? nil : .inWorkspace(root: options.rootURL, base: options.baseURL,
                                                           merged: merged.map { URL(fileURLWithPath: $0).standardizedFileURL }),
                afterCommand: afterCommand.map { AfterCommand($0, workingDirectory: options.rootURL, environment: afterEnvironment()) },
                lockPolicy: try locks.policy(), log: options.json ? nil : Self.logProgress)
            var named = request
            named.applicationName = (applicationName ?? ProcessInfo.processInfo.environment["SCHEMA_APPLICATION_NAME"]).flatMap { $0.isEmpty ? nil : $0 }
            let outcome = try registry.withRegistry(root: options.rootURL) { registry in
                options.warnOnProviderMismatch(registry.database.dialect)
                var request = named
                request.rowLevelSecurity = try rowLevelSecurity.mode(for: registry.database.dialect)
                return try ApplyEngine(registry: registry, desiredState: { options.desiredState() }, renderContext: { options.renderContext() }).run(request)
            }
            report(outcome, console: console)
            if !outcome.refused.isEmpty { throw ExitCode(ExitStatus.failure) }
            if outcome.afterCommandFailure != nil { throw ExitCode(ExitStatus.afterCommandFailed) }
        }
    }

    /// The after command runs without the migration role's credentials: `prisma generate` needs
    /// none, and whatever else runs there should see what the application sees
    /// (`SCHEMA_AFTER_DATABASE_URL`, which the start script sets to the application's URL).
    func afterEnvironment() -> [String: String?] {
        guard !afterKeepsCredentials else { return [:] }
        var environment = Dictionary(uniqueKeysWithValues: AfterCommand.credentialVariables.map { ($0, String?.none) })
        if let url = ProcessInfo.processInfo.environment["SCHEMA_AFTER_DATABASE_URL"] { environment["DATABASE_URL"] = url }
        return environment
    }

    /// Progress of online steps and lock retries, on stderr.
    @Sendable static func logProgress(_ message: String) {
        let console = Console.current
        console.err(console.paint("apply", .dim) + ": " + TerminalText.escape(message))
    }

    func report(_ outcome: ApplyOutcome, console: Console) {
        if options.json {
            struct Output: Encodable {
                var applied: [ItemJSON]; var refused: [RefusalJSON]; var prismaFragmentWritten: Bool; var error: String?
            }
            console.out(JSONOutput.encode(Output(applied: outcome.applied.map { ItemJSON($0) }, refused: outcome.refused.map(RefusalJSON.init),
                                                 prismaFragmentWritten: outcome.fragment != nil, error: outcome.afterCommandFailure?.message)))
            return
        }
        for refusal in outcome.refused { console.err(console.paint("refused", .red) + " \(RefusalJSON(refusal).line)") }
        // One write for all of them: a start of 1,000 items wrote its lines one system call each.
        if !outcome.applied.isEmpty { console.out(outcome.applied.map { "applied \(ItemFormat.line($0, console: console))" }.joined(separator: "\n")) }
        if !outcome.skippedRowLevelSecurity.isEmpty {
            console.out("skipped \(outcome.skippedRowLevelSecurity.count) row-level security statement(s) (--no-rls, or tables without an ACL; --rls installs every table's)")
        }
        if !outcome.rowLevelSecurityInstalled.isEmpty {
            console.out("installed row-level security on \(outcome.rowLevelSecurityInstalled.count) applied table(s) that lacked what their ACL makes: "
                + TerminalText.escape(outcome.rowLevelSecurityInstalled.joined(separator: ", ")))
        }
        if let folder = outcome.migrationFolder { console.out("wrote \(folder.path)") }
        if outcome.nothingToDo { console.out("nothing to apply") }
        if let written = outcome.fragment {
            console.out("wrote \(written.url.path) (\(written.models) models\(outcome.applied.isEmpty ? ", it did not match the database" : ""))")
            if let merged = written.merged { console.out("wrote \(merged.path)") }
        }
        if outcome.afterCommandRetried && outcome.afterCommandFailure == nil { console.out("ran the --after command again (an earlier start's run failed): it succeeded") }
        if let failure = outcome.afterCommandFailure { console.err(console.paint("error", .red) + ": \(failure.message)") }
    }
}

/// `--rls` / `--no-rls`, shared by `apply` and `plan`.
struct RowLevelSecurityOptions: ParsableArguments {
    @Flag(name: .customLong("rls"), help: "On PostgreSQL, install row-level security on every table, so a table without an ACL is closed (default: on the tables of entities with an ACL).")
    var all = false
    @Flag(name: .customLong("no-rls"), help: "Install no row-level security (the application enforces the ACLs).")
    var none = false

    /// The mode the flags ask for on `dialect`.
    func mode(for dialect: SQLDialect) throws -> RowLevelSecurityMode {
        if all && none { throw SchemaError(.usage, "--rls and --no-rls contradict each other; drop one") }
        if all && dialect != .postgresql {
            throw SchemaError(.usage, "--rls needs PostgreSQL; on SQLite the ACL is enforced in the application (see `schema rls`)")
        }
        return none ? .off : all ? .all : .declared
    }
}

/// `--trusted-keys FILE` (or `SCHEMA_TRUSTED_KEYS`).
struct TrustOptions: ParsableArguments {
    @Option(name: .customLong("trusted-keys"),
            help: ArgumentHelp("Apply only approvals signed by a key in this file (default: $SCHEMA_TRUSTED_KEYS).", valueName: "file"))
    var trustedKeysFile: String?

    /// The trusted keys, or nil when neither the option nor the variable is set. A set but empty
    /// value is an error: it would otherwise turn signature checks off without a word.
    func trustedKeys() throws -> [TrustedKey]? {
        guard let path = trustedKeysFile ?? ProcessInfo.processInfo.environment["SCHEMA_TRUSTED_KEYS"] else { return nil }
        guard !path.isEmpty else {
            throw SchemaError(.usage, "--trusted-keys or SCHEMA_TRUSTED_KEYS is set but empty; name the trusted keys file, or unset it to apply unsigned approvals")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SchemaError(.keyFile, "cannot read the trusted keys file \(path)")
        }
        let keys = try TrustedKey.parseFile(text)
        if keys.isEmpty { throw SchemaError(.keyFile, "the trusted keys file \(path) has no keys") }
        return keys
    }
}

/// How `apply` waits for locks (``LockPolicy``); each option also reads an environment variable,
/// so a start script or orchestrator can tune it without a new image.
struct LockOptions: ParsableArguments {
    @Option(name: .customLong("lock-timeout"),
            help: ArgumentHelp("Longest wait for a table lock, per try, in milliseconds (default: $SCHEMA_LOCK_TIMEOUT_MS, else 200).", valueName: "ms"))
    var lockTimeout: Int?
    @Option(name: .customLong("lock-retries"),
            help: ArgumentHelp("Tries after a lock wait timed out, with growing pauses (default: $SCHEMA_LOCK_RETRIES, else 12).", valueName: "n"))
    var lockRetries: Int?
    @Option(name: .customLong("online-timeout"),
            help: ArgumentHelp("Longest wait of an online step (concurrent index build, validation) for its lock and older transactions, in seconds (default: $SCHEMA_ONLINE_TIMEOUT_S, else 300).", valueName: "s"))
    var onlineTimeout: Int?
    @Option(name: .customLong("registry-wait"),
            help: ArgumentHelp("Longest wait for another process's registry lock, in seconds (default: $SCHEMA_REGISTRY_WAIT_S, else 600).", valueName: "s"))
    var registryWait: Int?

    /// The policy from the options, then the environment, then the defaults.
    func policy() throws -> LockPolicy {
        let environment = ProcessInfo.processInfo.environment
        func value(_ option: Int?, _ variable: String, _ name: String, minimum: Int) throws -> Int? {
            guard let value = try option ?? environment[variable].map({ text in
                guard let number = Int(text) else { throw SchemaError(.usage, "\(variable)=\(text) is not a whole number") }
                return number
            }) else { return nil }
            guard value >= minimum else { throw SchemaError(.usage, "\(name) must be at least \(minimum)") }
            return value
        }
        var policy = LockPolicy.standard
        if let ms = try value(lockTimeout, "SCHEMA_LOCK_TIMEOUT_MS", "--lock-timeout", minimum: 1) { policy.statementTimeout = .milliseconds(ms) }
        if let count = try value(lockRetries, "SCHEMA_LOCK_RETRIES", "--lock-retries", minimum: 0) { policy.retries = count }
        if let seconds = try value(onlineTimeout, "SCHEMA_ONLINE_TIMEOUT_S", "--online-timeout", minimum: 1) { policy.onlineTimeout = .seconds(seconds) }
        if let seconds = try value(registryWait, "SCHEMA_REGISTRY_WAIT_S", "--registry-wait", minimum: 1) { policy.registryWait = .seconds(seconds) }
        return policy
    }
}
