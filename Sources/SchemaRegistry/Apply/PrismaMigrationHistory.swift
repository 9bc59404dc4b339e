import Foundation
import SchemaCore

/// Prisma Migrate interop: writes `DIR/<YYYYMMDDHHMMSS>_package_schemas/migration.sql` and the
/// matching `_prisma_migrations` row inside the apply transaction, so `prisma migrate status`
/// sees the change as applied.
final class PrismaMigrationHistory: @unchecked Sendable {
    // @unchecked: used by one apply at a time, on one thread.
    let directory: URL
    private(set) var writtenFolder: URL?

    init(directory: URL) {
        self.directory = directory
    }

    /// Writes the migration folder and inserts its `_prisma_migrations` row on `connection`.
    func record(_ statements: [SQLStatement], connection: any RegistryConnection) throws {
        let name = "\(Self.folderTimestamp(Date()))_package_schemas"
        let sql = "-- Applied by `schema apply` from approved package schema changes.\n" + statements.script + "\n"
        let folder = directory.appendingPathComponent(name)
        try TextFile.write(sql, to: folder.appendingPathComponent("migration.sql"))
        writtenFolder = folder
        let timestamp = connection.dialect == .sqlite ? "DATETIME" : "TIMESTAMPTZ"
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
                "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" \(timestamp),
                "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" \(timestamp),
                "started_at" \(timestamp) NOT NULL DEFAULT CURRENT_TIMESTAMP, "applied_steps_count" INTEGER NOT NULL DEFAULT 0)
            """)
        try connection.execute(
            #"INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at", "started_at", "applied_steps_count") VALUES (?, ?, CURRENT_TIMESTAMP, ?, NULL, NULL, CURRENT_TIMESTAMP, 1)"#,
            [.text(UUID().uuidString.lowercased()), .text(Checksum.sha256Hex(sql)), .text(name)])
    }

    /// Removes the folder of a migration whose transaction did not commit.
    func removeUncommitted() {
        if let folder = writtenFolder { try? FileManager.default.removeItem(at: folder) }
        writtenFolder = nil
    }

    /// `YYYYMMDDHHMMSS` in UTC, as Prisma names migration folders.
    static func folderTimestamp(_ date: Date) -> String {
        Registry.timestamp(date).filter(\.isNumber).prefix(14).description
    }
}
