public import Foundation
import SchemaCore
import PostgresNIO

/// Where the target database is: a SQLite file or a PostgreSQL server, parsed from a URL as
/// Prisma users write them (`DATABASE_URL`).
public enum DatabaseLocation: Equatable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(host: String, port: Int, user: String, password: String?, database: String?, requireTLS: Bool)

    /// The default: `ROOT/.schema/database.sqlite`.
    public static func defaultLocation(root: URL) -> DatabaseLocation {
        .sqlite(path: root.appendingPathComponent(".schema/database.sqlite").path)
    }

    /// Parses `postgres://`, `postgresql://`, `file:` and `sqlite:` URLs and plain paths.
    /// Relative SQLite paths are resolved against `root`.
    public static func parse(_ text: String, root: URL) throws -> DatabaseLocation {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
                throw SchemaError(.usage, "cannot read the database URL: expected postgres://user:password@host:port/database")
            }
            let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value
            return .postgres(host: host, port: components.port ?? 5432, user: components.user?.removingPercentEncoding ?? "postgres",
                             password: components.password?.removingPercentEncoding, database: database.isEmpty ? nil : database,
                             requireTLS: sslMode == "require" || sslMode == "verify-full" || sslMode == "verify-ca")
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
        case .sqlite(let path):
            return try SQLiteRegistryDatabase(path: path)
        case .postgres(let host, let port, let user, let password, let database, let requireTLS):
            if requireTLS {
                throw SchemaError(.usage, "sslmode=require is not supported yet; connect over a trusted network or a local socket")
            }
            let configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
            return try PostgresRegistryDatabase(configuration: configuration, displayName: description)
        }
    }

    /// Printable, without the password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let host, let port, let user, _, let database, _): "postgres://\(user)@\(host):\(port)/\(database ?? "")"
        }
    }
}
