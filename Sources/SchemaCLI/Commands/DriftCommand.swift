import ArgumentParser
import SchemaCore
import SchemaRegistry

/// `schema drift`: the live database against the registry's snapshots.
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Compare every applied package table with its registry snapshot; exit 1 on drift.",
        discussion: """
            Reads the live tables (columns, types, nullability, defaults, primary keys, indexes, foreign keys \
            and their actions, check constraints) and reports what differs from what schema applied. \
            `apply` refuses approved changes to a drifted table until it is repaired or accepted: \
            --queue queues a repair (the change back to the snapshot) for review, --accept records the \
            live shape as the snapshot (admins only, audited).
            """)

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Argument(help: "Only these entities (default: every applied one).") var entities: [String] = []
    @Flag(help: "Queue a repair item per drifted table, for review and approval.") var queue = false
    @Flag(help: "Record the live shape of the named entities as their snapshots (needs --as and entity names).") var accept = false
    @Option(name: .customLong("as"), help: "The principal: the admin accepting, or who queues repairs (default: drift).") var principal: String?
    @Option(name: .customLong("sign-with"),
            help: ArgumentHelp("With --accept: attest the accepted snapshots with this private key (needed when trusted keys are configured).", valueName: "keyfile"))
    var signWith: String?
    @OptionGroup var trust: TrustOptions

    func validate() throws {
        if queue && accept { throw ValidationError("--queue and --accept exclude each other") }
        if accept && (principal == nil || entities.isEmpty) { throw ValidationError("--accept needs the entities to accept and --as ADMIN") }
        if signWith != nil && !accept { throw ValidationError("--sign-with goes with --accept") }
    }

    func run() async throws {
        let console = Console.current
        try runReportingErrors {
            try options.requireWorkspace()
            let workspace = options.loadWorkspace()
            let host = workspace.baseSchema
            let only = entities.isEmpty ? nil : entities
            try registry.withRegistry(root: options.rootURL, readOnly: !queue && !accept) { registry in
                if accept {
                    let key = try signWith.map(SigningKey.init(contentsOfFile:))
                    // Where starts trust only signed snapshots, an accepted shape must be signed by
                    // one of their keys: typing an admin's name is not enough.
                    if let trusted = try trust.trustedKeys() {
                        guard let key, trusted.contains(where: { $0.encoded == TrustedKey(name: key.name, publicKey: key.privateKey.publicKey).encoded }) else {
                            throw SchemaError(.notSigned, "trusted keys are configured: accept drift with --sign-with KEYFILE, a key the trusted keys file lists")
                        }
                    }
                    let result = try registry.acceptDrift(entities, as: principal ?? "", host: host, signingKey: key)
                    for name in result.accepted { console.out("accepted the live shape of \(TerminalText.escape(name)) as its snapshot; run `schema scan` to plan towards the package files") }
                    for refusal in result.refused { console.err(console.paint("refused", .red) + " \(RefusalJSON(refusal).line)") }
                    if result.accepted.isEmpty && result.refused.isEmpty { console.out("no drift to accept") }
                    if !result.refused.isEmpty { throw ExitCode(ExitStatus.failure) }
                    return
                }
                let report = try registry.drift(host: host, identity: workspace.configuration.identity, entities: only)
                if queue {
                    let result = try registry.queueRepairs(host: host, identity: workspace.configuration.identity, entities: only, principal: principal ?? "drift")
                    try printQueued(result, json: options.json, console: console)
                    return
                }
                try printReport(report, json: options.json, console: console)
            }
        }
    }

    func printReport(_ report: DriftReport, json: Bool, console: Console) throws {
        if json {
            struct Output: Encodable {
                struct Table: Encodable { var table: String; var differences: [Difference] }
                struct Difference: Encodable { var kind: String; var object: String; var expected: String?; var live: String?; var description: String }
                var checked: [String]; var drifted: [Table]; var inProgress: [String]; var policies: [Table]
            }
            func tables(_ tables: [DriftReport.Table]) -> [Output.Table] {
                tables.map { table in
                    Output.Table(table: table.entity, differences: table.differences.map {
                        Output.Difference(kind: $0.kind.rawValue, object: $0.object, expected: $0.expected, live: $0.live, description: $0.description)
                    })
                }
            }
            console.out(JSONOutput.encode(Output(checked: report.checked, drifted: tables(report.drifted), inProgress: report.inProgress,
                                                 policies: tables(report.policies))))
        } else {
            if !report.inProgress.isEmpty {
                console.out("not checked (an apply has begun; the next start finishes it): \(report.inProgress.map { TerminalText.escape($0) }.joined(separator: ", "))")
            }
            if !report.hasDrift {
                console.out("no drift: \(report.checked.count) table(s) match the registry")
            } else if !report.drifted.isEmpty {
                console.out("drift in \(report.drifted.count) of \(report.checked.count) table(s) (the registry's snapshot against the database):\n")
                for table in report.drifted {
                    console.out(console.paint("[*] Changed the `\(TerminalText.escape(table.entity))` table", .bold))
                    for difference in table.differences { console.out("  " + TerminalText.escape(difference.description)) }
                    console.out("")
                }
                console.out("`schema apply` refuses changes to these tables until they are repaired (`schema drift --queue`, then approve)"
                    + " or the live shape is accepted (`schema drift --accept ENTITY --as ADMIN`).")
            }
            if !report.policies.isEmpty {
                console.out("\(report.drifted.isEmpty ? "" : "\n")row-level security differs from what the ACL makes on \(report.policies.count) table(s):\n")
                for table in report.policies {
                    console.out(console.paint("[*] The `\(TerminalText.escape(table.entity))` table's policies", .bold))
                    for difference in table.differences { console.out("  " + TerminalText.escape(difference.description)) }
                    console.out("")
                }
                console.out("A start installs them after a change, or now with `schema apply --rls`; `--no-rls` starts leave them as they are.")
            }
        }
        if report.hasDrift { throw ExitCode(ExitStatus.failure) }
    }

    func printQueued(_ result: RepairResult, json: Bool, console: Console) throws {
        if json {
            struct Output: Encodable { var queued: [ItemJSON]; var unchanged: [ItemJSON]; var refused: [RefusalJSON] }
            console.out(JSONOutput.encode(Output(queued: result.queued.map { ItemJSON($0, verbose: true) }, unchanged: result.unchanged.map { ItemJSON($0) },
                                                 refused: result.refused.map(RefusalJSON.init))))
        } else {
            for item in result.queued { console.out("queued repair \(ItemFormat.line(item, console: console))") }
            for item in result.unchanged { console.out("already queued \(ItemFormat.line(item, console: console))") }
            for refusal in result.refused { console.err(console.paint("cannot repair", .red) + " \(RefusalJSON(refusal).line)") }
            if result.queued.isEmpty && result.unchanged.isEmpty && result.refused.isEmpty { console.out("no drift to repair") }
            if !result.queued.isEmpty { console.out("review with `schema list --verbose`, approve, and restart (or run `schema apply`)") }
        }
        if !result.refused.isEmpty { throw ExitCode(ExitStatus.failure) }
    }
}
