import ArgumentParser
import Foundation
import SchemaCore

/// `schema import-prisma FILE|FOLDER [--model NAME...]`: Prisma models as an `entities.yaml`.
struct ImportPrismaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-prisma",
        abstract: "Print Prisma models as an entities.yaml (to move host models into a package); what it cannot carry over goes to stderr.")

    @Argument(help: "A Prisma schema file, or a schema folder (its .prisma files read as one schema, as Prisma reads them).") var file: String
    @Option(name: .customLong("model"), help: "Only this model (repeat for several).") var models: [String] = []
    @Option(name: .customLong("package-schema"),
            help: "Under multi-schema, the database schema of the models to carry over, as packageSchema in schema.config.json says (default: public).")
    var packageSchema: String?

    func run() async throws {
        let console = Console.current
        try runReportingErrors {
            var (schema, diagnostics) = try Self.read(file)
            if let packageSchema { schema.packageSchema = packageSchema }
            if !diagnostics.isEmpty {
                console.printDiagnostics(diagnostics, root: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
                throw ExitCode(ExitStatus.failure)
            }
            let unknown = models.filter { schema.model(named: $0) == nil }
            if !unknown.isEmpty { throw SchemaError(.usage, "no model \(unknown.joined(separator: ", ")) in \(file)") }
            let result = PrismaImport.package(from: schema, models: models.isEmpty ? nil : models)
            console.out(String(result.yaml.dropLast()))
            for limit in result.limits { console.err(console.paint("not carried over", .yellow) + ": " + TerminalText.escape(limit)) }
        }
    }

    /// The schema of `path`: one file, or every file of a schema folder.
    static func read(_ path: String) throws -> (PrismaSchema, [Diagnostic]) {
        func parse(_ url: URL) throws -> (PrismaSchema, [Diagnostic]) {
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw SchemaError(.fileSystem, "cannot read \(url.path)") }
            return PrismaSchemaParser.parse(text, file: url.path)
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw SchemaError(.fileSystem, "cannot read \(path)") }
        guard isFolder.boolValue else { return try parse(URL(fileURLWithPath: path)) }
        let folder = URL(fileURLWithPath: path)
        guard !PrismaSchema.folderFiles(folder).isEmpty else { throw SchemaError(.fileSystem, "\(path) has no .prisma file") }
        var diagnostics: [Diagnostic] = []
        var failure: (any Error)?
        let schema = PrismaSchema.folder(folder, file: path) { url in
            do {
                let (part, found) = try parse(url)
                diagnostics += found
                return part
            } catch {
                failure = failure ?? error
                return nil
            }
        }
        if let failure { throw failure }
        return (schema, diagnostics)
    }
}
