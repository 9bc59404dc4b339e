import Foundation
import SchemaCore
import Testing

/// A mistake is reported once, where it is: what merely follows from it (a field that "does not
/// exist" because its type was misspelled, entities "missing" from a file that did not parse) is not.
@Suite struct FollowOnDiagnosticTests {
    @Test func aMisspelledTypeIsOneErrorNotAlsoAMissingFieldInIndexesRelationsAndRules() {
        let report = TestSupport.validate("""
            entities:
              - name: MediaItem
                fields:
                  id: { type: cuid, primary: true }
                  mimeType: { type: Strnig }
                  ownerId: { type: sting }
                indexes:
                  - fields: [mimeType]
                relations:
                  - { name: owner, type: belongsTo, entity: User, field: ownerId }
                acl:
                  read: [self]
                  rowLevel: "ownerId = $user.id"
            """)
        #expect(report.diagnostics.map(\.code.rawValue) == ["E012", "E012"], "\(report.diagnostics)")
        #expect(report.diagnostics.first?.hint == "did you mean 'string'?")
    }

    @Test func aMisspelledKeyTypeDoesNotAlsoSayThereIsNoPrimaryKey() {
        let report = TestSupport.validate("""
            entities:
              - name: Tag
                fields:
                  id: { type: cuidd, primary: true }
                  label: { type: string }
            """)
        #expect(report.diagnostics.map(\.code.rawValue) == ["E012"], "\(report.diagnostics)")
    }

    @Test func aFieldThatReallyIsMissingIsStillReported() {
        let report = TestSupport.validate("""
            entities:
              - name: MediaItem
                fields:
                  id: { type: cuid, primary: true }
                  mimeType: { type: string }
                indexes:
                  - fields: [mimeTyp]
            """)
        #expect(report.diagnostics.map(\.code.rawValue) == ["E030"], "\(report.diagnostics)")
    }

    @Test func aBrokenYAMLFileIsReportedAloneNotAsEntitiesMissingFromMetadata() {
        TestSupport.withTemporaryDirectory { root in
            TestSupport.write(#"{"packageId": "media", "schema": {"entities": ["MediaItem", "Tag"], "path": "schema/entities.yaml"}}"#,
                           to: "packages/media/seed/metadata.json", in: root)
            TestSupport.write("entities:\n  - name: [unclosed\n", to: "packages/media/seed/schema/entities.yaml", in: root)
            let report = Validator.validate(WorkspaceLoader(root: root).load())
            #expect(report.diagnostics.map(\.code.rawValue) == ["E003"], "\(report.diagnostics)")

            // Once the file parses, the metadata check speaks again.
            TestSupport.write(TestSupport.simpleEntities, to: "packages/media/seed/schema/entities.yaml", in: root)
            let fixed = Validator.validate(WorkspaceLoader(root: root).load())
            #expect(fixed.diagnostics.contains { $0.code == .metadataEntitiesMismatch }, "\(fixed.diagnostics)")
        }
    }
}
