public import Foundation

extension PrismaSchema {
    /// The files of a schema folder, as Prisma reads one (`prismaSchemaFolder`, or a config's
    /// `schema` naming a folder): every `.prisma` file in it and below, in path order, except the
    /// fragment and merged schema this tool writes.
    public static func folderFiles(_ folder: URL) -> [URL] {
        let generated: Set<String> = ["generated-from-packages.prisma", "merged.prisma"]
        return (FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? [])
            .filter { $0.pathExtension == "prisma" && !generated.contains($0.lastPathComponent) }
            .sorted { $0.path < $1.path }
    }

    /// The text of a schema folder as one schema: each of ``folderFiles(_:)`` after a comment
    /// naming it, in path order (the parts of one schema, as Prisma joins them). What the Prisma
    /// fragment's fingerprint covers and a merged schema is written from. Nil when the folder has
    /// no readable file.
    public static func folderText(_ folder: URL) -> String? {
        let parts = folderFiles(folder).compactMap { url in
            (try? String(contentsOf: url, encoding: .utf8)).map { "// \(url.path.dropFirst(folder.path.count + 1))\n" + $0 }
        }
        return parts.isEmpty ? nil : parts.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }.joined(separator: "\n")
    }

    /// The schema of a folder: each of ``folderFiles(_:)`` read by `read` (nil for a file that
    /// could not be) and joined into one, named `file`.
    public static func folder(_ folder: URL, file: String, read: (URL) -> PrismaSchema?) -> PrismaSchema {
        var schema = PrismaSchema(file: file)
        for part in folderFiles(folder).compactMap(read) { schema.absorb(part) }
        return schema
    }

    /// Adds one file of a multi-file schema: its models and enums; the datasource's settings from
    /// the file that declares them.
    mutating func absorb(_ part: PrismaSchema) {
        provider = provider ?? part.provider
        relationMode = relationMode ?? part.relationMode
        if schemas.isEmpty { schemas = part.schemas }
        models += part.models
        enums += part.enums
        enumValues.merge(part.enumValues) { first, _ in first }
        enumTypeMaps.merge(part.enumTypeMaps) { first, _ in first }
        enumSchemas.merge(part.enumSchemas) { first, _ in first }
        enumValueMaps.merge(part.enumValueMaps) { first, _ in first }
    }
}
