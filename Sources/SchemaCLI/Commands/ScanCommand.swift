import ArgumentParser
import SchemaCore
import SchemaRegistry

/// `schema scan`: validate, then queue one item per changed entity.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Validate all packages and queue their schema changes for approval.",
        discussion: "Validation errors queue nothing. Scanning twice queues nothing new.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Option(name: .customLong("as"), help: "Principal recorded in the audit log.") var principal: String = "scanner"

    func run() async throws {
        let console = Console.current
        try runReportingErrors(root: options.rootURL) {
            // Refused before the database is opened: broken files create no database either.
            let desired = try options.validDesiredState(refusal: "nothing was queued: the package files have errors")
            _ = try registry.checkedLocation(options)
            let result = try registry.withRegistry(root: options.rootURL, creating: true) { registry, location in
                options.warnOnProviderMismatch(registry.database.dialect)
                // A new registry is worth a line: after a mistyped URL it is the only sign that
                // everything was queued again somewhere else.
                if try !registry.exists() { console.err("note: no registry in \(location) yet; creating one") }
                return try registry.scan(desired, principal: principal)
            }
            if options.json {
                console.out(JSONOutput.encode(ScanJSON(result)))
                return
            }
            for item in result.queued { console.out("queued     \(ItemFormat.line(item, console: console))") }
            for item in result.requeued { console.out("requeued   \(ItemFormat.line(item, console: console))") }
            for item in result.superseded { console.out("superseded \(ItemFormat.line(item, console: console))") }
            for item in result.previouslyRejected { console.out("rejected   \(ItemFormat.line(item, console: console)) (rejected earlier; change the files, or `schema reopen \(item.id) --as ADMIN`, to queue it again)") }
            console.out("\(result.queued.count + result.requeued.count) queued, \(result.unchanged.count) already queued, \(result.superseded.count) superseded")
        }
    }
}

struct ScanJSON: Encodable {
    var queued: [ItemJSON]
    var requeued: [ItemJSON]
    var unchanged: [ItemJSON]
    var superseded: [ItemJSON]
    var rejected: [ItemJSON]
    init(_ result: ScanResult) {
        queued = result.queued.map { ItemJSON($0) }
        requeued = result.requeued.map { ItemJSON($0) }
        unchanged = result.unchanged.map { ItemJSON($0) }
        superseded = result.superseded.map { ItemJSON($0) }
        rejected = result.previouslyRejected.map { ItemJSON($0) }
    }
}

/// A queue item in `--json` output.
struct ItemJSON: Encodable {
    var id: String
    var entity: String
    var action: String
    var packages: [String]
    var fromChecksum: String?
    var toChecksum: String?
    var destructive: Bool
    var risks: [String]
    var operations: [String]
    var state: String
    var error: String?
    var rewritesTable: Bool
    /// For an approved item an apply has begun: 1 + the online steps done.
    var progress: Int?
    var sql: String?
    var prisma: String?
    /// What the change does to the rows of the database (verbose, pending and approved items).
    var impact: ChangeImpact?

    init(_ item: QueueItem, verbose: Bool = false, prisma: String? = nil, impact: ChangeImpact? = nil) {
        id = item.id
        entity = item.entity
        action = item.action.rawValue
        packages = item.packages
        fromChecksum = item.fromChecksum
        toChecksum = item.toChecksum
        destructive = item.isDestructive
        risks = item.risks.map(\.description)
        operations = item.operations
        state = item.state.rawValue
        error = item.error
        sql = verbose ? item.sql : nil
        self.prisma = verbose ? prisma : nil
        rewritesTable = item.rewritesTable
        progress = item.progress > 0 && item.state == .approved ? item.progress : nil
        self.impact = verbose ? impact : nil
    }
}

enum ItemFormat {
    /// One line per item. Everything read from the registry is escaped for the terminal: a package
    /// name or entity with escape sequences could otherwise hide the DESTRUCTIVE marker.
    static func line(_ item: QueueItem, console: Console) -> String {
        let safe = { (text: String) in TerminalText.escape(text, limit: 200) }
        var text = "\(safe(item.id))  \(item.action.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(safe(item.entity)) "
            + "(\(safe(item.packages.joined(separator: ", ")))) \(safe(Checksum.short(item.fromChecksum))) → \(safe(Checksum.short(item.toChecksum)))"
        if item.isDestructive { text += " " + console.paint("DESTRUCTIVE", .red) }
        if item.rewritesTable { text += " " + console.paint("REWRITES TABLE", .yellow) }
        if item.isRolledOut { text += " " + console.paint("ROLLED OUT", .yellow) }
        if item.state == .approved && item.progress > 0 {
            text += " — in progress: \(item.progress - 1) of \(item.onlineStepCount) online step(s) done, the next start finishes it"
        }
        if let error = item.error, item.state == .approved { text += " — \(safe(error))" }
        if let error = item.error, item.state == .failed || item.state == .rejected { text += " — \(safe(error))" }
        return text
    }
}
