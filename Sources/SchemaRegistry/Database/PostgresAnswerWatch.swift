import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SchemaCore

/// Bounds every wait for the PostgreSQL server's answer, including waits on a server that stops
/// answering without closing the connection (a frozen host, a network partition, a failover whose
/// old primary is cut off): neither TCP nor PostgresNIO notices those, and a start would wait forever.
///
/// A statement may legitimately run for minutes (an index build on a large table), so a slow
/// answer alone proves nothing. After ``checkAfter`` without an answer, the watch asks the server
/// on a new connection whether this connection's session is still there (by the session's
/// `application_name`, unique to this process and connection). A server that answers and lists the
/// session is working on the statement: the wait goes on and is checked again every ``checkEvery``.
/// A server that does not answer within ``answerWithin``, or does not know the session, is gone
/// for this connection: the connection is closed and the caller ends with "try again".
struct PostgresAnswerWatch: Sendable {
    /// How long an answer may take before the server is asked whether it is still working on it.
    static let checkAfter: Duration = .seconds(5)
    /// How often it is asked again while it is.
    static let checkEvery: Duration = .seconds(10)
    /// How long connecting (TCP, TLS, authentication) or the liveness question may take: NIO's
    /// own connect timeout, which bounds the TCP handshake alone.
    static let answerWithin: Duration = .seconds(10)

    let configuration: PostgresConnection.Configuration
    let location: PostgresLocation
    let logger: Logger
    /// This session's `application_name`, set when connecting.
    let sessionName: String

    /// A watch for a new connection numbered `id`: `configuration` gets the session's name.
    init(configuration: PostgresConnection.Configuration, location: PostgresLocation, process token: String, id: Int, logger: Logger) {
        self.sessionName = "schema \(token)#\(id)"
        var configuration = configuration
        configuration.options.additionalStartupParameters.append(("application_name", sessionName))
        // The tool reads and writes rows of tables with row-level security (data checks,
        // backfills, the copy of a renamed column). A role the policies bind (a table owner
        // under FORCE without BYPASSRLS) would silently see and change only some rows; with
        // row_security off, PostgreSQL refuses such a statement instead.
        configuration.options.additionalStartupParameters.append(("row_security", "off"))
        // Prisma's `?schema=`: the application's tables are looked for, and made, there alone.
        if let schema = location.schema {
            configuration.options.additionalStartupParameters.append(("search_path", SQLDialect.postgresql.quote(schema)))
        }
        self.configuration = configuration
        self.location = location
        self.logger = logger
    }

    /// A random name part for this process's sessions.
    static func processToken() -> String {
        String(UInt32.random(in: .min ... .max), radix: 16)
    }

    /// How a connection attempt ended.
    enum Attempt {
        case connected(PostgresConnection)
        /// The server answered with an error (authentication, too many clients): it is alive.
        case refused(any Error)
        /// No answer: a timeout, a refused or reset TCP connection, an unknown host.
        case noAnswer((any Error)?)
    }

    /// Connects, waiting at most ``answerWithin`` for the server to be ready: NIO's connect timeout
    /// covers the TCP handshake only, and a frozen server completes that from its listen queue.
    func attempt(id: Int) -> Attempt {
        let future = PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: id, logger: logger)
        switch Self.wait(for: future, atMost: Self.answerWithin) {
        case .some(.success(let connection)):
            return .connected(connection)
        case .some(.failure(let error)):
            return (error as? PSQLError)?.code == .server ? .refused(error) : .noAnswer(error)
        case .none:
            // A connection that completes later is closed rather than left open.
            // (It is kept until then: PostgresNIO asserts that a released connection is closed.)
            future.whenSuccess { connection in connection.close().whenComplete { _ in withExtendedLifetime(connection) {} } }
            return .noAnswer(nil)
        }
    }

    /// Connects, or throws ``SchemaError`` `database` naming the cause.
    func connect(id: Int) throws -> PostgresConnection {
        switch attempt(id: id) {
        case .connected(let connection):
            return connection
        case .refused(let error), .noAnswer(.some(let error)):
            throw SchemaError(.database, "cannot connect to \(location): \(ConnectionFailure.describe(error, location: location))")
        case .noAnswer(.none):
            throw SchemaError(.database, "cannot connect to \(location): the server accepted the connection but did not answer within "
                + "\(Int(Self.answerWithin.seconds)) s (a frozen or overloaded server?); nothing was changed, try again")
        }
    }

    /// The answer of `future`, a query on `connection`; nil when the server stopped answering for
    /// it, in which case `connection` has been closed.
    func answer<T: Sendable>(_ future: EventLoopFuture<T>, on connection: PostgresConnection) -> Result<T, any Error>? {
        var wait = Self.checkAfter
        while true {
            if let result = Self.wait(for: future, atMost: wait) { return result }
            guard sessionIsAlive() else {
                logger.warning("no answer from the server and no session \(sessionName) there: closing the connection")
                Self.close(connection)
                return nil
            }
            wait = Self.checkEvery
        }
    }

    /// Whether the server answers a new connection, within ``answerWithin``, and still has this session.
    /// A server that refuses the question (too many connections, say) answered: it is alive, and
    /// the session is presumed alive with it.
    func sessionIsAlive() -> Bool {
        let probe: PostgresConnection
        switch attempt(id: 99) {
        case .connected(let connection): probe = connection
        case .refused: return true
        case .noAnswer: return false
        }
        defer { Self.close(probe) }
        var binds = PostgresBindings(capacity: 1)
        binds.append(sessionName)
        let query = PostgresQuery(unsafeSQL: "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1", binds: binds)
        switch Self.wait(for: probe.query(query, logger: logger), atMost: Self.answerWithin) {
        case .some(.success(let result)):
            let count = result.rows.first.flatMap { try? $0.decode(Int64.self) } ?? 0
            return count > 0
        case .some(.failure):
            return true
        case .none:
            return false
        }
    }

    /// Closes `connection`, waiting at most ``answerWithin``: a server that stopped answering does
    /// not answer the goodbye either. (PostgresNIO asserts, in debug builds, that a connection is
    /// closed before it is released: the close is waited for, not only started.)
    static func close(_ connection: PostgresConnection) {
        _ = wait(for: connection.close(), atMost: answerWithin)
    }

    /// The result of `future`, or nil when it has none after `limit`.
    static func wait<T: Sendable>(for future: EventLoopFuture<T>, atMost limit: Duration) -> Result<T, any Error>? {
        let outcome = Outcome<T>()
        future.whenComplete { result in outcome.set(result) }
        return outcome.get(waiting: limit)
    }

    /// A result handed from an event-loop thread to the waiting thread.
    private final class Outcome<T: Sendable>: @unchecked Sendable {
        // @unchecked: `result` is written once, before the semaphore is signalled, and read after.
        private let semaphore = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var result: Result<T, any Error>?

        func set(_ result: Result<T, any Error>) {
            lock.withLock { self.result = result }
            semaphore.signal()
        }

        func get(waiting limit: Duration) -> Result<T, any Error>? {
            let nanoseconds = Int(min(limit.seconds, 86_400) * 1_000_000_000)
            guard semaphore.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return nil }
            return lock.withLock { result }
        }
    }
}
