import ArgumentParser
import Foundation
import SchemaCore
import SchemaRegistry

/// Options of the commands that use the registry.
struct RegistryOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: ArgumentHelp("Target database: postgres://user:pass@host:port/db, or file:PATH for SQLite (default: $DATABASE_URL, else ROOT/.schema/database.sqlite).",
                               valueName: "url"))
    var databaseURL: String?

    /// The database location, from the option, then `DATABASE_URL`, then the default file.
    func location(root: URL) throws -> DatabaseLocation {
        if let text = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !text.isEmpty {
            do {
                return try DatabaseLocation.parse(text, root: root)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        return .defaultLocation(root: root)
    }

    /// Opens the registry, runs `body`, closes the connection.
    func withRegistry<T>(root: URL, _ body: (Registry) throws -> T) throws -> T {
        let database = try location(root: root).open()
        defer { database.close() }
        return try body(Registry(database: database))
    }
}

/// Validates the workspace and returns what the package files want, or prints the errors.
func desiredEntities(_ options: GlobalOptions, console: Console) -> (workspace: Workspace, desired: [DesiredEntity])? {
    let workspace = options.loadWorkspace()
    let report = Validator.validate(workspace)
    if report.hasErrors {
        console.printDiagnostics(report.diagnostics.filter { $0.severity == .error })
        return nil
    }
    return (workspace, DesiredEntity.from(report, host: workspace.baseSchema))
}

/// Runs a registry command: database and domain errors become a message and exit code 1.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        Console.current.err(Console.current.paint("error", .red) + ": \(error)")
        throw ExitCode.failure
    }
}
