import ArgumentParser
import Foundation
import SchemaCore

/// `schema keys generate NAME`.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Ed25519 keys for signed approvals.", subcommands: [Generate.self])

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
}
