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

    /// `schema keys attest KEYFILE --as ADMIN [ENTITY:CHECKSUM ...]`: vouch for named applied snapshots.
    struct Attest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Vouch, with your key, for applied snapshots you name with their checksums (for registries applied before approvals were signed).",
            discussion: """
                Without ENTITY:CHECKSUM arguments, lists every applied snapshot with its checksum and whether a trusted key \
                (--trusted-keys or SCHEMA_TRUSTED_KEYS) already vouches for it, and attests nothing. Name each snapshot you \
                checked with at least the 12 hex digits shown: one whose checksum differs (changed since you looked) is refused. \
                apply --trusted-keys renders the Prisma fragment only from snapshots a trusted key vouches for: the signed \
                approval that applied them, or this attestation.
                """)
        @OptionGroup var options: GlobalOptions
        @OptionGroup var registry: RegistryOptions
        @OptionGroup var trust: TrustOptions
        @Argument(help: "The private key file.") var keyFile: String
        @Argument(help: ArgumentHelp("The snapshots to vouch for, as ENTITY:CHECKSUM (12 or more hex digits).", valueName: "entity:checksum")) var snapshots: [String] = []
        @Option(name: .customLong("as"), help: "The admin attesting (recorded in the audit log).") var principal: String

        func validate() throws {
            for snapshot in snapshots where snapshot.split(separator: ":").count != 2 {
                throw ValidationError("'\(snapshot)' is not ENTITY:CHECKSUM")
            }
        }

        func run() async throws {
            let console = Console.current
            try runReportingErrors {
                let key = try SigningKey(contentsOfFile: keyFile)
                let own = TrustedKey(name: key.name, publicKey: key.privateKey.publicKey)
                guard !snapshots.isEmpty else {
                    let candidates = try registry.withRegistry(root: options.rootURL, readOnly: true) { try $0.attestationCandidates(trustedKeys: try trust.trustedKeys() ?? [own]) }
                    if candidates.isEmpty { console.out("nothing is applied yet") }
                    for candidate in candidates {
                        console.out("\(TerminalText.escape(candidate.entity)):\(Checksum.short(candidate.checksum))\(candidate.vouched ? "  (vouched for)" : "")")
                    }
                    if candidates.contains(where: { !$0.vouched }) {
                        console.out("nothing attested: check each snapshot (`schema list --state applied --verbose`), then name it: schema keys attest \(keyFile) --as \(principal) ENTITY:CHECKSUM ...")
                    }
                    return
                }
                let selection = Dictionary(snapshots.map { pair -> (String, String) in
                    let parts = pair.split(separator: ":").map(String.init)
                    return (parts[0], parts[1])
                }, uniquingKeysWith: { _, last in last })
                let (attested, refused) = try registry.withRegistry(root: options.rootURL) { try $0.attest(selection, as: principal, with: key) }
                for name in attested { console.out("attested \(TerminalText.escape(name)) with key \(key.name)") }
                for refusal in refused { console.err(console.paint("refused", .red) + " \(RefusalJSON(refusal).line)") }
                if !refused.isEmpty { throw ExitCode(ExitStatus.failure) }
            }
        }
    }
}
