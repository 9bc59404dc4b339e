/// Rules tying `seed/metadata.json` to the schema file it exports.
enum MetadataRules {
    static func check(package: PackageSchema, metadata: PackageMetadata?, metadataFile: String, metadataText: String) -> [Diagnostic] {
        guard let export = metadata?.schema else {
            let location = metadata == nil ? SourceLocation.start(of: package.schemaFile) : .start(of: metadataFile)
            return [.warning(.metadataSchemaUndeclared, "\(package.schemaFile) is not declared in metadata.json",
                             hint: "add \"schema\": { \"entities\": [\(package.entities.map { "\"\($0.name)\"" }.joined(separator: ", "))], \"path\": \"schema/entities.yaml\" }",
                             at: location)]
        }
        let declared = Set(export.entities)
        let defined = Set(package.entities.map(\.name))
        let location = JSONKeyLocator.locate("entities", in: metadataText, file: metadataFile)
        var diagnostics: [Diagnostic] = []
        let missing = declared.subtracting(defined).sorted()
        let extra = defined.subtracting(declared).sorted()
        if !missing.isEmpty {
            diagnostics.append(.error(.metadataEntitiesMismatch,
                                      "metadata.json lists \(missing.joined(separator: ", ")), which \(package.schemaFile) does not define",
                                      hint: "remove \(missing.count == 1 ? "it" : "them") from schema.entities or define \(missing.count == 1 ? "it" : "them")", at: location))
        }
        if !extra.isEmpty {
            diagnostics.append(.error(.metadataEntitiesMismatch,
                                      "\(package.schemaFile) defines \(extra.joined(separator: ", ")), which metadata.json does not list",
                                      hint: "add \(extra.count == 1 ? "it" : "them") to schema.entities", at: location))
        }
        return diagnostics
    }
}
