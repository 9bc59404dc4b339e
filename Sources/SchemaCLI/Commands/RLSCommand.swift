import ArgumentParser
import SchemaCore
import SchemaRegistry

/// `schema rls [PACKAGE]`.
struct RLSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rls", abstract: "Print the PostgreSQL row-level security policies derived from the packages' ACLs.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Argument(help: "Only this package's entities.") var package: String?

    func run() async throws {
        let console = Console.current
        try runReportingErrors {
            try options.requireWorkspace()
            if case .sqlite = try registry.location(root: options.rootURL) {
                console.out("""
                    -- SQLite has no row-level security. The ACLs are enforced in the application through
                    -- SchemaCore's ACLEvaluator (see the README's ACL table). With a PostgreSQL DATABASE_URL
                    -- this command prints the policies, and `schema apply --rls` installs them.
                    """)
                return
            }
            let desired = options.desiredState()
            guard desired.isValid else {
                throw SchemaError(.invalidPackages, "the package files have errors", diagnostics: desired.errors)
            }
            let chosen = desired.entities.filter { package == nil || $0.packages.contains(package ?? "") }
            if let package, chosen.isEmpty {
                throw SchemaError(.usage, "no entities of package '\(package)'")
            }
            console.out(RowLevelSecurity.statements(for: chosen.map(\.structure), host: desired.host, identity: desired.identity).map { $0 + ";" }.joined(separator: "\n"))
        }
    }
}
