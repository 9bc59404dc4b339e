public import ArgumentParser
import Foundation
import SchemaCore
import SchemaRegistry

/// The `schema` command: package schema validation, review and migration.
public struct SchemaCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Validate, review and apply the database schemas of plug-in packages.",
        discussion: """
            Packages declare entities in packages/<name>/seed/schema/entities.yaml. Exit codes: \
            0 fine, 1 problems found or operation failed, 2 usage error, 3 applied but the --after \
            command failed, 75 try again (a lock or the connection was lost; nothing half-done). \
            Reference: README.md and docs/.
            """,
        version: SchemaCommand.version,
        groupedSubcommands: [
            CommandGroup(name: "Package files", subcommands: [
                ValidateCommand.self, PreviewCommand.self, ChecksumCommand.self, DiagramCommand.self, JSONSchemaCommand.self, ImportPrismaCommand.self,
            ]),
            CommandGroup(name: "Review", subcommands: [
                ScanCommand.self, ListCommand.self, ApproveCommand.self, RejectCommand.self, ReopenCommand.self, ServeCommand.self, AuditCommand.self,
            ]),
            CommandGroup(name: "Container start and the database", subcommands: [
                StatusCommand.self, PlanCommand.self, ApplyCommand.self, CompleteCommand.self, RollbackCommand.self, DriftCommand.self, GenerateCommand.self, RLSCommand.self,
            ]),
            CommandGroup(name: "Administration", subcommands: [AdminCommand.self, KeysCommand.self, RegistryCommand.self]),
        ]
    )

    /// The tool's version, printed by `schema --version` with the registry format it writes.
    public static let version = "0.9.0 (registry format \(Registry.currentVersion))"

    public init() {}

    /// The subcommand names, for "did you mean".
    static var commandNames: [String] {
        configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
    }

    /// A message for a first argument that is no command (`schema sacn`), or nil when it is one
    /// or an option. Checked before parsing so that `aprove all --as x` is not answered with a
    /// complaint about `--as`.
    static func unknownCommandMessage(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-"), !commandNames.contains(first) else { return nil }
        let hint = Suggestion.closest(to: first, in: commandNames).map { " Did you mean '\($0)'?" } ?? ""
        return "error: '\(TerminalText.escape(first))' is not a schema command.\(hint)\nCommands: \(commandNames.filter { $0 != "help" }.joined(separator: ", ")). See `schema --help`."
    }

    /// Runs the command line `arguments` (without the program name) and returns the exit code.
    /// Usage errors exit with 2, as documented, rather than ArgumentParser's 64.
    public static func execute(_ arguments: [String]) async -> Int32 {
        if let message = unknownCommandMessage(arguments) {
            Console.current.err(message)
            return ExitStatus.usage
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                Console.current.out(fullMessage(for: error))
                return 0
            }
            if let exit = error as? ExitCode { return exit.rawValue }
            Console.current.err(fullMessage(for: error))
            return code == .validationFailure ? 2 : (code.rawValue == 64 ? 2 : code.rawValue)
        }
    }

    /// Runs `arguments` with output captured, for tests and embedding; `terminal` renders
    /// diagnostics as for a person at a terminal (snippets, one line per detail).
    public static func capture(_ arguments: [String], terminal: Bool = false) async -> (exitCode: Int32, stdout: String, stderr: String) {
        let buffer = BufferConsole(snippets: terminal)
        let code = await Console.$current.withValue(buffer) {
            await execute(arguments)
        }
        return (code, buffer.stdout, buffer.stderr)
    }
}
