import ArgumentParser
import SchemaCore
import SchemaRegistry

/// `schema list`: the queue.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List queued changes (pending by default).")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Flag(name: .shortAndLong, help: "Show operations, risks, SQL and the Prisma preview of each item.") var verbose = false
    @Option(help: "Only items in this state: pending, approved, applied, rejected, superseded, failed or all.") var state: String = "pending"

    func validate() throws {
        guard state == "all" || QueueItem.State(rawValue: state) != nil else {
            throw ValidationError("--state must be one of pending, approved, applied, rejected, superseded, failed, all")
        }
    }

    func run() async throws {
        let console = Console.current
        try runReportingErrors {
            let states: Set<QueueItem.State>? = state == "all" ? nil : QueueItem.State(rawValue: state).map { [$0] }
            let context = options.renderContext()
            let (items, applied, impacts) = try registry.withRegistry(root: options.rootURL, readOnly: true) { registry in
                let items = try registry.items(in: states)
                let impacts = verbose ? try registry.impact(of: items.filter { $0.state == .pending || $0.state == .approved }, context: context) : [:]
                return (items, try registry.appliedEntities(), impacts)
            }
            let base = context.host
            func prisma(_ item: QueueItem) -> String? {
                item.structure.map { PrismaArtifacts.model($0, among: applied.map(\.structure), host: base) }
            }
            if options.json {
                console.out(JSONOutput.encode(items.map { ItemJSON($0, verbose: verbose, prisma: prisma($0), impact: impacts[$0.id]) }))
                return
            }
            if items.isEmpty { console.out("no \(state == "all" ? "" : state + " ")items") }
            for item in items {
                console.out((state == "all" ? "\(item.state.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) " : "") + ItemFormat.line(item, console: console))
                guard verbose else { continue }
                for operation in item.operations { console.out("    - \(TerminalText.escape(operation))") }
                for risk in item.risks { console.out("    ! \(TerminalText.escape(risk.description))") }
                // A change with nothing to ask of the rows (a new table on SQLite) has no impact to show.
                if let impact = impacts[item.id], !impact.lines.isEmpty {
                    console.out("    Impact on the database now:")
                    for line in impact.lines { console.out("      \(TerminalText.escape(line))") }
                }
                console.out("    SQL (\(item.dialect.rawValue), sha256 \(Checksum.short(item.sqlHash))):")
                for line in item.sql.split(separator: "\n") { console.out("      \(TerminalText.escape(String(line)))") }
                if let instead = impacts[item.id]?.runsInstead {
                    console.out("    SQL a start runs instead of the above's start part, for this database's shape (see the impact):")
                    for line in instead.flatMap({ $0.split(separator: "\n") }) { console.out("      \(TerminalText.escape(String(line)))") }
                }
                if let model = prisma(item) {
                    console.out("    Prisma:")
                    for line in model.split(separator: "\n") { console.out("      \(line)") }
                }
            }
        }
    }
}
