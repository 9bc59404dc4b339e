import ArgumentParser
import Foundation
import SchemaCore
import SchemaRegistry

/// What approve, reject and reopen decide about, and who decides: `all|ID... --as NAME`.
///
/// `SCHEMA_ADMIN` stands in for `--as`, so `npm run schema:approve all` works as the
/// specification writes it (npm would take a `--as` after the script name for its own option).
struct DecisionTarget: ParsableArguments {
    @Argument(help: "'all', or item ids from `schema list`.") var ids: [String]
    @Option(name: .customLong("as"), help: "The admin deciding, recorded in the audit log (default: $SCHEMA_ADMIN).") var named: String?

    var selection: Registry.Selection { ids == ["all"] ? .all : .ids(ids) }

    /// The admin deciding: `--as`, else `SCHEMA_ADMIN` (``validate()`` makes sure there is one).
    var principal: String { named ?? ProcessInfo.processInfo.environment["SCHEMA_ADMIN"] ?? "" }

    func validate() throws {
        if ids.isEmpty { throw ValidationError("name the items, or 'all'") }
        if principal.isEmpty { throw ValidationError("name the admin deciding with --as NAME (or set SCHEMA_ADMIN)") }
    }
}

/// `schema approve all|ID... --as NAME [--allow-data-loss] [--allow-rewrite]`.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve pending changes (admins only); they are applied at the next container start.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var target: DecisionTarget
    @Flag(name: .customLong("allow-data-loss"), help: "Acknowledge destructive changes (dropped tables or columns, narrowed types).")
    var allowDataLoss = false
    @Flag(name: .customLong("allow-rewrite"),
          help: "Acknowledge changes that rewrite a table while its reads and writes wait (PostgreSQL type changes; `list --verbose` shows the row count).")
    var allowRewrite = false
    @Option(name: .customLong("sign-with"), help: ArgumentHelp("Sign the approval with this private key (from `schema keys generate`).", valueName: "keyfile"))
    var signWith: String?

    func run() async throws {
        try runReportingErrors {
            let key = try signWith.map(SigningKey.init(contentsOfFile:))
            let result = try registry.withRegistry(root: options.rootURL) {
                try $0.approve(target.selection, as: target.principal, allowDataLoss: allowDataLoss, allowRewrite: allowRewrite, signingKey: key,
                               context: options.renderContext())
            }
            try report(result, verb: "approved", json: options.json)
        }
    }
}

/// `schema reject ID... --as NAME [--reason TEXT]`.
struct RejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reject", abstract: "Reject pending changes (admins only).")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var target: DecisionTarget
    @Option(help: "Why; recorded in the audit log.") var reason: String?

    func run() async throws {
        try runReportingErrors {
            let result = try registry.withRegistry(root: options.rootURL) { try $0.reject(target.selection, as: target.principal, reason: reason) }
            try report(result, verb: "rejected", json: options.json)
        }
    }
}

/// `schema reopen ID... --as NAME [--reason TEXT]`.
struct ReopenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen",
        abstract: "Take back rejections (admins only); the next scan queues those changes again if the files still want them.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var target: DecisionTarget
    @Option(help: "Why; recorded in the audit log.") var reason: String?

    func run() async throws {
        try runReportingErrors {
            let result = try registry.withRegistry(root: options.rootURL) { try $0.reopen(target.selection, as: target.principal, reason: reason) }
            try report(result, verb: "reopened", json: options.json, nothingMessage: "nothing rejected")
            if !result.accepted.isEmpty && !options.json { Console.current.out("run `schema scan` to queue them again") }
        }
    }
}

/// Prints a decision's outcome; any refusal makes the exit code 1.
func report(_ result: DecisionResult, verb: String, json: Bool, nothingMessage: String = "nothing pending") throws {
    let console = Console.current
    if json {
        struct Output: Encodable { var accepted: [ItemJSON]; var refused: [RefusalJSON]; var blocked: [RefusalJSON] }
        console.out(JSONOutput.encode(Output(accepted: result.accepted.map { ItemJSON($0) }, refused: result.refused.map(RefusalJSON.init),
                                             blocked: result.blocked.map(RefusalJSON.init))))
    } else {
        for item in result.accepted { console.out("\(verb) \(ItemFormat.line(item, console: console))") }
        for refusal in result.refused {
            let advice = switch refusal.code {
            case .dataLossNotAcknowledged: " (approve with --allow-data-loss)"
            case .rewriteNotAcknowledged: " (approve with --allow-rewrite)"
            default: ""
            }
            console.err(console.paint("refused", .red) + " \(RefusalJSON(refusal).line)\(advice)")
        }
        for blocked in result.blocked {
            console.err(console.paint("warning", .yellow) + ": the next start will refuse \(RefusalJSON(blocked).line)")
        }
        if result.accepted.isEmpty && result.refused.isEmpty { console.out(nothingMessage) }
    }
    if !result.refused.isEmpty { throw ExitCode(ExitStatus.failure) }
}
