import Foundation
import SchemaCLI
import Testing

/// The shipped JSON Schema: generated from the validator's tables, documented on every key,
/// accepted by an independent validator (Python's jsonschema) for every real file, and in
/// agreement with `schema validate` about what is a shape error.
@Suite struct JSONSchemaTests {
    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL
    static let python = checkout.appendingPathComponent(".venv-tools/bin/python")
    static let corpus = checkout.appendingPathComponent("../shared/corpus/metabuilder").standardizedFileURL

    static func generated(_ arguments: [String] = []) async -> String {
        await SchemaCommand.capture(["json-schema"] + arguments).stdout
    }

    @Test func theShippedFilesAreTheGeneratedOnes() async throws {
        for (file, arguments) in [("schemas/entities.schema.json", []), ("schemas/metadata.schema.json", ["--metadata"])] {
            let shipped = try String(contentsOf: Self.checkout.appendingPathComponent(file), encoding: .utf8)
            #expect(shipped == (await Self.generated(arguments)), "\(file) is stale: run `schema json-schema\(arguments.isEmpty ? "" : " --metadata") --out \(file)`")
        }
    }

    @Test func everyKeyHasADescriptionAndTypesAreAnEnum() async throws {
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(await Self.generated().utf8)) as? [String: Any])
        let definitions = try #require(schema["$defs"] as? [String: [String: Any]])
        var undocumented: [String] = []
        for (name, definition) in definitions {
            for (key, property) in definition["properties"] as? [String: [String: Any]] ?? [:] where property["description"] == nil {
                undocumented.append("\(name).\(key)")
            }
        }
        #expect(undocumented.isEmpty, "keys without a description: \(undocumented.sorted())")
        // The spellings, or an enum declared under `enums:` (PascalCase, Prisma's convention, which validation holds to).
        let typeAlternatives = ((definitions["field"]?["properties"] as? [String: Any])?["type"] as? [String: Any])?["anyOf"] as? [[String: Any]]
        let fieldType = typeAlternatives?.first?["enum"] as? [String]
        #expect(typeAlternatives?.last?["pattern"] as? String == "^[A-Z][A-Za-z0-9_]*$")
        #expect(fieldType?.contains("datetime") == true && fieldType?.contains("DateTime") == true, "seed and Prisma spellings")
        let onDelete = ((definitions["relation"]?["properties"] as? [String: Any])?["onDelete"] as? [String: Any])?["enum"] as? [String]
        #expect(onDelete == ["Cascade", "Restrict", "NoAction", "SetNull", "SetDefault"])
    }

    /// Runs the independent validator on `files`; returns the paths it found invalid.
    static func invalidFiles(_ files: [URL], schema: String) throws -> [String] {
        let script = """
            import json, sys, yaml, jsonschema
            validator = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
            for path in sys.argv[2:]:
                document = json.load(open(path)) if path.endswith(".json") else yaml.safe_load(open(path))
                if any(True for _ in validator.iter_errors(document)):
                    print(path)
            """
        let (status, output) = try ChildProcess.run(python.path, ["-c", script, checkout.appendingPathComponent(schema).path] + files.map(\.path))
        try #require(status == 0, "the validator failed: \(output)")
        return output.split(separator: "\n").map(String.init)
    }

    static var validatorAvailable: Bool { FileManager.default.isExecutableFile(atPath: python.path) }

    static func files(named name: String, under root: URL) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        var found: [URL] = []
        while let url = enumerator?.nextObject() as? URL {
            if url.lastPathComponent == name { found.append(url) }
        }
        return found.sorted { $0.path < $1.path }
    }

    @Test(.enabled(if: validatorAvailable, ".venv-tools is not installed (scripts/tools-venv.sh, which .ci/run runs)"))
    func everyExampleAndCorpusFileIsValid() throws {
        var roots = [Self.checkout.appendingPathComponent("Examples/workspace")]
        if FileManager.default.fileExists(atPath: Self.corpus.path) {
            roots.append(Self.corpus)
        } else {
            print("corpus part skipped: \(Self.corpus.path) is absent")
        }
        let entities = roots.flatMap { Self.files(named: "entities.yaml", under: $0) }
        let metadata = roots.flatMap { Self.files(named: "metadata.json", under: $0) }
        #expect(entities.count >= 3)
        #expect(try Self.invalidFiles(entities, schema: "schemas/entities.schema.json") == [])
        #expect(try Self.invalidFiles(metadata, schema: "schemas/metadata.schema.json") == [])
    }

    /// Broken files and the shape error `schema validate` reports for each.
    static let broken: [(name: String, yaml: String, code: String)] = [
        ("unknown entity key", "entities:\n  - name: A\n    colour: red\n    fields:\n      id: { type: cuid, primary: true }\n", "E010"),
        ("unknown field type", "entities:\n  - name: A\n    fields:\n      id: { type: cuid, primary: true }\n      n: { type: strnig }\n", "E012"),
        ("unknown field key", "entities:\n  - name: A\n    fields:\n      id: { type: cuid, primary: true, lenght: 5 }\n", "E010"),
        ("field without a type", "entities:\n  - name: A\n    fields:\n      id: { primary: true }\n", "E005"),
        ("unknown relation type", "entities:\n  - name: A\n    fields:\n      id: { type: cuid, primary: true }\n    relations:\n      - { name: b, type: hasOne, entity: A, field: id }\n", "E036"),
        ("unknown referential action", "entities:\n  - name: A\n    fields:\n      id: { type: cuid, primary: true }\n      pid: { type: string }\n    relations:\n      - { name: p, type: belongsTo, entity: A, field: pid, onDelete: Destroy }\n", "E037"),
        ("unknown ACL operation", "entities:\n  - name: A\n    fields:\n      id: { type: cuid, primary: true }\n    acl:\n      write: [user]\n", "E040"),
        ("entity without a name", "entities:\n  - fields:\n      id: { type: cuid, primary: true }\n", "E005"),
        ("fields as a string", "entities:\n  - name: A\n    fields: id\n", "E004"),
        ("index without fields", "entities:\n  - name: A\n    fields:\n      id: { type: cuid, primary: true }\n    indexes:\n      - { unique: true }\n", "E005"),
    ]

    @Test(.enabled(if: validatorAvailable, ".venv-tools is not installed (scripts/tools-venv.sh, which .ci/run runs)"))
    func theSchemaAndTheValidatorAgreeOnShapeErrors() async throws {
        var files: [URL] = []
        for case let (offset, (name, yaml, code)) in Self.broken.enumerated() {
            let root = CLITests.makeWorkspace(["packages/broken/seed/schema/entities.yaml": yaml])
            let result = await SchemaCommand.capture(["validate", "broken", "--root", root.path, "--json"])
            #expect(result.exitCode == 1, "\(name)")
            #expect(result.stdout.contains("\"code\" : \"\(code)\""), "\(name): schema validate did not report \(code): \(result.stdout)")
            let copy = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(offset)-\(UUID().uuidString).yaml")
            try yaml.write(to: copy, atomically: true, encoding: .utf8)
            files.append(copy)
        }
        let invalid = Set(try Self.invalidFiles(files, schema: "schemas/entities.schema.json"))
        for (file, entry) in zip(files, Self.broken) {
            #expect(invalid.contains(file.path), "the JSON Schema accepts a file with \(entry.name)")
        }
        let valid = FileManager.default.temporaryDirectory.appendingPathComponent("valid-\(UUID().uuidString).yaml")
        try "entities:\n  - name: A\n    fields:\n      - { name: id, type: String, primary: true }\n    acl:\n      read: [public, tenant_admin]\n".write(to: valid, atomically: true, encoding: .utf8)
        #expect(try Self.invalidFiles([valid], schema: "schemas/entities.schema.json") == [], "list-form fields, Prisma spellings and an extra role are fine")
    }
}
