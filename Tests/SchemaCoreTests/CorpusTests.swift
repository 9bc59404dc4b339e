import Foundation
import SchemaCore
import Testing

/// The real MetaBuilder corpus in `../shared`. Skipped, with the reason printed, when it is absent.
@Suite struct CorpusTests {
    static let corpusPresent = TestSupport.corpus != nil

    init() {
        if !Self.corpusPresent { print("CorpusTests skipped: ../shared/corpus/metabuilder is not beside the project (a user's clone)") }
    }

    @Test(.enabled(if: corpusPresent, "../shared/corpus/metabuilder is absent"))
    func everyFileParsesAndTheConflictIsFound() throws {
        let root = try #require(TestSupport.corpus)
        let workspace = WorkspaceLoader(root: root).load()
        #expect(workspace.packages.count == 20)
        #expect(workspace.packages.reduce(0) { $0 + $1.entities.count } == 60)
        let report = Validator.validate(workspace)
        let parseCodes: Set<DiagnosticCode> = [.yamlSyntax, .wrongShape, .missingKey, .unknownKey, .unknownFieldType, .unreadableFile]
        #expect(report.diagnostics.filter { parseCodes.contains($0.code) }.isEmpty, "\(report.diagnostics)")
        let conflicts = report.diagnostics.filter { $0.code == .crossPackageConflict }
        #expect(conflicts.count == 2)
        #expect(conflicts.allSatisfy { $0.message.contains("ValidationRule") && $0.message.contains("json_script_example") && $0.message.contains("package_validator") })
        #expect(report.hostOverlaps.count >= 10)
        #expect(report.hostOverlaps.contains { $0.name == "AuditLog" && $0.isCompatible })
        #expect(report.hostOverlaps.contains { $0.name == "Notification" && !$0.isCompatible })
        #expect(report.hasErrors)
    }

    /// The corpus without package_validator, the package on the wrong side of the ValidationRule conflict.
    func corpusWithoutPackageValidator() throws -> Workspace {
        var workspace = WorkspaceLoader(root: try #require(TestSupport.corpus)).load()
        workspace.packages.removeAll { $0.packageId == "package_validator" }
        workspace.diagnostics.removeAll { $0.location.file.hasPrefix("packages/package_validator/") }
        return workspace
    }

    @Test(.enabled(if: corpusPresent, "../shared/corpus/metabuilder is absent"))
    func reducedHostAndNoPackageValidatorIsValid() throws {
        var workspace = try corpusWithoutPackageValidator()
        workspace.baseSchema = TestSupport.hostSchema
        let report = Validator.validate(workspace)
        #expect(!report.hasErrors, "\(report.diagnostics.filter { $0.severity == .error })")
    }

    /// The real host schema without the 19 models that packages also define (the host keeps its
    /// 63 core models), and without package_validator: no conflicts are left.
    @Test(.enabled(if: corpusPresent, "../shared/corpus/metabuilder is absent"))
    func realHostWithoutPackageModelsAndNoPackageValidatorIsValid() throws {
        var workspace = try corpusWithoutPackageValidator()
        let packageEntities = Set(workspace.packages.flatMap { $0.entities.map(\.name) })
        workspace.baseSchema?.models.removeAll { packageEntities.contains($0.name) }
        #expect(workspace.baseSchema?.models.count == 63)
        let report = Validator.validate(workspace)
        #expect(!report.hasErrors, "\(report.diagnostics.filter { $0.severity == .error })")
        #expect(report.hostOverlaps.isEmpty)
    }

    @Test(.enabled(if: corpusPresent, "../shared/corpus/metabuilder is absent"))
    func hostSchemaParsesCleanly() throws {
        let root = try #require(TestSupport.corpus)
        let text = try String(contentsOf: root.appendingPathComponent("prisma/schema.prisma"), encoding: .utf8)
        let (schema, diagnostics) = PrismaSchemaParser.parse(text, file: "prisma/schema.prisma")
        #expect(diagnostics.isEmpty)
        #expect(schema.models.count == 82)
        #expect(schema.provider == "sqlite")
        #expect(schema.model(named: "User")?.primaryKey == ["id"])
    }
}
