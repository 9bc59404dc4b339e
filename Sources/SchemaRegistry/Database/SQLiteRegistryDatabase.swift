import Foundation
import GRDB
public import SchemaCore

/// The embedded default: a SQLite file, through GRDB.
///
/// The lock is `BEGIN IMMEDIATE` with a busy timeout (``LockPolicy/registryWait``): one writer at
/// a time, and SQLite releases it when the process dies. A writer that cannot get it in time gives
/// up with `lock-timeout`. Every change runs in one transaction (SQLite has no online steps: one
/// writer at a time is its model). Foreign keys are off for this connection so that table
/// rebuilds cannot cascade deletes; `apply` runs `PRAGMA foreign_key_check` before committing instead.
public final class SQLiteRegistryDatabase: RegistryDatabase, @unchecked Sendable {
    // @unchecked: DatabaseQueue is itself thread-safe, and nothing else here changes.
    private let queue: DatabaseQueue
    public let path: String
    public var dialect: SQLDialect { .sqlite }
    public var displayName: String { "sqlite:\(path)" }

    /// Opens (creating if needed) the database file at `path`.
    ///
    /// - Parameter trace: called with every statement SQLite runs on this connection, as SQLite
    ///   sees it (bound values not shown): the database's own account of what ran, for
    ///   diagnosing a start and for comparing it with its plan.
    public init(path: String, trace: (@Sendable (String) -> Void)? = nil) throws {
        self.path = path
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(LockPolicy.standard.registryWait.seconds)
        configuration.foreignKeysEnabled = false
        configuration.label = "schema-registry"
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -65536") }
        if let trace {
            configuration.prepareDatabase { db in db.trace(options: .statement) { trace($0.description) } }
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw SchemaError(.database, "cannot open SQLite database \(path): \(Self.message(error))")
        }
    }

    public func withLockedTransaction<T>(waiting wait: Duration, _ body: (any RegistryConnection) throws -> T) throws -> T {
        try transaction(waiting: wait, body)
    }

    /// One `BEGIN IMMEDIATE` transaction that waits at most `wait` for the write lock.
    func transaction<T>(waiting wait: Duration, _ body: (any RegistryConnection) throws -> T) throws -> T {
        var result: T?
        do {
            try queue.inDatabase { try $0.execute(sql: "PRAGMA busy_timeout = \(LockPolicy.milliseconds(wait))") }
            try queue.inTransaction(.immediate) { db in
                result = try body(Connection(db: db))
                return .commit
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            throw SchemaError(.lockTimeout, "another process held the database's write lock for more than \(LockPolicy.milliseconds(wait)) ms; nothing was changed",
                              statement: error.sql, cause: "SQLite \(error.extendedResultCode)")
        } catch let error as DatabaseError {
            throw SchemaError(.database, Self.message(error), statement: error.sql, cause: "SQLite \(error.extendedResultCode)")
        }
        guard let result else { throw SchemaError(.database, "the transaction returned no result") }
        return result
    }

    /// SQLite has no online steps: every change of an apply runs in one transaction, which takes
    /// the database's one write lock. Waiting for it blocks nobody, so no separate registry lock is held.
    public func withRegistryLock<T>(waiting wait: Duration, _ body: (any LockedSession) throws -> T) throws -> T {
        try body(Session(database: self, wait: wait))
    }

    struct Session: LockedSession {
        let database: SQLiteRegistryDatabase
        /// How long a transaction without a lock timeout of its own waits for the write lock.
        let wait: Duration
        var dialect: SQLDialect { .sqlite }

        func transaction<T>(lockTimeout: Duration?, _ body: (any RegistryConnection) throws -> T) throws -> T {
            try database.transaction(waiting: lockTimeout ?? wait, body)
        }

        func executeAlone(_ sql: String, lockTimeout: Duration?) throws {
            try transaction(lockTimeout: lockTimeout) { connection in try connection.execute(sql) }
        }
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

        /// SQLite keeps the transaction's pages in its cache (up to 64 MiB), allocated one by one
        /// on this thread. glibc grows the heap of any thread but the main one a page at a time,
        /// one `mprotect` each, and pads only the main heap: a start that made 1,000 tables spent
        /// ~6,000 system calls (~20 ms of 650) growing it. Taking the room in blocks and giving it
        /// back first grows the heap a block at a time; glibc keeps it grown (it only tells the
        /// kernel the freed pages are unused), so the cache then fills it without a system call.
        /// Elsewhere it is a handful of allocations that change nothing.
        func expectWrites(bytes: Int) {
            // Below glibc's mmap threshold (128 KiB), so each block comes from this thread's heap.
            let block = 120 * 1024
            let blocks = (0..<min(bytes, 48 << 20) / block).map { _ in malloc(block) }
            blocks.forEach { free($0) }
        }

        func execute(_ sql: String, _ binds: [SQLValue]) throws {
            // A statement with bound values is one of the registry's own, run once per item:
            // compiled once per connection (an apply of 1,000 items runs each about 1,000 times).
            // Migration SQL has no bound values and runs as written, every statement of it.
            if binds.isEmpty {
                try db.execute(sql: sql)
            } else {
                try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(binds.map(Self.convert)))
            }
        }

        func query(_ sql: String, _ binds: [SQLValue]) throws -> [SQLRow] {
            do {
                let statement = binds.isEmpty ? try db.makeStatement(sql: sql) : try db.cachedStatement(sql: sql)
                // Read off the statement row by row: a start reads 1,000 queue rows of a few
                // kilobytes each, and copying them into rows first doubled the work.
                let names = statement.columnNames
                let cursor = try Row.fetchCursor(statement, arguments: StatementArguments(binds.map(Self.convert)))
                var rows: [SQLRow] = []
                while let row = try cursor.next() {
                    var values = SQLRow(minimumCapacity: names.count)
                    for index in names.indices {
                        let value: DatabaseValue = row[index]
                        switch value.storage {
                        case .null: values[names[index]] = .null
                        case .int64(let number): values[names[index]] = .integer(number)
                        case .double(let number): values[names[index]] = .text(CanonicalNumber.format(number))
                        case .string(let text): values[names[index]] = .text(text)
                        case .blob(let data): values[names[index]] = .text(String(decoding: data, as: UTF8.self))
                        }
                    }
                    rows.append(values)
                }
                return rows
            } catch let error as DatabaseError where error.resultCode != .SQLITE_BUSY {
                // A query that fails is an answer its caller may handle (a data check that cannot
                // be asked), as on PostgreSQL; a busy database stays the transaction's to report.
                throw SchemaError(.database, SQLiteRegistryDatabase.message(error), statement: error.sql, cause: "SQLite \(error.extendedResultCode)")
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
