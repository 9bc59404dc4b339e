import ArgumentParser
import SchemaCore

/// `schema validate [PACKAGE...]`: every rule, across packages and against the host schema.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate package schemas, check packages against each other and against the host schema.",
        discussion: "Exit 0 when there are no errors (warnings allowed), 1 when there are.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "Packages to validate (default: all). Cross-package checks still see every package.")
    var packages: [String] = []

    func run() async throws {
        let console = Console.current
        try runReportingErrors { try options.requireWorkspace() }
        // Cross-package and relation checks need every package, even when only some are reported on.
        var workspace = options.loadWorkspace()
        if !packages.isEmpty {
            let selection = options.loadWorkspace(selected: packages)
            workspace.diagnostics += selection.diagnostics.filter { $0.code == .packageNotFound }
        }
        var report = Validator.validate(workspace)
        if !packages.isEmpty {
            let files = Set(workspace.packages.filter { packages.contains($0.packageId) }.map(\.schemaFile))
            let selected = Set(packages)
            report.diagnostics = report.diagnostics.filter { diagnostic in
                diagnostic.code == .packageNotFound || files.contains(diagnostic.location.file)
                    || packages.contains { diagnostic.location.file.hasPrefix("packages/\($0)/") }
            }
            report.definitions = report.definitions.filter { selected.contains($0.packageId) }
            report.packages = report.packages.filter { selected.contains($0) }
            report.shared = report.shared.filter { !selected.isDisjoint(with: $0.packages) }
            report.hostOverlaps = report.hostOverlaps.filter { !selected.isDisjoint(with: $0.packages) }
        }
        if options.json {
            console.out(JSONOutput.encode(ValidateJSON(report)))
        } else {
            printHuman(report, console: console)
        }
        if report.hasErrors { throw ExitCode.failure }
    }

    func printHuman(_ report: ValidationReport, console: Console) {
        console.printDiagnostics(report.diagnostics, root: options.rootURL)
        for shared in report.shared {
            console.out("shared: \(shared.name) \(shared.checksum.short) is defined identically by \(shared.packages.joined(separator: ", "))")
        }
        for overlap in report.hostOverlaps {
            console.out("host model: \(overlap.name) (\(overlap.packages.joined(separator: ", "))) \(overlap.isCompatible ? "matches the host model" : "differs from the host model")")
        }
        let errors = report.diagnostics.filter { $0.severity == .error }.count
        let warnings = report.diagnostics.count - errors
        let unique = Set(report.definitions.map(\.entity.name)).count
        let status = errors == 0 ? console.paint("ok", .green) : console.paint("failed", .red)
        console.out("\(status): \(report.packages.count) packages, \(report.definitions.count) entity definitions (\(unique) distinct), "
                    + "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
    }
}

/// `validate --json`.
struct ValidateJSON: Encodable {
    struct EntityJSON: Encodable { var name: String; var package: String; var checksum: String }
    struct SharedJSON: Encodable { var name: String; var packages: [String]; var checksum: String }
    struct OverlapJSON: Encodable { var name: String; var packages: [String]; var compatible: Bool; var differences: [String] }
    struct SummaryJSON: Encodable { var packages: Int; var entities: Int; var errors: Int; var warnings: Int }

    var packages: [String]
    var entities: [EntityJSON]
    var shared: [SharedJSON]
    var hostOverlaps: [OverlapJSON]
    var diagnostics: [JSONOutput.DiagnosticJSON]
    var summary: SummaryJSON

    init(_ report: ValidationReport) {
        packages = report.packages
        entities = report.definitions.map { EntityJSON(name: $0.entity.name, package: $0.packageId, checksum: $0.checksum.hex) }
        shared = report.shared.map { SharedJSON(name: $0.name, packages: $0.packages, checksum: $0.checksum.hex) }
        hostOverlaps = report.hostOverlaps.map { OverlapJSON(name: $0.name, packages: $0.packages, compatible: $0.isCompatible, differences: $0.differences) }
        diagnostics = report.diagnostics.map(JSONOutput.DiagnosticJSON.init)
        let errors = report.diagnostics.filter { $0.severity == .error }.count
        summary = SummaryJSON(packages: packages.count, entities: entities.count, errors: errors, warnings: report.diagnostics.count - errors)
    }
}
