public import Foundation
import GRDB
public import SchemaCore

/// The embedded default: a SQLite file, through GRDB.
///
/// The lock is `BEGIN IMMEDIATE` with a busy timeout: one writer at a time, and SQLite releases it
/// when the process dies. Foreign keys are off for this connection so that table rebuilds cannot
/// cascade deletes; `apply` runs `PRAGMA foreign_key_check` before committing instead.
public final class SQLiteRegistryDatabase: RegistryDatabase, @unchecked Sendable {
    // @unchecked: DatabaseQueue is itself thread-safe; this class adds no mutable state.
    private let queue: DatabaseQueue
    public let path: String
    public var dialect: SQLDialect { .sqlite }
    public var displayName: String { "sqlite:\(path)" }

    /// Opens (creating if needed) the database file at `path`.
    public init(path: String, busyTimeout: TimeInterval = 120) throws {
        self.path = path
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = false
        configuration.label = "schema-registry"
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw SchemaError(.database, "cannot open SQLite database \(path): \(Self.message(error))")
        }
    }

    public func withLockedTransaction<T>(_ body: (any RegistryConnection) throws -> T) throws -> T {
        var result: T?
        do {
            try queue.inTransaction(.immediate) { db in
                result = try body(Connection(db: db))
                return .commit
            }
        } catch let error as DatabaseError {
            throw SchemaError(.database, Self.message(error), statement: error.sql)
        }
        guard let result else { throw SchemaError(.database, "the transaction produced no result") }
        return result
    }

    public func close() {
        try? queue.close()
    }

    static func message(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    struct Connection: RegistryConnection {
        let db: Database
        var dialect: SQLDialect { .sqlite }
        var names: RegistryNames { .sqlite }

        func execute(_ sql: String, _ binds: [SQLValue]) throws {
            try db.execute(sql: sql, arguments: StatementArguments(binds.map(Self.convert)))
        }

        func query(_ sql: String, _ binds: [SQLValue]) throws -> [SQLRow] {
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(binds.map(Self.convert))).map { row in
                var values: SQLRow = [:]
                for (name, value) in zip(row.columnNames, row.databaseValues) {
                    switch value.storage {
                    case .null: values[name] = .null
                    case .int64(let number): values[name] = .integer(number)
                    case .double(let number): values[name] = .text(CanonicalNumber.format(number))
                    case .string(let text): values[name] = .text(text)
                    case .blob(let data): values[name] = .text(String(decoding: data, as: UTF8.self))
                    }
                }
                return values
            }
        }

        static func convert(_ value: SQLValue) -> (any DatabaseValueConvertible)? {
            switch value {
            case .null: nil
            case .integer(let number): number
            case .text(let text): text
            }
        }
    }
}
