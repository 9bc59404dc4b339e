import ArgumentParser
import Foundation
import SchemaCore
import SchemaRegistry

/// `schema generate`.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Write the Prisma fragment of the applied package entities, and optionally a merged schema.")

    @OptionGroup var options: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Option(help: ArgumentHelp("Fragment file (default: ROOT/prisma/generated-from-packages.prisma; '-' for stdout).", valueName: "file"))
    var out: String?
    @Option(help: ArgumentHelp("Also write a complete schema: the base schema, back-relation fields in host models, and the package models.", valueName: "file"))
    var merged: String?
    @OptionGroup var trust: TrustOptions

    func run() async throws {
        let console = Console.current
        try runReportingErrors(root: options.rootURL) {
            try options.requireWorkspace()
            let trustedKeys = try trust.trustedKeys()
            var fragment = FragmentFile.inWorkspace(root: options.rootURL, base: options.baseURL,
                                                    merged: merged.map { URL(fileURLWithPath: $0).standardizedFileURL })
            // Only the host's base schema is read: the models come from the database, not the package files.
            let baseText = fragment.baseText()
            if fragment.mergedURL != nil, baseText == nil {
                throw SchemaError(.usage, "--merged needs the host's base schema (prisma/schema.prisma, the folder prisma/schema, or --base)")
            }
            let applied = try registry.withRegistry(root: options.rootURL, readOnly: true) { registry in
                options.warnOnProviderMismatch(registry.database.dialect)
                return try registry.appliedEntities(trustedKeys: trustedKeys)
            }
            if out == "-" {
                console.out(PrismaArtifacts.fragment(applied.map(\.structure), host: fragment.parseHost(baseText)))
                if let written = try fragment.writeMerged(applied, baseText: baseText) { console.err("wrote \(written.path)") }
            } else {
                if let out { fragment.url = URL(fileURLWithPath: out).standardizedFileURL }
                let written = try fragment.write(applied, baseText: baseText)
                console.out("wrote \(written.url.path) (\(written.models) models)")
                if let merged = written.merged { console.out("wrote \(merged.path)") }
            }
        }
    }
}
