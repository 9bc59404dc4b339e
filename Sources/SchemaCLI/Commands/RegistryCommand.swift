import ArgumentParser
import SchemaCore
import SchemaRegistry

/// `schema registry protect --audit-owner ROLE --writer ROLE`.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry", abstract: "Administer the registry itself.", subcommands: [Initialize.self, Protect.self, PrismaConfig.self, Identity.self])

    /// `schema registry identity --secret-file FILE`: installs the signed-identity check.
    struct Identity: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "PostgreSQL: install (or re-key) the function that checks signed identities for row-level security.",
            discussion: """
                With "identity": "signed" in schema.config.json, policies believe app.user_id, app.user_role and \
                app.tenant_id only when app.identity_signature is the HMAC-SHA256 of them and app.identity_expires \
                with the secret in FILE (64+ hex digits, e.g. `openssl rand -hex 32`). Run it as a role that is not the \
                application's (the database owner, say): that role owns the copy of the secret, which the application's \
                role cannot read. The application signs with its own copy, kept outside the database.
                """)
        @OptionGroup var options: GlobalOptions
        @OptionGroup var registry: RegistryOptions
        @Option(name: .customLong("secret-file"), help: ArgumentHelp("The secret, as hex.", valueName: "file")) var secretFile: String

        func run() async throws {
            try runReportingErrors {
                guard let text = try? String(contentsOfFile: secretFile, encoding: .utf8) else {
                    throw SchemaError(.keyFile, "cannot read the identity secret \(secretFile)")
                }
                let secret = try SignedIdentity.secret(fromFile: text)
                try registry.withRegistry(root: options.rootURL, creating: true) { registry in
                    guard registry.database.dialect == .postgresql else {
                        throw SchemaError(.usage, "signed identities are for PostgreSQL's row-level security; SQLite has none")
                    }
                    try registry.database.withLockedTransaction { connection in
                        for statement in SignedIdentity.installation(secret: secret) { try connection.execute(statement) }
                    }
                }
                Console.current.out("installed \(SignedIdentity.schema).claim(); policies planned with \"identity\": \"signed\" believe only signed identities")
            }
        }
    }

    /// `schema registry prisma-config`: what a Prisma config needs to leave the registry alone on SQLite.
    struct PrismaConfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prisma-config",
            abstract: "Print the prisma.config.ts settings that make Prisma Migrate leave the registry's tables alone (SQLite).",
            discussion: """
                On SQLite the registry's tables share the database with the application's, so `prisma migrate dev` would                 report them as drift and `prisma db push` would drop them. Prisma 6.13+ leaves tables listed in                 `tables.external` alone. On PostgreSQL nothing is needed: the registry has a schema of its own.
                """)
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let tables = RegistryNames.externalTableNames
            if options.json {
                Console.current.out(JSONOutput.encode(["externalTables": tables]))
                return
            }
            Console.current.out("""
                // prisma.config.ts: the tables of the `schema` registry are managed by `schema`, not by Prisma Migrate.
                import { defineConfig } from "prisma/config";

                export default defineConfig({
                  schema: "prisma/schema.prisma",
                  experimental: { externalTables: true },
                  tables: {
                    external: [\(tables.map { "\"\($0)\"" }.joined(separator: ", "))],
                  },
                });
                """)
        }
    }

    /// `schema registry init`: creates or upgrades the registry's tables.
    struct Initialize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init", abstract: "Create or upgrade the registry's tables (every command does this when it first needs them).",
            discussion: "Run it as the role apply will run as, so that role owns the registry.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var registry: RegistryOptions

        func run() async throws {
            try runReportingErrors {
                let location = try registry.withRegistry(root: options.rootURL, creating: true) { registry, location in
                    try registry.prepareTables()
                    return location
                }
                Console.current.out("the registry in \(location) is ready")
            }
        }
    }

    struct Protect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "PostgreSQL: give the audit log to an owner role, so the role apply runs as can append to it but not empty, drop or disarm it.",
            discussion: """
                Run once with a DATABASE_URL of a superuser (or of the database owner, when it is a member of the owner role). \
                The writer is the role apply and the admin commands use; it must not be a member of the owner role.
                """)
        @OptionGroup var options: GlobalOptions
        @OptionGroup var registry: RegistryOptions
        @Option(name: .customLong("audit-owner"), help: "The role that will own the registry schema and the audit log (usually NOLOGIN).")
        var owner: String
        @Option(help: "The role apply runs as.") var writer: String

        func run() async throws {
            try runReportingErrors {
                try registry.withRegistry(root: options.rootURL) { try $0.protectAuditLog(owner: owner, writer: writer) }
                Console.current.out("the audit log now belongs to \(owner); \(writer) can append to it and read it")
            }
        }
    }
}
