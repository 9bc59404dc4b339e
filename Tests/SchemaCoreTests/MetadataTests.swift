import Foundation
import SchemaCore
import Testing

@Suite struct MetadataTests {
    func load(metadata: String, schemaPath: String = "packages/shop/seed/schema/entities.yaml", setUp: (URL) -> Void = { _ in }) -> Workspace {
        TestSupport.withTemporaryDirectory { root in
            TestSupport.write(TestSupport.simpleEntities, to: schemaPath, in: root)
            TestSupport.write(metadata, to: "packages/shop/seed/metadata.json", in: root)
            setUp(root)
            return WorkspaceLoader(root: root).load()
        }
    }

    @Test func theIdentitySourceIsReadFromTheWorkspaceConfiguration() {
        let signed = load(metadata: #"{"packageId": "shop"}"#) { TestSupport.write(#"{"identity": "signed"}"#, to: "schema.config.json", in: $0) }
        #expect(signed.configuration.identity == .signed)
        #expect(DesiredState.resolve(signed).identity == .signed)
        let wrong = load(metadata: #"{"packageId": "shop"}"#) { TestSupport.write(#"{"identity": "trust-me"}"#, to: "schema.config.json", in: $0) }
        #expect(wrong.diagnostics.contains { $0.code == .metadataInvalid && $0.message.contains("'identity' must be one of \"settings\", \"signed\"") }, "\(wrong.diagnostics)")
        #expect(load(metadata: #"{"packageId": "shop"}"#).configuration.identity == .settings)
    }

    @Test func declaredSchemaLoadsCleanly() {
        let workspace = load(metadata: #"{"packageId": "shop", "schema": {"entities": ["Note"], "path": "schema/entities.yaml"}}"#)
        #expect(workspace.diagnostics.isEmpty, "\(workspace.diagnostics)")
        #expect(workspace.package("shop")?.entities.map(\.name) == ["Note"])
    }

    @Test func customPathInsideThePackageIsFollowed() {
        let workspace = load(metadata: #"{"packageId": "shop", "schema": {"entities": ["Note"], "path": "db/model.yaml"}}"#,
                             schemaPath: "packages/shop/seed/db/model.yaml")
        #expect(workspace.diagnostics.isEmpty, "\(workspace.diagnostics)")
        #expect(workspace.package("shop")?.schemaFile == "packages/shop/seed/db/model.yaml")
    }

    @Test func packageIdMustMatchTheFolder() {
        let workspace = load(metadata: "{\n  \"packageId\": \"store\",\n  \"schema\": {\"entities\": [\"Note\"], \"path\": \"schema/entities.yaml\"}\n}")
        let diagnostic = workspace.diagnostics.first { $0.code == .metadataPackageIdMismatch }
        #expect(diagnostic?.location == SourceLocation(file: "packages/shop/seed/metadata.json", line: 2, column: 3))
    }

    @Test func entityListMustMatchTheFile() {
        let workspace = load(metadata: #"{"packageId": "shop", "schema": {"entities": ["Note", "Ghost"], "path": "schema/entities.yaml"}}"#)
        // The loader reads metadata.json; the validator compares it with the schema file.
        #expect(!workspace.diagnostics.contains { $0.code == .metadataEntitiesMismatch })
        let messages = Validator.validate(workspace).diagnostics.filter { $0.code == .metadataEntitiesMismatch }.map(\.message)
        #expect(messages.count == 1)
        #expect(messages.first?.contains("Ghost") == true)
        let extra = load(metadata: #"{"packageId": "shop", "schema": {"entities": [], "path": "schema/entities.yaml"}}"#)
        #expect(Validator.validate(extra).diagnostics.contains { $0.code == .metadataEntitiesMismatch && $0.message.contains("defines Note") })
    }

    @Test(arguments: ["../../etc/passwd", "/etc/passwd", "schema/../../../outside.yaml", "~/x.yaml"])
    func pathsLeavingThePackageAreRefused(_ path: String) {
        let workspace = load(metadata: #"{"packageId": "shop", "schema": {"entities": ["Note"], "path": "\#(path)"}}"#)
        #expect(workspace.diagnostics.contains { $0.code == .metadataPathEscapes }, "\(workspace.diagnostics)")
        #expect(workspace.package("shop") == nil)
    }

    @Test func symlinkEscapingThePackageIsRefused() {
        let workspace = load(metadata: #"{"packageId": "shop", "schema": {"entities": ["Note"], "path": "schema/link.yaml"}}"#) { root in
            TestSupport.write(TestSupport.simpleEntities, to: "outside/secret.yaml", in: root)
            try? FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("packages/shop/seed/schema/link.yaml").path,
                                                        withDestinationPath: root.appendingPathComponent("outside/secret.yaml").path)
        }
        #expect(workspace.diagnostics.contains { $0.code == .metadataPathEscapes }, "\(workspace.diagnostics)")
        #expect(workspace.package("shop") == nil)
    }

    @Test func undeclaredSchemaIsAWarningAndStillLoads() {
        let workspace = load(metadata: #"{"packageId": "shop"}"#)
        #expect(Validator.validate(workspace).diagnostics.map(\.code) == [.metadataSchemaUndeclared])
        #expect(workspace.package("shop") != nil)
    }

    @Test func packagesWithoutSchemaAreSkippedSilently() {
        TestSupport.withTemporaryDirectory { root in
            TestSupport.write(#"{"packageId": "plain"}"#, to: "packages/plain/seed/metadata.json", in: root)
            let workspace = WorkspaceLoader(root: root).load()
            #expect(workspace.packages.isEmpty)
            #expect(workspace.diagnostics.isEmpty)
        }
    }

    @Test func brokenMetadataJSONIsADiagnostic() {
        let workspace = load(metadata: "{ not json")
        #expect(workspace.diagnostics.contains { $0.code == .metadataInvalid })
    }

    @Test func unknownPackageGetsASuggestion() {
        TestSupport.withTemporaryDirectory { root in
            TestSupport.write(TestSupport.simpleEntities, to: "packages/shop/seed/schema/entities.yaml", in: root)
            let workspace = WorkspaceLoader(root: root).load(selected: ["shp"])
            #expect(workspace.diagnostics.first?.code == .packageNotFound)
            #expect(workspace.diagnostics.first?.hint == "did you mean 'shop'?")
        }
    }
}
