import ArgumentParser
import SchemaRegistry

/// `schema admin add|remove|list`.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Manage the admins who may approve and reject changes.",
        subcommands: [Add.self, Remove.self, List.self, Token.self, Revoke.self, LoginLink.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an admin. The first admin is created explicitly with this command; later ones need --as ADMIN.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var registry: RegistryOptions
        @Argument(help: "The admin's name.") var name: String
        @Option(name: .customLong("as"), help: "An existing admin (required once there is one).") var principal: String?

        func run() async throws {
            try runReportingErrors {
                try registry.withRegistry(root: options.rootURL, creating: true) { try $0.addAdmin(name, by: principal) }
                Console.current.out("added admin \(name)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an admin (not the last one).")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var registry: RegistryOptions
        @Argument(help: "The admin's name.") var name: String
        @Option(name: .customLong("as"), help: "An admin.") var principal: String

        func run() async throws {
            try runReportingErrors {
                try registry.withRegistry(root: options.rootURL) { try $0.removeAdmin(name, by: principal) }
                Console.current.out("removed admin \(name)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List admins.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var registry: RegistryOptions

        func run() async throws {
            try runReportingErrors {
                let admins = try registry.withRegistry(root: options.rootURL, readOnly: true) { try $0.admins() }
                if options.json {
                    Console.current.out(JSONOutput.encode(admins))
                } else {
                    Console.current.out(admins.isEmpty ? "no admins yet: create the first with `schema admin add NAME`" : admins.joined(separator: "\n"))
                }
            }
        }
    }
}
