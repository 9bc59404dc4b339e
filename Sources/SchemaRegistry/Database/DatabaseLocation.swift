public import Foundation
import PostgresNIO
import SchemaCore

/// Where the target database is: a SQLite file or a PostgreSQL server, parsed from a URL as
/// Prisma users write them (`DATABASE_URL`).
public enum DatabaseLocation: Equatable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// The default: `ROOT/.schema/database.sqlite`.
    public static func defaultLocation(root: URL) -> DatabaseLocation {
        .sqlite(path: root.appendingPathComponent(".schema/database.sqlite").path)
    }

    /// Parses `postgres://`, `postgresql://`, `file:` and `sqlite:` URLs and plain paths.
    /// Relative SQLite paths are resolved against `root`.
    public static func parse(_ text: String, root: URL) throws -> DatabaseLocation {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            return .postgres(try PostgresLocation(url: text))
        }
        var path = text
        for prefix in ["sqlite://", "sqlite:", "file://", "file:"] where path.hasPrefix(prefix) {
            path = String(path.dropFirst(prefix.count))
            break
        }
        if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
        guard !path.isEmpty else { throw SchemaError(.usage, "the database URL names no file") }
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)
        return .sqlite(path: url.standardizedFileURL.path)
    }

    /// Opens the database.
    public func open() throws -> any RegistryDatabase {
        switch self {
        case .sqlite(let path): try SQLiteRegistryDatabase(path: path)
        case .postgres(let location): try PostgresRegistryDatabase(location: location)
        }
    }

    /// Printable, without the password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let location): location.description
        }
    }
}

/// A PostgreSQL server, database and role, and the schema the registry lives in.
public struct PostgresLocation: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String?
    /// `sslmode=require`, `verify-ca` or `verify-full` in the URL.
    public var requireTLS: Bool
    /// The schema of the registry's tables (`?registry_schema=NAME`, default `schema_registry`).
    public var registrySchema: String

    /// Creates a location.
    public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String?, requireTLS: Bool = false,
                registrySchema: String = RegistryNames.defaultSchema) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.requireTLS = requireTLS
        self.registrySchema = registrySchema
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=…&registry_schema=…`.
    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw SchemaError(.usage, "cannot read the database URL: expected postgres://user:password@host:port/database")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        func query(_ name: String) -> String? { components.queryItems?.first { $0.name == name }?.value }
        let sslMode = query("sslmode")
        let schema = query("registry_schema") ?? RegistryNames.defaultSchema
        guard Identifier.isValid(schema) else {
            throw SchemaError(.usage, "registry_schema must be a plain name (letters, digits and '_'), found '\(TerminalText.escape(schema))'")
        }
        self.init(host: host, port: components.port ?? 5432, user: components.user?.removingPercentEncoding ?? "postgres",
                  password: components.password?.removingPercentEncoding, database: database.isEmpty ? nil : database,
                  requireTLS: sslMode == "require" || sslMode == "verify-full" || sslMode == "verify-ca", registrySchema: schema)
    }

    /// The same server and database reached as another role.
    public func `as`(user: String, password: String? = nil) -> PostgresLocation {
        var copy = self
        copy.user = user
        copy.password = password
        return copy
    }

    /// The URL without the password, as printed everywhere.
    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database ?? "")" + (registrySchema == RegistryNames.defaultSchema ? "" : "?registry_schema=\(registrySchema)")
    }
}
