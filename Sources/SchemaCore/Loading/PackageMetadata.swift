public import Foundation

/// What the tool reads from `seed/metadata.json`.
public struct PackageMetadata: Hashable, Sendable {
    /// `packageId`, when present.
    public var packageId: String?
    /// The `schema` block, when present.
    public var schema: SchemaExport?

    /// `schema: { entities: [...], path: "schema/entities.yaml" }`.
    public struct SchemaExport: Hashable, Sendable {
        /// The entity names the package says it exports.
        public var entities: [String]
        /// The schema file, relative to `seed/`.
        public var path: String
    }

    /// Parses metadata.json text. Problems are diagnostics located at the offending key.
    public static func parse(_ data: Data, file: String) -> (metadata: PackageMetadata?, diagnostics: [Diagnostic]) {
        let text = String(decoding: data, as: UTF8.self)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            return (nil, [.error(.metadataInvalid, "metadata.json is not valid JSON: \(Self.reason(of: error))", at: .start(of: file))])
        }
        guard let dictionary = object as? [String: Any] else {
            return (nil, [.error(.metadataInvalid, "metadata.json must be a JSON object", at: .start(of: file))])
        }
        var diagnostics: [Diagnostic] = []
        var metadata = PackageMetadata()
        if let packageId = dictionary["packageId"] {
            if let id = packageId as? String {
                metadata.packageId = id
            } else {
                diagnostics.append(.error(.metadataInvalid, "'packageId' must be a string", at: JSONKeyLocator.locate("packageId", in: text, file: file)))
            }
        }
        if let schema = dictionary["schema"] {
            let location = JSONKeyLocator.locate("schema", in: text, file: file)
            guard let block = schema as? [String: Any] else {
                diagnostics.append(.error(.metadataInvalid, "'schema' must be an object with 'entities' and 'path'", at: location))
                return (metadata, diagnostics)
            }
            let entities = block["entities"] as? [Any] ?? []
            let names = entities.compactMap { $0 as? String }
            if block["entities"] == nil || names.count != entities.count {
                diagnostics.append(.error(.metadataInvalid, "'schema.entities' must be a list of entity names", at: location))
            }
            var path = "schema/entities.yaml"
            if let declared = block["path"] {
                if let text = declared as? String {
                    path = text
                } else {
                    diagnostics.append(.error(.metadataInvalid, "'schema.path' must be a string", at: location))
                }
            }
            metadata.schema = SchemaExport(entities: names, path: path)
        }
        return (metadata, diagnostics)
    }

    static func reason(of error: any Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }
}

/// Finds where a key is written in JSON text, since JSONSerialization keeps no positions.
enum JSONKeyLocator {
    static func locate(_ key: String, in text: String, file: String) -> SourceLocation {
        let needle = "\"\(key)\""
        var line = 1
        for (offset, lineText) in SourceText.lines(text).enumerated() {
            line = offset + 1
            if let range = lineText.range(of: needle) {
                return SourceLocation(file: file, line: line, column: lineText.distance(from: lineText.startIndex, to: range.lowerBound) + 1)
            }
        }
        return .start(of: file)
    }
}
