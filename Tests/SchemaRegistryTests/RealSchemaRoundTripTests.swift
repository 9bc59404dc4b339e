import Foundation
import SchemaCore
import SchemaRegistry
import Testing

/// The real MetaBuilder host schema (82 models), written as one package by `PrismaImport`, applied
/// to both databases, generated back, and compared with the original model by model, by meaning:
/// field order of the columns, each field's type and attributes, relations with their names, keys
/// and actions (Prisma's defaults filled in), unique and plain indexes. Only what the README lists
/// as limits may differ (relation fields are written after the columns; comments are not kept).
@Suite struct RealSchemaRoundTripTests {
    static let schemaFile: URL? = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../shared/corpus/metabuilder/prisma/schema.prisma").standardizedFileURL
        if FileManager.default.fileExists(atPath: url.path) { return url }
        print("RealSchemaRoundTripTests skipped: ../shared/corpus/metabuilder is not beside the project (a user's clone)")
        return nil
    }()

    /// A model by meaning.
    struct Meaning: Equatable, CustomStringConvertible {
        var columns: [String] = []
        var relations: Set<String> = []
        var uniques: Set<[String]> = []
        var indexes: Set<[String]> = []
        var description: String {
            "columns \(columns)\nrelations \(relations.sorted())\nuniques \(uniques.map { $0.joined(separator: ",") }.sorted())\nindexes \(indexes.map { $0.joined(separator: ",") }.sorted())"
        }
    }

    static func meanings(_ schema: PrismaSchema) -> [String: Meaning] {
        var result: [String: Meaning] = [:]
        for model in schema.models {
            var meaning = Meaning()
            for field in model.fields {
                let type = field.type + (field.isList ? "[]" : field.isOptional ? "?" : "")
                if field.isScalar {
                    var attributes: [String] = []
                    for attribute in field.attributes {
                        switch attribute.name {
                        case "unique": meaning.uniques.insert([field.name])
                        case "relation": break
                        default:
                            // `1.0` and `1` are the same default.
                            let arguments = attribute.positional.map { Double($0).map { CanonicalNumber.format($0) } ?? $0 }
                            attributes.append("@\(attribute.name)(\(arguments.joined(separator: ",")))")
                        }
                    }
                    meaning.columns.append("\(field.name) \(type) \(attributes.sorted().joined(separator: " "))")
                } else {
                    let relation = field.attribute("relation")
                    var parts = [field.name, type]
                    if let name = relation?.positional.first { parts.append("name=\(name)") }
                    if let columns = relation?.named["fields"] {
                        let optional = field.isOptional
                        parts += ["fields=\(columns)", "references=\(relation?.named["references"] ?? "")",
                                  "onDelete=\(relation?.named["onDelete"] ?? (optional ? "SetNull" : "Restrict"))",
                                  "onUpdate=\(relation?.named["onUpdate"] ?? "Cascade")"]
                    }
                    meaning.relations.insert(parts.joined(separator: " "))
                }
            }
            for attribute in model.blockAttributes {
                guard let fields = attribute.fieldList else { continue }
                if attribute.name == "unique" { meaning.uniques.insert(fields) }
                if attribute.name == "index" { meaning.indexes.insert(fields) }
            }
            result[model.name] = meaning
        }
        return result
    }

    @Test(.enabled(if: schemaFile != nil, "../shared/corpus/metabuilder is absent"), arguments: Backend.available)
    func theRealHostSchemaComesBackModelByModel(_ backend: Backend) throws {
        let text = try String(contentsOf: try #require(Self.schemaFile), encoding: .utf8)
        let original = PrismaSchemaParser.parse(text, file: "schema.prisma").schema
        #expect(original.models.count == 82)
        let imported = PrismaImport.package(from: original)
        #expect(imported.limits.isEmpty, "\(imported.limits)")
        // The base keeps only the datasource: every model now comes from the package.
        let base = PrismaSchemaParser.parse("datasource db {\n  provider = \"\(original.provider ?? "sqlite")\"\n}\n", file: "schema.prisma").schema
        let desired = DesiredState.resolve(.inMemory(["host": imported.yaml], baseSchema: base))
        try #require(desired.isValid, "\(desired.errors.prefix(10))")
        #expect(desired.entities.count == 82)

        // The test databases come with stand-ins for the host's User and Tenant; here those are package models.
        let (database, _) = try backend.makeDatabase()
        defer { database.close() }
        try database.withLockedTransaction { connection in
            try connection.execute(#"DROP TABLE "User""#)
            try connection.execute(#"DROP TABLE "Tenant""#)
        }
        let registry = Registry(database: database)
        try registry.addAdmin("alice", by: nil)
        _ = try registry.scan(desired, principal: "ci")
        _ = try registry.approve(.all, as: "alice", allowDataLoss: false)
        let outcome = try registry.applyApproved(desired)
        #expect(outcome.applied.count == 82 && outcome.refused.isEmpty, "\(outcome.refused.prefix(3))")
        #expect(!(try registry.drift(host: base)).hasDrift)

        let fragment = PrismaArtifacts.fragment(try registry.appliedEntities().map(\.structure), host: base)
        let generated = Self.meanings(PrismaSchemaParser.parse(fragment, file: "fragment.prisma").schema)
        let expected = Self.meanings(original)
        #expect(Set(generated.keys) == Set(expected.keys))
        var differing: [String] = []
        for name in expected.keys.sorted() where generated[name] != expected[name] {
            differing.append("\(name):\n-- generated\n\(generated[name]?.description ?? "missing")\n-- original\n\(expected[name]?.description ?? "")")
        }
        #expect(differing.isEmpty, "\(differing.count) of 82 models differ:\n\(differing.prefix(3).joined(separator: "\n\n"))")
    }
}
