import ArgumentParser
import SchemaCore
import SchemaRegistry

/// `schema plan`: the SQL `apply` would run now.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Print the SQL `apply` would run now, without running it.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var trust: TrustOptions
    @OptionGroup var rowLevelSecurity: RowLevelSecurityOptions

    func run() async throws {
        let console = Console.current
        try runReportingErrors(root: options.rootURL) {
            try options.requireWorkspace()
            _ = try registry.checkedLocation(options)
            let trustedKeys = try trust.trustedKeys()
            let (plan, impacts) = try registry.withRegistry(root: options.rootURL, readOnly: true) { registry in
                let desired = options.desiredState()
                let plan = try ApplyEngine(registry: registry, desiredState: { desired })
                    .plan(trustedKeys: trustedKeys, rowLevelSecurity: try rowLevelSecurity.mode(for: registry.database.dialect))
                return (plan, try registry.impact(of: plan.items, context: desired.renderContext))
            }
            if options.json {
                struct Output: Encodable { var items: [ItemJSON]; var refused: [RefusalJSON]; var sql: String }
                console.out(JSONOutput.encode(Output(items: plan.items.map { ItemJSON($0, verbose: true, impact: impacts[$0.id]) },
                                                     refused: plan.refused.map(RefusalJSON.init), sql: plan.statements.script)))
                return
            }
            for refusal in plan.refused { console.err("would refuse \(RefusalJSON(refusal).line)") }
            if plan.items.isEmpty && plan.rowLevelSecurityInstalls.isEmpty {
                console.out("-- nothing to apply")
                return
            }
            console.out("-- \(plan.items.count) approved change(s):")
            let resuming = Set(plan.resuming.map(\.id))
            for item in plan.items {
                let state = resuming.contains(item.id) ? " (begun by an earlier start: its \(item.onlineStepCount) online step(s) run again, each skipped when the catalog shows it done)" : ""
                console.out("--   \(TerminalText.escape("\(item.id) \(item.action.rawValue) \(item.entity)"))\(state)")
                for line in impacts[item.id]?.lines ?? [] { console.out("--     \(TerminalText.escape(line))") }
            }
            // In the order a start runs them, with a heading wherever the kind of step changes.
            func heading(_ statement: SQLStatement) -> String {
                switch statement.stage {
                case .transaction: return "in one transaction, each lock waited for at most the lock timeout"
                case .online: return "online steps, each on its own (a killed start runs them again; each is skipped when the catalog shows it done)"
                case .finish: return "the item's last transaction"
                }
            }
            if !plan.rowLevelSecurityInstalls.isEmpty {
                console.out("-- row-level security to install on \(plan.rowLevelSecurityInstalls.count) applied table(s) that lack what their ACL makes: "
                    + TerminalText.escape(plan.rowLevelSecurityInstalls.joined(separator: ", ")))
            }
            var current: String?
            let changes = plan.statements.dropLast(plan.rowLevelSecurityInstallStatements.count)
            for (offset, statement) in plan.statements.enumerated() {
                let title = offset < changes.count ? heading(statement) : "row-level security of applied tables, in one transaction after the changes"
                if title != current { console.out("-- \(title):") }
                current = title
                console.out(statement.sql + ";")
            }
            if !plan.skippedRowLevelSecurity.isEmpty {
                console.out("-- row-level security, skipped by a start in this mode (`--rls` plans every table's, `--no-rls` none):")
                console.out(plan.skippedRowLevelSecurity.script)
            }
            // What the same approval lets `schema complete` and `schema rollback` run later.
            for item in plan.items where item.isRolledOut {
                for part in [SQLStatement.Part.contract, .rollback] {
                    console.out("-- \(TerminalText.escape(item.entity)): \(RolloutText.heading(part)):")
                    console.out(item.statements(of: part).script)
                }
            }
        }
    }
}
