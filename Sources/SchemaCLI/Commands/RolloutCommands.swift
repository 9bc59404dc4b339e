import ArgumentParser
import Foundation
import SchemaCore
import SchemaRegistry

/// What `schema complete` and `schema rollback` share: which rollouts, who, and how they run.
struct RolloutArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("The entities whose rollout ends.", valueName: "entity")) var entities: [String] = []
    @Flag(name: .customLong("all"), help: "Every open rollout.") var all = false
    @Option(name: .customLong("as"), help: "The admin ending the rollout (recorded in the audit log).") var principal: String
    @Flag(name: .customLong("no-generate"), help: "Do not rewrite the Prisma fragment.") var noGenerate = false

    func chosen() throws -> [String] {
        if all && !entities.isEmpty { throw SchemaError(.usage, "name entities or pass --all, not both") }
        if !all && entities.isEmpty { throw SchemaError(.usage, "name the entities whose rollout ends, or pass --all (`schema status` lists the open rollouts)") }
        return entities
    }
}

/// Runs `end` for the command's arguments and reports it.
func runRolloutEnd(_ end: RolloutEnd, _ arguments: RolloutArguments, options: GlobalOptions, registryOptions: RegistryOptions,
                   trust: TrustOptions, locks: LockOptions, rowLevelSecurity: RowLevelSecurityOptions, whenQuiet: String? = nil) throws {
    let console = Console.current
    try runReportingErrors(root: options.rootURL) {
        try options.requireWorkspace()
        _ = try registryOptions.checkedLocation(options)
        let entities = try arguments.chosen()
        let rule = try whenQuiet.map(QuietRule.init(parsing:))
        let outcome = try registryOptions.withRegistry(root: options.rootURL) { registry -> (RolloutOutcome, FragmentFile.Written?) in
            let request = ApplyRequest(principal: arguments.principal, trustedKeys: try trust.trustedKeys(),
                                       rowLevelSecurity: try rowLevelSecurity.mode(for: registry.database.dialect),
                                       lockPolicy: try locks.policy(), log: options.json ? nil : ApplyCommand.logProgress)
            let engine = ApplyEngine(registry: registry, desiredState: { options.desiredState() }, renderContext: { options.renderContext() })
            let outcome = try engine.finishRollouts(end, entities: entities, request, whenQuiet: rule)
            // After a rollback the applied structure is the old one again: the fragment follows.
            let fragment = arguments.noGenerate ? nil
                : try FragmentFile.inWorkspace(root: options.rootURL, base: options.baseURL, merged: nil).refresh(from: registry, trustedKeys: request.trustedKeys)
            return (outcome, fragment)
        }
        if options.json {
            struct Output: Encodable { var finished: [String]; var statements: Int; var prismaFragmentWritten: Bool; var waiting: [String] }
            console.out(JSONOutput.encode(Output(finished: outcome.0.finished.map(\.entity), statements: outcome.0.statements.count,
                                                 prismaFragmentWritten: outcome.1 != nil, waiting: outcome.0.waiting)))
            return
        }
        for rollout in outcome.0.finished {
            console.out("\(end == .complete ? "completed" : "rolled back") \(TerminalText.escape(rollout.entity)) (\(rollout.itemId))")
        }
        console.out("\(outcome.0.statements.count) statement(s) ran")
        for line in outcome.0.waiting { console.out("waiting: " + line) }
        if let written = outcome.1 { console.out("wrote \(written.url.path) (\(written.models) models)") }
    }
}

/// `schema complete`: the contract of rolled-out changes.
struct CompleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "complete",
        abstract: "End a rollout: run the contract of a change (drop old columns, add NOT NULL and tighter checks) once no old application version runs.",
        discussion: """
            A change the running application version does not tolerate (a dropped field, a field made required, \
            tighter checks, a new unique index, a dropped table) is applied at the start only up to its expand, \
            which both versions work with. Run this when the rollout is over (no container of the old version \
            runs). Admins only; what runs was approved with the change. Exactly once, and resumable: run it again \
            after a crash. Refuses, changing nothing, when no rollout is open or rows would make it fail.

            With --when-quiet WINDOW it decides itself (PostgreSQL): a rollout completes once no session of \
            another application version than the one whose start expanded it (`apply --application-name`, \
            matched against `application_name` in pg_stat_activity) has been seen for WINDOW, over repeated \
            runs (a cron job or a loop); until then it exits 75 and says what it waits for.
            """)

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var arguments: RolloutArguments
    @OptionGroup var trust: TrustOptions
    @OptionGroup var locks: LockOptions
    @OptionGroup var rowLevelSecurity: RowLevelSecurityOptions
    @Option(name: .customLong("when-quiet"), help: ArgumentHelp("Complete only once no session of an older application version was seen for this long (90s, 10m, 2h).", valueName: "window"))
    var whenQuiet: String?

    func run() async throws {
        try runRolloutEnd(.complete, arguments, options: options, registryOptions: registry, trust: trust, locks: locks, rowLevelSecurity: rowLevelSecurity,
                          whenQuiet: whenQuiet)
    }
}

/// `schema rollback`: undo the expand of rolled-out changes.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "End a rollout the other way: take the table back to the old version's, keeping every row.",
        discussion: """
            Undoes the expand of a change whose contract has not run: new columns are dropped, dropped \
            columns and relaxed constraints come back, and the applied structure is the old one again (the \
            next `schema scan` queues the change anew). Admins only; what runs was approved with the change. \
            Refuses, changing nothing, when rows written since need a value the old version requires.
            """)

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var arguments: RolloutArguments
    @OptionGroup var trust: TrustOptions
    @OptionGroup var locks: LockOptions
    @OptionGroup var rowLevelSecurity: RowLevelSecurityOptions

    func run() async throws {
        try runRolloutEnd(.rollback, arguments, options: options, registryOptions: registry, trust: trust, locks: locks, rowLevelSecurity: rowLevelSecurity)
    }
}
