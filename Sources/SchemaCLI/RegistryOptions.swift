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

    /// The database location, from the option, then `DATABASE_URL`, then the default file; its
    /// sessions search `packageSchema` of `schema.config.json` when the URL names no schema.
    func location(root: URL) throws -> DatabaseLocation {
        if let text = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !text.isEmpty {
            return try DatabaseLocation.parse(text, root: root).placingPackageTables(in: WorkspaceLoader(root: root).packageSchema())
        }
        return .defaultLocation(root: root)
    }

    /// The database location, refused when its `schema=` contradicts the multi-schema of the host
    /// `options` read (``DatabaseLocation/requireSchema(matching:)``): before anything is opened.
    func checkedLocation(_ options: GlobalOptions) throws -> DatabaseLocation {
        let location = try location(root: options.rootURL)
        try location.requireSchema(matching: options.renderContext().host)
        return location
    }

    /// Resolves the location once, opens the registry, runs `body`, closes the connection.
    ///
    /// Only the commands that start a registry (`scan`, `admin add`, `registry init`) pass
    /// `creating`. Every other command refuses a database without a registry with `no-registry`,
    /// naming the URL, and creates nothing there (no SQLite file or folder, no schema or table):
    /// a mistyped URL must not become a new, empty registry that a start then renders an empty
    /// Prisma schema from. With `readOnly` (the commands that only report) an existing registry is
    /// not upgraded either.
    func withRegistry<T>(root: URL, readOnly: Bool = false, creating: Bool = false, _ body: (Registry, DatabaseLocation) throws -> T) throws -> T {
        let location = try location(root: root)
        if !creating, case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            throw Registry.missing("database at " + TerminalText.escape(path))
        }
        let database = try location.open()
        defer { database.close() }
        let registry = Registry(database: database, readOnly: readOnly)
        if !creating && !readOnly, try !registry.exists() {
            throw Registry.missing("in \(location)")
        }
        return try body(registry, location)
    }

    /// ``withRegistry(root:readOnly:creating:_:)`` for bodies that need only the registry.
    func withRegistry<T>(root: URL, readOnly: Bool = false, creating: Bool = false, _ body: (Registry) throws -> T) throws -> T {
        try withRegistry(root: root, readOnly: readOnly, creating: creating) { registry, _ in try body(registry) }
    }
}

/// Runs a command body; a ``SchemaError`` becomes its message (and diagnostics, with snippets from
/// the files under `root` on a terminal) on stderr and the exit status ``ExitStatus/code(for:)`` gives it.
func runReportingErrors(root: URL? = nil, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch let error as SchemaError {
        let console = Console.current
        console.printDiagnostics(error.diagnostics, root: root)
        console.err(console.paint("error", .red) + ": \(error)")
        throw ExitCode(ExitStatus.code(for: error.code))
    } catch {
        Console.current.err(Console.current.paint("error", .red) + ": \(error)")
        throw ExitCode(ExitStatus.failure)
    }
}
