import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
public import SchemaCore

/// PostgreSQL through PostgresNIO.
///
/// The registry's logic is synchronous (one transaction, read, compute, write), so this class
/// waits on PostgresNIO's futures. It must not be used from an event-loop thread; the CLI calls it
/// from its own tasks.
///
/// The registry lock is `LOCK TABLE` on the registry's `_schema_lock` table in `EXCLUSIVE` mode:
/// only roles with rights on the registry's schema can take it, so the application's role (after a
/// SQL injection, say) can neither take it nor hold every start back, as it could an advisory lock.
/// It is held by the operation's transaction, or, for an apply with online steps, by the open
/// transaction of a second connection for the length of the apply (a table lock takes no
/// transaction id and, between statements of a read-committed transaction, holds no snapshot, so
/// it delays neither vacuum nor a `CREATE INDEX CONCURRENTLY`). Either way it goes with the
/// connection when a process dies, so nothing is left to clean up. It is waited for by trying
/// with `NOWAIT` between short pauses, holding no transaction while waiting. Before the table
/// exists (a registry older than version 8, or none yet), and for roles that may not lock it (a
/// reader with `SELECT` only), the advisory lock is used, as before.
public final class PostgresRegistryDatabase: RegistryDatabase, @unchecked Sendable {
    // @unchecked: the connection is used by one transaction at a time (callers are sequential);
    // PostgresConnection itself is Sendable.
    private let connection: PostgresConnection
    private let configuration: PostgresConnection.Configuration
    private let location: PostgresLocation
    /// Names this process's sessions (`application_name`) so that a watch can find them.
    private let processToken = PostgresAnswerWatch.processToken()
    /// The watch on the main connection's answers.
    private let watch: PostgresAnswerWatch
    private let logger = Logger(label: "schema-registry.postgres")
    public let displayName: String
    public var dialect: SQLDialect { .postgresql }
    /// The registry's names: its tables live in their own schema.
    public let names: RegistryNames

    /// The advisory lock key: "SCHEMAREG" in ASCII, shared by every process of this tool.
    public static let lockKey: Int64 = 0x53_43_48_45_4D_41_52

    /// Connects to `location`.
    ///
    /// - Throws: ``SchemaError`` `database` naming the cause (refused, unknown host, timeout,
    ///   authentication, TLS), or `usage` for TLS settings that cannot be used.
    public init(location: PostgresLocation) throws {
        self.displayName = location.description
        self.names = .postgres(schema: location.registrySchema)
        let configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                             password: location.password, database: location.database,
                                                             tls: try location.tls.connectionSetting())
        self.configuration = configuration
        self.location = location
        watch = PostgresAnswerWatch(configuration: configuration, location: location, process: processToken, id: 1, logger: logger)
        connection = try watch.connect(id: 1)
    }

    public func withLockedTransaction<T>(waiting wait: Duration, _ body: (any RegistryConnection) throws -> T) throws -> T {
        let connection = Connection(connection: connection, logger: logger, names: names, watch: watch)
        try waitForLock(wait) { () throws -> Bool in
            try connection.execute("BEGIN")
            if try tryLock(connection) { return true }
            try connection.execute("ROLLBACK")
            return false
        }
        return try connection.committing(body)
    }

    /// Creates the URL's `?schema=` when the database lacks it, as Prisma Migrate does: the
    /// package tables are made there. A role that may not create schemas fails only when it is missing.
    static func createApplicationSchema(_ schema: String, _ connection: any RegistryConnection) throws {
        guard try connection.query(#"SELECT COUNT(*) AS "count" FROM pg_namespace WHERE nspname = ?"#, [.text(schema)]).first?["count"]?.integer == 0 else { return }
        try connection.execute("CREATE SCHEMA IF NOT EXISTS \(connection.dialect.quote(schema))")
    }

    /// Takes the registry lock in the transaction `connection` has begun, without waiting.
    func tryLock(_ connection: Connection) throws -> Bool {
        try RegistryTables.tryLock(advisoryKey: Self.lockKey, connection)
    }

    public func withRegistryLock<T>(waiting wait: Duration, _ body: (any LockedSession) throws -> T) throws -> T {
        let connection = Connection(connection: connection, logger: logger, names: names, watch: watch)
        // A server backend notices a dead client only when it next talks to it; without this, an
        // index build or backfill batch of a killed apply runs on to its end, holding the
        // registry lock. With it, the server cancels the statement within 100 ms (PostgreSQL
        // 14+ on Linux; elsewhere the setting is refused and the statement runs on, which is slower but safe).
        try? connection.execute("SET client_connection_check_interval = '100ms'")
        // The lock table is created (with the registry) first, so the lock is always the table's.
        try withLockedTransaction(waiting: wait) { connection in
            try RegistryTables.prepare(connection)
            if let schema = location.schema { try Self.createApplicationSchema(schema, connection) }
        }
        let holderWatch = PostgresAnswerWatch(configuration: configuration, location: location, process: processToken, id: 2, logger: logger)
        let holder = Connection(connection: try holderWatch.connect(id: 2), logger: logger, names: names, watch: holderWatch)
        // A query on a connection the server ended can wait forever: none is tried.
        defer { PostgresAnswerWatch.close(holder.connection) }
        // The holder's transaction stays open, idle, for the whole apply: no server setting may end it.
        try holder.execute("SET idle_in_transaction_session_timeout = 0")
        try waitForLock(wait) { () throws -> Bool in
            try holder.execute("BEGIN")
            if try tryLock(holder) { return true }
            try holder.execute("ROLLBACK")
            return false
        }
        // The lock's transaction writes nothing: ending it is all. After a failure it is not
        // ended with a statement (the server may be the failure); closing the connection ends it.
        let result = try body(Session(connection: connection, holder: holder.connection))
        if !holder.connection.isClosed { try? holder.execute("COMMIT") }
        return result
    }

    /// Calls `attempt` until it takes the lock, pausing between tries (50 ms doubling to 1 s),
    /// up to `wait`.
    func waitForLock(_ wait: Duration, _ attempt: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + wait
        var pause = 0.05
        while try !attempt() {
            guard ContinuousClock.now < deadline else {
                throw SchemaError(.lockTimeout, "another process held the registry lock for more than \(Int(wait.seconds)) s (an apply in progress?); nothing was changed, try again")
            }
            usleep(UInt32(pause * Double.random(in: 0.8...1.2) * 1_000_000))
            pause = min(pause * 2, 1)
        }
    }

    /// A connection working under the registry lock that another connection's transaction holds.
    struct Session: LockedSession {
        let connection: Connection
        /// The connection whose open transaction holds the lock.
        let holder: PostgresConnection
        var dialect: SQLDialect { .postgresql }

        /// Refuses to go on once the lock's connection has ended (a terminated backend, a server
        /// restart): another start may hold the lock by now. What ran so far is recorded; the
        /// next start resumes.
        func requireLock() throws {
            guard holder.isClosed else { return }
            throw SchemaError(.lockTimeout, "the connection holding the registry lock ended (a server restart or a terminated backend); "
                + "nothing more runs in this start, and what it did is recorded: the next start resumes. Try again", cause: LockPolicy.registryLockLost)
        }

        func transaction<T>(lockTimeout: Duration?, _ body: (any RegistryConnection) throws -> T) throws -> T {
            try requireLock()
            try connection.execute("BEGIN")
            return try connection.committing { connection in
                if let lockTimeout { try connection.execute("SET LOCAL lock_timeout = '\(LockPolicy.milliseconds(lockTimeout))ms'") }
                return try body(connection)
            }
        }

        func executeAlone(_ sql: String, lockTimeout: Duration?) throws {
            try requireLock()
            if let lockTimeout { try connection.execute("SET lock_timeout = '\(LockPolicy.milliseconds(lockTimeout))ms'") }
            defer { try? connection.execute("RESET lock_timeout") }
            try connection.execute(sql)
        }
    }

    /// Whether ``close()`` ran (the object is used by one caller at a time).
    private var isClosed = false

    /// Closes the connection; a second call does nothing.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        PostgresAnswerWatch.close(connection)
    }

    // A caller that throws between opening and closing (a test's `#require`, a command's error
    // path) would otherwise release an open connection, which PostgresNIO asserts against in debug
    // builds (a crash of the whole process) and leaks in release ones. Released on the caller's
    // thread, never an event loop's, so waiting for the close cannot wait for itself.
    deinit {
        close()
    }

    /// Runs one statement outside any transaction (`CREATE DATABASE` cannot run inside one).
    public func executeOutsideTransaction(_ sql: String) throws {
        try Connection(connection: connection, logger: logger, names: names, watch: watch).execute(sql)
    }

    /// Said after PostgreSQL's refusal of a statement that row-level security would filter.
    static let rowLevelSecurityHint = ". The role schema runs as is bound by the table's row-level security (it owns the table, "
        + "whose policies are forced), so its data checks and backfills would see only some rows; nothing was changed by this statement. "
        + "Give the role BYPASSRLS (as a superuser: ALTER ROLE <role> BYPASSRLS), as docker/initdb.sql does for schema_migrator"

    static func message(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let detail = error.serverInfo?[.detail].map { " (\($0))" } ?? ""
                return message + detail + (message.contains("row-level security policy") ? rowLevelSecurityHint : "")
            }
            return "\(error.code)"
        }
        return "\(error)"
    }

    struct Connection: RegistryConnection {
        let connection: PostgresConnection
        let logger: Logger
        let names: RegistryNames
        let watch: PostgresAnswerWatch
        var dialect: SQLDialect { .postgresql }

        func execute(_ sql: String, _ binds: [SQLValue]) throws {
            _ = try run(sql, binds)
        }

        func query(_ sql: String, _ binds: [SQLValue]) throws -> [SQLRow] {
            try run(sql, binds).rows.map { row in
                var values: SQLRow = [:]
                for cell in row {
                    values[cell.columnName] = Self.value(of: cell)
                }
                return values
            }
        }

        /// Runs `body` in the transaction this connection has begun: commits when it returns,
        /// rolls back when it throws.
        func committing<T>(_ body: (Connection) throws -> T) throws -> T {
            do {
                let result = try body(self)
                try execute("COMMIT")
                return result
            } catch {
                try? execute("ROLLBACK")
                throw error
            }
        }

        func run(_ sql: String, _ binds: [SQLValue]) throws -> PostgresQueryResult {
            // A query on a connection the server ended (a restart, a failover, a terminated
            // backend) can wait forever for its answer: it is not sent. The caller ends with
            // "try again", and whatever ran before is recorded or rolled back by the server.
            guard !connection.isClosed else { throw Self.connectionEnded(sql) }
            var bindings = PostgresBindings(capacity: binds.count)
            for value in binds {
                switch value {
                case .null: bindings.appendNull()
                case .integer(let number): bindings.append(number)
                case .text(let text): bindings.append(text)
                }
            }
            // Migration SQL has no bound values: it goes as written (a `?` in it, jsonb's operator,
            // stays one), without a scan of every character of 10,000 statements in a large start.
            let query = PostgresQuery(unsafeSQL: binds.isEmpty ? sql : Self.numberPlaceholders(sql), binds: bindings)
            guard let answer = watch.answer(connection.query(query, logger: logger), on: connection) else {
                throw Self.connectionEnded(sql, detail: "no answer from the server, which no longer has this session or does not answer a new connection")
            }
            switch answer {
            case .success(let result):
                return result
            case .failure(let error):
                // lock_not_available: a lock_timeout ran out. The caller retries or gives up with the temporary exit status.
                let state = (error as? PSQLError)?.serverInfo?[.sqlState]
                // The server's error code is kept as the cause: callers and logs tell a lost
                // connection, a deadlock and a constraint violation apart by it, not by the text.
                let cause = state.map { "SQLSTATE \($0)" } ?? "\(type(of: error)): \((error as? PSQLError)?.code.description ?? "\(error)")"
                if state == "55P03" {
                    throw SchemaError(.lockTimeout, PostgresRegistryDatabase.message(error), statement: sql, cause: cause)
                }
                // The server ended the session while the statement ran (terminated backend,
                // shutdown, failover): not the statement's fault, and nothing more can run here.
                if Self.endsTheSession(state: state, error) || connection.isClosed { throw Self.connectionEnded(sql, detail: cause) }
                throw SchemaError(.database, PostgresRegistryDatabase.message(error), statement: sql, cause: cause)
            }
        }

        /// The "try again" error of a statement on a connection the server ended.
        /// Its cause is ``LockPolicy/registryLockLost``: retrying on this connection cannot succeed.
        static func connectionEnded(_ sql: String, detail: String? = nil) -> SchemaError {
            SchemaError(.lockTimeout, "the connection to the database ended\(detail.map { " (\($0))" } ?? "") (a server restart, a failover or a terminated backend); "
                + "what was committed stays, the rest was rolled back by the server: try again", statement: sql, cause: LockPolicy.registryLockLost)
        }

        /// Whether `error` means the session is over: class 08 (connection exception), 57P01–57P03
        /// (administrator or crash shutdown, a server not accepting connections), or a connection
        /// the client saw close.
        static func endsTheSession(state: String?, _ error: any Error) -> Bool {
            if let state { return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) }
            guard let code = (error as? PSQLError)?.code else { return false }
            return code == .serverClosedConnection || code == .uncleanShutdown || code == .clientClosedConnection
        }

        static func value(of cell: PostgresCell) -> SQLValue {
            guard cell.bytes != nil else { return .null }
            switch cell.dataType {
            case .int2, .int4, .int8, .oid:
                return (try? cell.decode(Int64.self)).map(SQLValue.integer) ?? .null
            case .bool:
                return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
            case .float4, .float8:
                return (try? cell.decode(Double.self)).map { .text(CanonicalNumber.format($0)) } ?? .null
            default:
                return (try? cell.decode(String.self)).map(SQLValue.text) ?? .null
            }
        }

        /// `?` → `$1`, `$2`, ... outside string literals and quoted identifiers.
        static func numberPlaceholders(_ sql: String) -> String {
            var result = ""
            var index = 0
            var quote: Character?
            for character in sql {
                if let open = quote {
                    if character == open { quote = nil }
                    result.append(character)
                } else if character == "'" || character == "\"" {
                    quote = character
                    result.append(character)
                } else if character == "?" {
                    index += 1
                    result += "$\(index)"
                } else {
                    result.append(character)
                }
            }
            return result
        }
    }
}
