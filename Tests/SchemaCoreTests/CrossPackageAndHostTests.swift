import SchemaCore
import Testing

@Suite struct CrossPackageAndHostTests {
    static let shared = """
        entities:
          - name: Setting
            fields:
              id: { type: cuid, primary: true }
              key: { type: string, unique: true }
              value: { type: json, nullable: true }
        """

    func workspace(_ files: [(String, String)], host: PrismaSchema? = TestSupport.hostSchema) -> Workspace {
        var diagnostics: [Diagnostic] = []
        let packages = files.map { id, yaml in
            let file = "packages/\(id)/seed/schema/entities.yaml"
            let parsed = EntitiesFileParser.parse(yaml, file: file)
            diagnostics += parsed.diagnostics
            return PackageSchema(packageId: id, schemaFile: file, entities: parsed.entities)
        }
        return Workspace(packages: packages, baseSchema: host, diagnostics: diagnostics)
    }

    @Test func identicalDefinitionsAreShared() {
        let reformatted = Self.shared.replacingOccurrences(of: "      value: { type: json, nullable: true }", with: "      value:\n        nullable: true\n        type: Json")
        let report = Validator.validate(workspace([("alpha", Self.shared), ("beta", reformatted)]))
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
        #expect(report.shared.map(\.name) == ["Setting"])
        #expect(report.shared.first?.packages == ["alpha", "beta"])
    }

    @Test func differingDefinitionsConflictWithFieldLevelDifferences() {
        let other = Self.shared.replacingOccurrences(of: "      value: { type: json, nullable: true }", with: "      value: { type: string }\n      scope: { type: string }")
        let report = Validator.validate(workspace([("alpha", Self.shared), ("beta", other)]))
        let conflicts = report.diagnostics.filter { $0.code == .crossPackageConflict }
        #expect(conflicts.count == 2)
        #expect(Set(conflicts.map(\.location.file)) == ["packages/alpha/seed/schema/entities.yaml", "packages/beta/seed/schema/entities.yaml"])
        let message = conflicts.first?.text ?? ""
        #expect(conflicts.first?.details.count == 3, "one detail per difference")
        #expect(message.contains("beta has `scope: string`, alpha lacks it"))
        #expect(message.contains("`value`: type is json in alpha, string in beta"))
        #expect(message.contains("`value`: optional in alpha, required in beta"))
    }

    @Test func hostModelOverlapCompatibleAndConflicting() {
        let same = """
            entities:
              - name: Tenant
                fields:
                  id: { type: string, primary: true }
                  name: { type: string }
            """
        let report = Validator.validate(workspace([("tenants", same)]))
        #expect(report.diagnostics.map(\.code) == [.hostModelOverlap])
        #expect(report.hostOverlaps.first?.isCompatible == true)

        let different = same.replacingOccurrences(of: "name: { type: string }", with: "name: { type: string, nullable: true }\n      slug: { type: string }")
        let conflict = Validator.validate(workspace([("tenants", different)]))
        #expect(conflict.diagnostics.map(\.code) == [.hostModelConflict])
        #expect(conflict.diagnostics.first?.text.contains("`name`: optional in tenants, required in the host model") == true)
        #expect(conflict.diagnostics.first?.text.contains("tenants has `slug: String`, the host model lacks it") == true)
    }

    @Test func relationsAcrossPackagesResolve() {
        let owner = "entities:\n  - name: Board\n    fields:\n      id: { type: cuid, primary: true }\n"
        let child = """
            entities:
              - name: Pin
                fields:
                  id: { type: cuid, primary: true }
                  boardId: { type: string }
                relations:
                  - { name: board, type: belongsTo, entity: Board, field: boardId }
            """
        #expect(Validator.validate(workspace([("boards", owner), ("pins", child)])).diagnostics.isEmpty)
        #expect(Validator.validate(workspace([("pins", child)])).diagnostics.map(\.code) == [.relationTargetUnknown])
    }
}
