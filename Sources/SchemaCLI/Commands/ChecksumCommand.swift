import ArgumentParser
import SchemaCore

/// `schema checksum PACKAGE [ENTITY]`: structural checksums.
struct ChecksumCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checksum",
        abstract: "Print ENTITY<TAB>CHECKSUM for a package's entities (full SHA-256).")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The package id.")
    var package: String

    @Argument(help: "Only this entity.")
    var entity: String?

    func run() async throws {
        let console = Console.current
        try runReportingErrors { try options.requireWorkspace() }
        let workspace = options.loadWorkspace(selected: [package])
        guard let schema = workspace.package(package) else {
            console.printDiagnostics(workspace.diagnostics.filter { $0.severity == .error }, root: options.rootURL)
            if workspace.diagnostics.isEmpty {
                console.printDiagnostics([.error(.packageNotFound, "package '\(package)' has no schema", at: .start(of: "packages/\(package)"))])
            }
            throw ExitCode.failure
        }
        let parseErrors = workspace.diagnostics.filter { $0.severity == .error && $0.location.file == schema.schemaFile }
        if !parseErrors.isEmpty {
            console.printDiagnostics(parseErrors, root: options.rootURL)
            throw ExitCode.failure
        }
        var entities = schema.entities
        if let entity {
            entities = entities.filter { $0.name == entity }
            if entities.isEmpty {
                console.printDiagnostics([.error(.entityNotFound, "package \(package) defines no entity '\(entity)'",
                                                 hint: Suggestion.hint(for: entity, in: schema.entities.map(\.name)), at: .start(of: schema.schemaFile))])
                throw ExitCode.failure
            }
        }
        let rows = entities.map { ($0.name, Checksum(of: CanonicalEntity($0)).hex) }
        if options.json {
            console.out(JSONOutput.encode(rows.map { ["name": $0.0, "checksum": $0.1] }))
        } else {
            for (name, checksum) in rows { console.out("\(name)\t\(checksum)") }
        }
    }
}
