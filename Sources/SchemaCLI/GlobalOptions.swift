import ArgumentParser
import Foundation
import SchemaCore

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Workspace root; packages are read from ROOT/packages.", valueName: "dir"))
    var root: String = "."

    @Option(name: .long, help: ArgumentHelp("The host's base Prisma schema, a file or a schema folder (default: ROOT/prisma/schema.prisma, else the folder ROOT/prisma/schema).", valueName: "path"))
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

    /// Refuses a root that has no `packages/` folder, with a hint at the root that was probably meant.
    /// Commands that read package files call it: without it, `--root ws/packages` "validates" zero
    /// packages and `scan` in the wrong folder creates a database there.
    func requireWorkspace() throws {
        let packages = rootURL.appendingPathComponent("packages")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: packages.path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        var hint = "pass the folder that contains packages/ with --root (the workspace root), or create packages/<name>/seed/schema/entities.yaml"
        if rootURL.lastPathComponent == "packages" {
            hint = "this folder is itself named packages: did you mean --root \(rootURL.deletingLastPathComponent().path)?"
        } else if let child = Self.childWithPackages(of: rootURL) {
            hint = "did you mean --root \(child.path)? It has a packages/ folder"
        }
        throw SchemaError(.usage, "no packages/ folder in the workspace root \(TerminalText.escape(rootURL.path)); \(TerminalText.escape(hint))")
    }

    /// A direct subfolder of `root` that has a `packages/` folder, if exactly one does.
    static func childWithPackages(of root: URL) -> URL? {
        let children = (try? FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: [.isDirectoryKey])) ?? []
        let matches = children.filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("packages").path) }
        return matches.count == 1 ? matches[0] : nil
    }

    /// `--base` as a URL, when given.
    var baseURL: URL? { base.map { URL(fileURLWithPath: $0).standardizedFileURL } }

    /// Loads the workspace these options describe.
    func loadWorkspace(selected: [String] = []) -> Workspace {
        WorkspaceLoader(root: rootURL, baseSchemaFile: baseURL).load(selected: selected)
    }

    /// The base schema and identity setting SQL is rendered with (no package file is read).
    func renderContext() -> RenderContext {
        WorkspaceLoader(root: rootURL, baseSchemaFile: baseURL).renderContext()
    }

    /// Warns on stderr when the base schema's provider is not `dialect` (see ``PrismaSchema/providerMismatch(with:)``).
    func warnOnProviderMismatch(_ dialect: SQLDialect) {
        guard let warning = renderContext().host?.providerMismatch(with: dialect) else { return }
        let console = Console.current
        console.err(console.paint("warning", .yellow) + ": " + TerminalText.escape(warning))
    }

    /// What the packages under the root want (the desired-state stage).
    func desiredState() -> DesiredState {
        DesiredState.resolve(loadWorkspace())
    }

    /// The desired state of a root with `packages/`, refused with `refusal` and the diagnostics
    /// when the package files have errors.
    func validDesiredState(refusal: String) throws -> DesiredState {
        try requireWorkspace()
        let desired = desiredState()
        guard desired.isValid else { throw SchemaError(.invalidPackages, refusal, diagnostics: desired.errors) }
        return desired
    }
}
