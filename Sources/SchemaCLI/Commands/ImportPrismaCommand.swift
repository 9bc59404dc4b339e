import ArgumentParser
import Foundation
import SchemaCore

/// `schema import-prisma FILE [--model NAME...]`: Prisma models as an `entities.yaml`.
struct ImportPrismaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-prisma",
        abstract: "Print Prisma models as an entities.yaml (to move host models into a package); what it cannot carry over goes to stderr.")

    @Argument(help: "A Prisma schema file.") var file: String
    @Option(name: .customLong("model"), help: "Only this model (repeat for several).") var models: [String] = []

    func run() async throws {
        let console = Console.current
        try runReportingErrors {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw SchemaError(.fileSystem, "cannot read \(file)")
            }
            let (schema, diagnostics) = PrismaSchemaParser.parse(text, file: file)
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
}
