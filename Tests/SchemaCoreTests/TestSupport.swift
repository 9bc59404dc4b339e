import Foundation
import SchemaCore

/// Helpers shared by the core tests.
enum TestSupport {
    /// `Tests/SchemaCoreTests/Fixtures`.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// The package's root directory.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

    /// The real corpus beside the project, when present (it is absent in a user's clone).
    static let corpus: URL? = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../shared/corpus/metabuilder").standardizedFileURL
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("packages").path) ? url : nil
    }()

    /// A small host schema with the core models package entities relate to.
    static let hostSchemaText = """
        datasource db {
          provider = "sqlite"
        }

        model User {
          id       String  @id
          email    String  @unique
          tenantId String?
          tenant   Tenant? @relation(fields: [tenantId], references: [id])
        }

        model Tenant {
          id    String @id
          name  String
          users User[]
        }
        """

    static var hostSchema: PrismaSchema {
        PrismaSchemaParser.parse(hostSchemaText, file: "prisma/schema.prisma").schema
    }

    /// Parses `yaml` as package `packageId` and validates it alone against the small host schema.
    static func validate(_ yaml: String, packageId: String = "fixture", host: PrismaSchema? = hostSchema) -> ValidationReport {
        desired(yaml, packageId: packageId, host: host).report
    }

    /// What `yaml` (as package `packageId`) asks for, through the desired-state stage.
    static func desired(_ yaml: String, packageId: String = "fixture", host: PrismaSchema? = hostSchema) -> DesiredState {
        DesiredState.resolve(.inMemory([packageId: yaml], baseSchema: host))
    }

    /// The single entity of `yaml`.
    static func entity(_ yaml: String) -> Entity? {
        EntitiesFileParser.parse(yaml, file: "test.yaml").entities.first
    }

    /// A fresh temporary directory, removed after `body`.
    static func withTemporaryDirectory<T>(_ body: (URL) throws -> T) rethrows -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("schema-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url)
    }

    /// Writes `contents` to `root/relativePath`, creating folders.
    static func write(_ contents: String, to relativePath: String, in root: URL) {
        let url = root.appendingPathComponent(relativePath)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? contents.write(to: url, atomically: true, encoding: .utf8)
    }

    /// A minimal valid entity file.
    static let simpleEntities = """
        entities:
          - name: Note
            fields:
              id: { type: cuid, primary: true, generated: true }
              body: { type: string }
        """
}
