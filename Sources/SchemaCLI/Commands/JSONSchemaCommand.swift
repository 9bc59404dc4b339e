import ArgumentParser
import Foundation
import SchemaCore

/// `schema json-schema [--metadata] [--out FILE]`: the JSON Schema editors use for completion.
struct JSONSchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json-schema",
        abstract: "Print the JSON Schema (draft 2020-12) of entities.yaml, or of metadata.json with --metadata.",
        discussion: "Generated from the tables the validator reads with. The repository ships it as schemas/entities.schema.json.")

    @Flag(help: "The schema of seed/metadata.json instead.") var metadata = false
    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file")) var out: String?

    /// The text of the schema, as shipped.
    static func text(metadata: Bool) -> String {
        JSONText.encode(metadata ? EntitiesJSONSchema.metadataFile : EntitiesJSONSchema.entitiesFile, pretty: true) + "\n"
    }

    func run() async throws {
        let text = Self.text(metadata: metadata)
        guard let out else {
            Console.current.out(String(text.dropLast()))
            return
        }
        try runReportingErrors {
            do {
                try text.write(toFile: out, atomically: true, encoding: .utf8)
            } catch {
                throw SchemaError(.fileSystem, "cannot write \(out): \(error.localizedDescription)")
            }
            Console.current.out("wrote \(out)")
        }
    }
}
