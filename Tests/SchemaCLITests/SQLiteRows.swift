import Foundation
import SchemaCore
import SchemaRegistry

/// Reads rows from a SQLite file through the registry's own connection type.
enum SQLiteRows {
    static func query(_ path: String, _ sql: String) throws -> [[String: String]] {
        let database = try SQLiteRegistryDatabase(path: path)
        defer { database.close() }
        return try database.withLockedTransaction { connection in
            try connection.query(sql, []).map { row in
                row.mapValues { value in
                    switch value {
                    case .null: "NULL"
                    case .integer(let number): String(number)
                    case .text(let text): text
                    }
                }
            }
        }
    }
}

func sha256Hex(_ text: String) -> String { Checksum.sha256Hex(text) }
