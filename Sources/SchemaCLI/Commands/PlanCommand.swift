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

    func run() async throws {
        let console = Console.current
        try runReportingErrors(root: options.rootURL) {
            try options.requireWorkspace()
            let trustedKeys = try trust.trustedKeys()
            let (plan, impacts) = try registry.withRegistry(root: options.rootURL, readOnly: true) { registry in
                let plan = try ApplyEngine(registry: registry, desiredState: { options.desiredState() }).plan(trustedKeys: trustedKeys)
                return (plan, try registry.impact(of: plan.items))
            }
            if options.json {
                struct Output: Encodable { var items: [ItemJSON]; var refused: [RefusalJSON]; var sql: String }
                console.out(JSONOutput.encode(Output(items: plan.items.map { ItemJSON($0, verbose: true, impact: impacts[$0.id]) },
                                                     refused: plan.refused.map(RefusalJSON.init), sql: plan.statements.script)))
                return
            }
            for refusal in plan.refused { console.err("would refuse \(RefusalJSON(refusal).line)") }
            if plan.items.isEmpty {
                console.out("-- nothing to apply")
                return
            }
            console.out("-- \(plan.items.count) approved change(s):")
            let resuming = Set(plan.resuming.map(\.id))
            for item in plan.items {
                let state = resuming.contains(item.id) ? " (begun by an earlier start: resumes after step \(item.progress - 1) of \(item.onlineStepCount))" : ""
                console.out("--   \(TerminalText.escape("\(item.id) \(item.action.rawValue) \(item.entity)"))\(state)")
                for line in impacts[item.id]?.lines ?? [] { console.out("--     \(TerminalText.escape(line))") }
            }
            let sections: [(String, (SQLStatement) -> Bool)] = [
                ("in one transaction, each lock waited for at most the lock timeout", { $0.stage == .transaction && $0.phase != .rowLevelSecurity }),
                ("online steps, each on its own and recorded when done (a killed start resumes here)", { $0.stage == .online }),
                ("each item's last transaction", { $0.stage == .finish }),
                ("row-level security (run by `schema apply --rls`)", { $0.phase == .rowLevelSecurity }),
            ]
            for (index, (title, belongs)) in sections.enumerated() {
                let statements = plan.statements.filter(belongs)
                guard !statements.isEmpty else { continue }
                if index > 0 || plan.statements.contains(where: { $0.stage != .transaction }) { console.out("-- \(title):") }
                console.out(statements.script)
            }
        }
    }
}
