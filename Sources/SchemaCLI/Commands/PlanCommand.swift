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
        try runReportingErrors {
            let trustedKeys = try trust.trustedKeys()
            let plan = try registry.withRegistry(root: options.rootURL) { registry in
                try ApplyEngine(registry: registry, desiredState: { options.desiredState() }).plan(trustedKeys: trustedKeys)
            }
            if options.json {
                struct Output: Encodable { var items: [ItemJSON]; var refused: [RefusalJSON]; var sql: String }
                console.out(JSONOutput.encode(Output(items: plan.items.map { ItemJSON($0) }, refused: plan.refused.map(RefusalJSON.init),
                                                     sql: plan.statements.script)))
                return
            }
            for refusal in plan.refused { console.err("would refuse \(RefusalJSON(refusal).line)") }
            if plan.items.isEmpty {
                console.out("-- nothing to apply")
                return
            }
            console.out("-- \(plan.items.count) approved change(s):")
            for item in plan.items { console.out("--   \(item.id) \(item.action.rawValue) \(item.entity)") }
            let main = plan.statements.filter { $0.phase != .rowLevelSecurity }
            let policies = plan.statements.filter { $0.phase == .rowLevelSecurity }
            console.out(main.script)
            if !policies.isEmpty {
                console.out("-- row-level security (run by `schema apply --rls`):")
                console.out(policies.script)
            }
        }
    }
}
