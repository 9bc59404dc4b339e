import ArgumentParser
import Foundation
import NIOCore
import SchemaAdmin
import SchemaCore
import SchemaRegistry

/// `schema serve`: the review server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the review page and JSON API over the registry (127.0.0.1 by default).",
        discussion: "Sign in with a token from `schema admin token NAME` or a link from `schema admin login-link NAME`.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = 8787
    @Option(name: .customLong("sign-with"), help: ArgumentHelp("Sign approvals made through the server with this key.", valueName: "keyfile"))
    var signWith: String?

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
    }

    func run() async throws {
        let console = Console.current
        let key = try signWith.map(SigningKey.init(contentsOfFile:))
        let location = try registry.location(root: options.rootURL)
        let database = try location.open()
        defer { database.close() }
        let context = options.renderContext()
        let reviewRegistry = Registry(database: database)
        let server = ReviewServer(registry: reviewRegistry, host: context.host, identity: context.identity, deploys: context.deploys, signingKey: key)
        let (host, port) = (host, port)
        // The address people reach it at: a wildcard bind is reached by this machine's name.
        let address = "http://\(host == "0.0.0.0" || host == "::" ? ProcessInfo.processInfo.hostName : host):\(port)"
        do {
            try await server.run(hostname: host, port: port) {
                console.err("review server on \(address)/ (database \(location))")
                // For `admin login-link`; a registry the server may not write still serves.
                try? reviewRegistry.recordReviewServer(address)
            }
        } catch let error as IOError {
            let cause = error.errnoCode == EADDRINUSE ? "the address is already in use (another server, or an earlier one still running); choose another with --port"
                : error.errnoCode == EADDRNOTAVAIL ? "no interface of this machine has that address; use --host 127.0.0.1 or 0.0.0.0"
                : error.errnoCode == EACCES ? "permission denied (ports below 1024 need privileges); choose a port above 1024"
                : "\(error)"
            console.err(console.paint("error", .red) + ": cannot listen on \(host):\(port): \(cause)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}

extension AdminCommand {
    /// `schema admin token NAME`.
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an API token for the review server (shown once; stored as a hash).",
            discussion: "Without --as, NAME must be an admin; an admin issues tokens for read-only principals with --as.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var registry: RegistryOptions
        @Argument(help: "The principal the token authenticates.") var name: String
        @Option(name: .customLong("as"), help: "The admin issuing the token.") var principal: String?
        @Option(help: "How many days the token is valid.") var days: Int = 30

        func validate() throws {
            guard (1...365).contains(days) else { throw ValidationError("--days must be between 1 and 365") }
        }

        func run() async throws {
            try runReportingErrors {
                let token = try registry.withRegistry(root: options.rootURL) {
                    try $0.issueToken(for: name, by: principal, lifetime: Double(days) * 24 * 3600)
                }
                Console.current.out(token)
            }
        }
    }

    /// `schema admin revoke NAME --as ADMIN`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke every API token and login link of a principal.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var registry: RegistryOptions
        @Argument(help: "The principal whose tokens end.") var name: String
        @Option(name: .customLong("as"), help: "The admin revoking them.") var principal: String

        func run() async throws {
            try runReportingErrors {
                let count = try registry.withRegistry(root: options.rootURL) { try $0.revokeTokens(of: name, by: principal) }
                Console.current.out("revoked \(count) token(s) of \(TerminalText.escape(name))")
            }
        }
    }

    /// `schema admin login-link NAME`.
    struct LoginLink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "login-link", abstract: "Print a single-use sign-in link for the review page, valid for 5 minutes.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var registry: RegistryOptions
        @Argument(help: "The principal who signs in.") var name: String
        @Option(name: .customLong("as"), help: "The admin issuing the link.") var principal: String?
        @Option(name: .customLong("server"), help: "The review server's address (default: the one the running `schema serve` recorded, else http://127.0.0.1:8787).")
        var server: String?

        func run() async throws {
            try runReportingErrors {
                let (code, recorded) = try registry.withRegistry(root: options.rootURL) { registry in
                    (try registry.issueLoginCode(for: name, by: principal), try registry.reviewServerAddress())
                }
                Console.current.out("\(server ?? recorded ?? "http://127.0.0.1:8787")/login?code=\(code)")
            }
        }
    }
}
