import ArgumentParser
import SchemaCore
import SchemaRegistry

/// `schema status`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Counts per state, registered entities, and whether a restart is needed.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    func run() async throws {
        let console = Console.current
        try runReportingErrors {
            let (status, location) = try registry.withRegistry(root: options.rootURL, readOnly: true) { (try $0.status(), $1) }
            if options.json {
                struct Output: Encodable {
                    var database: String; var counts: [String: Int]; var entities: [String]; var admins: [String]; var restartNeeded: Bool
                    var rollingOut: [String]; var rolloutsBegun: [String: String]
                }
                console.out(JSONOutput.encode(Output(database: location.description, counts: Dictionary(uniqueKeysWithValues: status.counts.map { ($0.key.rawValue, $0.value) }),
                                                     entities: status.entities, admins: status.admins, restartNeeded: status.restartNeeded,
                                                     rollingOut: status.rollouts.map(\.entity), rolloutsBegun: status.begun.mapValues(\.rawValue))))
                return
            }
            console.out("database: \(location)")
            console.out("queue: " + QueueItem.State.allCases.map { "\(status.counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", "))
            console.out(status.entities.isEmpty ? "applied entities: none yet"
                        : "applied entities (\(status.entities.count)): \(TerminalText.escape(status.entities.joined(separator: ", ")))")
            console.out("admins: \(status.admins.isEmpty ? "none (create one with `schema admin add NAME`)" : TerminalText.escape(status.admins.joined(separator: ", ")))")
            for rollout in status.rollouts {
                let by = rollout.expandedBy.map { ", expanded by \(TerminalText.escape($0, limit: 64))" } ?? ""
                if let end = status.begun[rollout.entity] {
                    console.out("rolling out: \(TerminalText.escape(rollout.entity)) (\(rollout.itemId)\(by)): `schema \(end.rawValue)` began and did not finish; "
                        + "run `schema \(end.rawValue) \(TerminalText.escape(rollout.entity)) --as ADMIN` again to finish it")
                    continue
                }
                console.out("rolling out: \(TerminalText.escape(rollout.entity)) (\(rollout.itemId)\(by)): the old version keeps working; "
                    + "`schema complete \(TerminalText.escape(rollout.entity)) --as ADMIN` once it no longer runs, or `schema rollback`")
            }
            let approved = status.counts[.approved] ?? 0
            console.out(status.restartNeeded
                        ? "apply needed: \(approved) approved change(s) wait; run `schema apply` (a container start runs it) to apply them"
                        : "nothing to apply")
        }
    }
}

/// `schema audit`.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Show the audit log (append-only).")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Option(help: "Show the last N entries.") var limit: Int = 50

    func run() async throws {
        try runReportingErrors {
            let entries = try registry.withRegistry(root: options.rootURL, readOnly: true) { try $0.audit(limit: limit) }
            if options.json {
                Console.current.out(JSONOutput.encode(entries))
                return
            }
            for entry in entries {
                var line = "\(entry.at)  \(entry.principal)  \(entry.action)"
                if let entity = entry.entity { line += "  \(entity)" }
                if let item = entry.itemId { line += " [\(item)]" }
                if let detail = entry.detail { line += "  \(detail)" }
                Console.current.out(TerminalText.escape(line))
            }
        }
    }
}
