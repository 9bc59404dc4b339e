import ArgumentParser
import Foundation
import SchemaCore

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Workspace root; packages are read from ROOT/packages.", valueName: "dir"))
    var root: String = "."

    @Option(name: .long, help: ArgumentHelp("The host's base Prisma schema (default: ROOT/prisma/schema.prisma when it exists).", valueName: "file"))
    var base: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    var rootURL: URL {
        URL(fileURLWithPath: root, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
    }

    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: rootURL.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--root '\(root)' is not a directory")
        }
        if let base, !FileManager.default.fileExists(atPath: URL(fileURLWithPath: base).path) {
            throw ValidationError("--base '\(base)' does not exist")
        }
    }

    /// `--base` as a URL, when given.
    var baseURL: URL? { base.map { URL(fileURLWithPath: $0).standardizedFileURL } }

    /// Loads the workspace these options describe.
    func loadWorkspace(selected: [String] = []) -> Workspace {
        WorkspaceLoader(root: rootURL, baseSchemaFile: baseURL).load(selected: selected)
    }

    /// Warns on stderr when the base schema's provider is not `dialect` (see ``PrismaSchema/providerMismatch(with:)``).
    func warnOnProviderMismatch(_ dialect: SQLDialect) {
        let url = baseURL ?? rootURL.appendingPathComponent("prisma/schema.prisma")
        guard let text = try? String(contentsOf: url, encoding: .utf8),
              let warning = PrismaSchemaParser.parse(text, file: url.lastPathComponent).schema.providerMismatch(with: dialect)
        else { return }
        let console = Console.current
        console.err(console.paint("warning", .yellow) + ": " + TerminalText.escape(warning))
    }

    /// What the packages under the root want (the desired-state stage).
    func desiredState() -> DesiredState {
        DesiredState.resolve(loadWorkspace())
    }
}
