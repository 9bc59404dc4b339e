/// Rules tying `seed/metadata.json` to the schema file it exports.
enum MetadataRules {
    static func check(_ package: PackageSchema) -> [Diagnostic] {
        // Packages built in memory (tests, tools) have no manifest to compare with.
        guard let manifest = package.manifest else { return [] }
        guard let exported = manifest.exportedEntities else {
            let location = manifest.file.map(SourceLocation.start(of:)) ?? .start(of: package.schemaFile)
            return [.warning(.metadataSchemaUndeclared, "\(package.schemaFile) is not declared in metadata.json",
                             hint: "add \"schema\": { \"entities\": [\(package.entities.map { "\"\($0.name)\"" }.joined(separator: ", "))], \"path\": \"schema/entities.yaml\" }",
                             at: location)]
        }
        let declared = Set(exported)
        let defined = Set(package.entities.map(\.name))
        var diagnostics: [Diagnostic] = []
        // Entities the file failed to declare are already reported where the file is broken.
        let missing = package.hadReadErrors ? [] : declared.subtracting(defined).sorted()
        let extra = defined.subtracting(declared).sorted()
        if !missing.isEmpty {
            diagnostics.append(.error(.metadataEntitiesMismatch,
                                      "metadata.json lists \(missing.joined(separator: ", ")), which \(package.schemaFile) does not define",
                                      hint: "remove \(missing.count == 1 ? "it" : "them") from schema.entities or define \(missing.count == 1 ? "it" : "them")",
                                      at: manifest.entitiesLocation))
        }
        if !extra.isEmpty {
            diagnostics.append(.error(.metadataEntitiesMismatch,
                                      "\(package.schemaFile) defines \(extra.joined(separator: ", ")), which metadata.json does not list",
                                      hint: "add \(extra.count == 1 ? "it" : "them") to schema.entities", at: manifest.entitiesLocation))
        }
        return diagnostics
    }
}
