import Foundation
import Logging
import NIOCore
import NIOPosix
public import PostgresNIO
public import SchemaCore

/// PostgreSQL through PostgresNIO.
///
/// The registry's logic is synchronous (one transaction, read, compute, write), so this class
/// waits on PostgresNIO's futures. It must not be used from an event-loop thread; the CLI calls it
/// from its own tasks. The lock is `pg_advisory_xact_lock`, released by commit, rollback or a
/// dropped connection, so a killed process never leaves it behind.
public final class PostgresRegistryDatabase: RegistryDatabase, @unchecked Sendable {
    // @unchecked: the connection is used by one transaction at a time (callers are sequential);
    // PostgresConnection itself is Sendable.
    private let connection: PostgresConnection
    private let logger = Logger(label: "schema-registry.postgres")
    public let displayName: String
    public var dialect: SQLDialect { .postgresql }
    /// The registry's names: its tables live in their own schema.
    public let names: RegistryNames

    /// The advisory lock key: "SCHEMAREG" in ASCII, shared by every process of this tool.
    public static let lockKey: Int64 = 0x53_43_48_45_4D_41_52

    /// Connects to `location`.
    public convenience init(location: PostgresLocation) throws {
        if location.requireTLS {
            throw SchemaError(.usage, "sslmode=require is not supported yet; connect over a trusted network or a local socket")
        }
        let configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                             password: location.password, database: location.database, tls: .disable)
        try self.init(configuration: configuration, displayName: location.description, registrySchema: location.registrySchema)
    }

    /// Connects with `configuration`; the registry lives in `registrySchema`.
    public init(configuration: PostgresConnection.Configuration, displayName: String, registrySchema: String = RegistryNames.defaultSchema) throws {
        self.displayName = displayName
        self.names = .postgres(schema: registrySchema)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        do {
            connection = try PostgresConnection.connect(on: eventLoop, configuration: configuration, id: 1, logger: logger).wait()
        } catch {
            throw SchemaError(.database, "cannot connect to \(displayName): \(Self.message(error))")
        }
    }

    public func withLockedTransaction<T>(_ body: (any RegistryConnection) throws -> T) throws -> T {
        let connection = Connection(connection: connection, logger: logger, names: names)
        try connection.execute("BEGIN")
        do {
            try connection.execute("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
            let result = try body(connection)
            try connection.execute("COMMIT")
            return result
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    public func close() {
        try? connection.close().wait()
    }

    /// Runs one statement outside any transaction (`CREATE DATABASE` cannot run inside one).
    public func executeOutsideTransaction(_ sql: String) throws {
        try Connection(connection: connection, logger: logger, names: names).execute(sql)
    }

    static func message(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let detail = error.serverInfo?[.detail].map { " (\($0))" } ?? ""
                return message + detail
            }
            return "\(error.code)"
        }
        return "\(error)"
    }

    struct Connection: RegistryConnection {
        let connection: PostgresConnection
        let logger: Logger
        let names: RegistryNames
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

        func run(_ sql: String, _ binds: [SQLValue]) throws -> PostgresQueryResult {
            var bindings = PostgresBindings(capacity: binds.count)
            for value in binds {
                switch value {
                case .null: bindings.appendNull()
                case .integer(let number): bindings.append(number)
                case .text(let text): bindings.append(text)
                }
            }
            let query = PostgresQuery(unsafeSQL: Self.numberPlaceholders(sql), binds: bindings)
            do {
                return try connection.query(query, logger: logger).wait()
            } catch {
                throw SchemaError(.database, PostgresRegistryDatabase.message(error), statement: sql)
            }
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
