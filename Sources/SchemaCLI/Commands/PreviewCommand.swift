import ArgumentParser
import SchemaCore

/// `schema preview PACKAGE`: the Prisma models one package would add.
struct PreviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Print the Prisma models of one package, each headed by its checksum.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The package id (its folder name under packages/).")
    var package: String

    func run() async throws {
        let console = Console.current
        try runReportingErrors { try options.requireWorkspace() }
        let workspace = options.loadWorkspace()
        let report = Validator.validate(workspace)
        guard let schema = workspace.package(package) else {
            let known = workspace.packages.map(\.packageId).sorted()
            let suggestion = Suggestion.hint(for: package, in: known).map { " \($0.prefix(1).uppercased() + $0.dropFirst())" } ?? ""
            let listed = known.isEmpty ? "No package under packages/ has a schema yet."
                : "Packages with a schema: " + known.prefix(30).joined(separator: ", ") + (known.count > 30 ? ", … (\(known.count) in all)" : "")
            console.err(console.paint("error", .red) + "[\(DiagnosticCode.packageNotFound.rawValue)]: no package '\(TerminalText.escape(package))' with a schema under packages/.\(suggestion) \(TerminalText.escape(listed))")
            throw ExitCode.failure
        }
        let problems = report.diagnostics.filter { $0.severity == .error && $0.location.file == schema.schemaFile }
        if !problems.isEmpty {
            emitFailure(problems, console: console)
            throw ExitCode.failure
        }
        let definitions = report.definitions.filter { $0.packageId == package }
        let renderer = PrismaRenderer(provider: workspace.baseSchema?.provider, universe: uniqueCanonicals(report), host: workspace.baseSchema)
        let models = definitions.map { definition in
            var header = PrismaArtifacts.header(definition.canonical) + ["package \(package)"]
            if workspace.baseSchema?.model(named: definition.entity.name) != nil {
                header.append("also a model of the host schema: the host owns this table")
            }
            return (definition, renderer.model(definition.canonical, header: header))
        }
        let ownNames = Set(definitions.map(\.entity.name))
        let backRelations = renderer.hostBackRelationFields
            .mapValues { lines in lines.filter { line in ownNames.contains { line.contains(" \($0)[]") } } }
            .filter { !$0.value.isEmpty }
        if options.json {
            console.out(JSONOutput.encode(PreviewJSON(package: package,
                                                      models: models.map { .init(name: $0.0.entity.name, checksum: $0.0.checksum.hex, prisma: $0.1) },
                                                      hostBackRelations: backRelations)))
            return
        }
        console.out(models.map(\.1).joined(separator: "\n\n"))
        for model in backRelations.keys.sorted() {
            console.out("\n// Fields the host model \(model) needs for these relations:")
            for line in backRelations[model] ?? [] { console.out("//\(line)") }
        }
    }

    func emitFailure(_ diagnostics: [Diagnostic], console: Console) {
        if options.json {
            console.out(JSONOutput.encode(["diagnostics": diagnostics.map(JSONOutput.DiagnosticJSON.init)]))
        } else {
            console.printDiagnostics(diagnostics, root: options.rootURL)
        }
    }
}

/// One canonical entity per name (shared entities are identical, conflicting ones are errors anyway).
func uniqueCanonicals(_ report: ValidationReport) -> [CanonicalEntity] {
    var seen: Set<String> = []
    return report.definitions.compactMap { seen.insert($0.entity.name).inserted ? $0.canonical : nil }
}

struct PreviewJSON: Encodable {
    struct Model: Encodable { var name: String; var checksum: String; var prisma: String }
    var package: String
    var models: [Model]
    var hostBackRelations: [String: [String]]
}
