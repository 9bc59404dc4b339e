import ArgumentParser
import Foundation
import SchemaCore

/// `schema keys generate NAME`.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Ed25519 keys for signed approvals.", subcommands: [Generate.self, Token.self, Attest.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create NAME.key (private, mode 600) and NAME.pub (a line for the trusted-keys file of `apply`).")
        @Argument(help: "The key's name (usually the admin's).") var name: String
        @Option(help: ArgumentHelp("Folder for the files.", valueName: "dir")) var out: String = "."

        func validate() throws {
            guard Identifier.isValid(name.replacingOccurrences(of: "-", with: "_")) else {
                throw ValidationError("key names start with a letter and contain letters, digits, '_' and '-'")
            }
        }

        func run() async throws {
            let directory = URL(fileURLWithPath: out)
            let key = SigningKey.generate(name: name)
            let privateFile = directory.appendingPathComponent("\(name).key")
            let publicFile = directory.appendingPathComponent("\(name).pub")
            if FileManager.default.fileExists(atPath: privateFile.path) {
                Console.current.err("error: \(privateFile.path) exists; not overwriting a key")
                throw ExitCode.failure
            }
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: privateFile.path, contents: Data(key.fileText.utf8), attributes: [.posixPermissions: 0o600]) else {
                Console.current.err("error: cannot write \(privateFile.path)")
                throw ExitCode.failure
            }
            try (key.publicKeyLine + "\n").write(to: publicFile, atomically: true, encoding: .utf8)
            Console.current.out("wrote \(privateFile.path) (keep it secret) and \(publicFile.path) (add it to the trusted keys file)")
        }
    }

    /// `schema keys token KEYFILE`: a sign-in token for a review server started with `--sign-with KEYFILE`.
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a token for a review server that signs with this key (serve --sign-with KEYFILE).",
            discussion: "The token is derived from the private key: only its holder can make one, and it expires.")
        @Argument(help: "The private key file.") var keyFile: String
        @Option(help: "How many hours the token is valid.") var hours: Int = 8

        func validate() throws {
            guard (1...24 * 30).contains(hours) else { throw ValidationError("--hours must be between 1 and 720") }
        }

        func run() async throws {
            try runReportingErrors {
                let key = try SigningKey(contentsOfFile: keyFile)
                Console.current.out(ReviewToken.issue(for: key, expiry: Date().addingTimeInterval(Double(hours) * 3600)))
            }
        }
    }

    /// `schema keys attest KEYFILE --as ADMIN`: vouch for the applied snapshots with a key.
    struct Attest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Vouch, with your key, for every entity applied now (for registries applied before approvals were signed).",
            discussion: "apply --trusted-keys renders the Prisma fragment only from snapshots a trusted key vouches for: the signed approval that applied them, or this attestation.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var registry: RegistryOptions
        @Argument(help: "The private key file.") var keyFile: String
        @Option(name: .customLong("as"), help: "The admin attesting (recorded in the audit log).") var principal: String

        func run() async throws {
            try runReportingErrors {
                let key = try SigningKey(contentsOfFile: keyFile)
                let names = try registry.withRegistry(root: options.rootURL) { try $0.attest(as: principal, with: key) }
                Console.current.out(names.isEmpty ? "nothing is applied yet" : "attested \(names.count) applied entities with key \(key.name)")
            }
        }
    }
}
