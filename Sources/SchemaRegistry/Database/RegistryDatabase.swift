public import SchemaCore

/// A value bound to or read from the registry's tables, which use only text and integer columns.
public enum SQLValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case text(String)

    /// The text, when the value is text.
    public var text: String? { if case .text(let value) = self { value } else { nil } }
    /// The integer, when the value is an integer.
    public var integer: Int64? { if case .integer(let value) = self { value } else { nil } }
}

/// One result row, by column name.
public typealias SQLRow = [String: SQLValue]

/// A connection inside a registry transaction. Statements are written with `?` placeholders;
/// values are always bound, never spliced into SQL.
public protocol RegistryConnection {
    /// The dialect of the database behind the connection.
    var dialect: SQLDialect { get }
    /// The registry's qualified table names in this database.
    var names: RegistryNames { get }
    /// Runs a statement that returns no rows.
    func execute(_ sql: String, _ binds: [SQLValue]) throws
    /// Runs a query and returns all its rows.
    func query(_ sql: String, _ binds: [SQLValue]) throws -> [SQLRow]
    /// A hint before a transaction writes about `bytes` of pages (by default nothing).
    func expectWrites(bytes: Int)
}

extension RegistryConnection {
    /// Runs a statement without parameters.
    public func execute(_ sql: String) throws { try execute(sql, []) }

    /// Says that the transaction is about to write about `bytes` of pages: a connection whose
    /// database caches them in this process makes room once rather than page by page
    /// (``SQLiteRegistryDatabase``). Changes nothing in the database; by default it does nothing.
    public func expectWrites(bytes: Int) {}
}

/// The target database: the registry's tables live in it, and migrations are applied to it.
public protocol RegistryDatabase: AnyObject, Sendable {
    /// The dialect of this database.
    var dialect: SQLDialect { get }
    /// A description safe to print: no password.
    var displayName: String { get }
    /// Runs `body` in one transaction that holds the registry lock, so concurrent processes take
    /// turns. Commits when `body` returns, rolls back when it throws. The lock cannot outlive the
    /// transaction: a killed process releases it with its connection.
    ///
    /// - Throws: ``SchemaError`` `lock-timeout` when another process held the lock for longer than `wait`.
    func withLockedTransaction<T>(waiting wait: Duration, _ body: (any RegistryConnection) throws -> T) throws -> T

    /// Holds the registry lock across several transactions and statements that run outside any
    /// transaction (an apply with online steps). The lock goes with the connection if the process dies.
    /// A transaction of the session without a lock timeout of its own waits at most `wait`.
    func withRegistryLock<T>(waiting wait: Duration, _ body: (any LockedSession) throws -> T) throws -> T

    /// Closes the connection.
    func close()
}

extension RegistryDatabase {
    /// ``withLockedTransaction(waiting:_:)`` with the standard wait (``LockPolicy/registryWait``).
    public func withLockedTransaction<T>(_ body: (any RegistryConnection) throws -> T) throws -> T {
        try withLockedTransaction(waiting: LockPolicy.standard.registryWait, body)
    }

    /// ``withRegistryLock(waiting:_:)`` with the standard wait (``LockPolicy/registryWait``).
    public func withRegistryLock<T>(_ body: (any LockedSession) throws -> T) throws -> T {
        try withRegistryLock(waiting: LockPolicy.standard.registryWait, body)
    }
}

/// What a process holding the registry lock can run.
public protocol LockedSession {
    /// The dialect of the database.
    var dialect: SQLDialect { get }
    /// Runs `body` in one transaction whose statements wait at most `lockTimeout` for a lock.
    func transaction<T>(lockTimeout: Duration?, _ body: (any RegistryConnection) throws -> T) throws -> T
    /// Runs one statement outside any transaction block (`CREATE INDEX CONCURRENTLY` cannot run
    /// in one), waiting at most `lockTimeout` for locks.
    func executeAlone(_ sql: String, lockTimeout: Duration?) throws
}
