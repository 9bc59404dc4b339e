public import Foundation
public import SchemaCore

/// Where the target database is: a SQLite file or a PostgreSQL server, parsed from a URL as
/// Prisma users write them (`DATABASE_URL`).
public enum DatabaseLocation: Equatable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// The default: `ROOT/.schema/database.sqlite`.
    public static func defaultLocation(root: URL) -> DatabaseLocation {
        .sqlite(path: root.appendingPathComponent(".schema/database.sqlite").path)
    }

    /// The forms ``parse(_:root:)`` accepts, as error messages list them.
    public static let acceptedForms = "postgres://USER:PASSWORD@HOST:PORT/DATABASE (or postgresql://), file:PATH or sqlite:PATH for SQLite, or a plain file path"

    /// Parses `postgres://`, `postgresql://`, `file:` and `sqlite:` URLs and plain paths.
    /// Relative SQLite paths are resolved against `root`.
    ///
    /// Any other scheme is a usage error: a mistyped `postgress://` must not quietly become a new
    /// SQLite file named after the URL. Messages name the scheme only, never the rest of the URL,
    /// which may hold a password.
    public static func parse(_ text: String, root: URL) throws -> DatabaseLocation {
        if let scheme = scheme(of: text) {
            switch scheme.lowercased() {
            case "postgres", "postgresql": return .postgres(try PostgresLocation(url: text))
            case "sqlite", "file": break
            default:
                let known = ["postgres", "postgresql", "sqlite", "file"]
                let hint = Suggestion.closest(to: scheme.lowercased(), in: known).map { " Did you mean '\($0):'?" } ?? ""
                throw SchemaError(.usage, "the database URL has the unknown scheme '\(TerminalText.escape(scheme)):' (this tool speaks PostgreSQL and SQLite).\(hint) Accepted: \(acceptedForms)")
            }
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

    /// The URL scheme of `text` (`postgres` in `postgres://…`), or nil for a plain path.
    /// A single letter before the colon is not a scheme (`C:`), nor is anything with a slash before its colon.
    static func scheme(of text: String) -> String? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let candidate = text[..<colon]
        guard candidate.count > 1, let first = candidate.first, first.isASCII, first.isLetter,
              candidate.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { return nil }
        return String(candidate)
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
    /// How the connection uses TLS (`sslmode` in the URL, as libpq spells it).
    public var tls: PostgresTLS
    /// The schema of the registry's tables (`?registry_schema=NAME`, default `schema_registry`).
    public var registrySchema: String
    /// The schema of the application's tables, as Prisma reads it from the same URL
    /// (`?schema=NAME`): every session of the tool searches it alone, so package tables are made
    /// there, beside the host's, and the host's tables are found there. Nil: the role's
    /// `search_path` (usually `public`), which is also what Prisma uses without the parameter.
    public var schema: String?

    /// Creates a location.
    public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String?, tls: PostgresTLS = PostgresTLS(),
                registrySchema: String = RegistryNames.defaultSchema, schema: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
        self.registrySchema = registrySchema
        self.schema = schema
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=…&sslrootcert=…&registry_schema=…&schema=…`.
    public init(url text: String) throws {
        guard let components = URLComponents(string: text) else {
            throw SchemaError(.usage, "cannot read the database URL (is a character in the password not percent-encoded?); expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else {
            throw SchemaError(.usage, "the database URL names no host; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        func query(_ name: String) -> String? { components.queryItems?.first { $0.name == name }?.value }
        let schema = query("registry_schema") ?? RegistryNames.defaultSchema
        guard Identifier.isValid(schema) else {
            throw SchemaError(.usage, "registry_schema must be a plain name (letters, digits and '_'), found '\(TerminalText.escape(schema))'")
        }
        let applicationSchema = query("schema")
        if let applicationSchema, applicationSchema.isEmpty || applicationSchema.utf8.count > 63 || TerminalText.containsUnsafe(applicationSchema) {
            throw SchemaError(.usage, "schema= in the database URL must name a PostgreSQL schema (1 to 63 bytes, no control characters), found '\(TerminalText.escape(applicationSchema, limit: 80))'")
        }
        if applicationSchema == schema {
            throw SchemaError(.usage, "schema= and registry_schema= name the same schema, '\(schema)': the registry keeps its tables apart from the application's")
        }
        let tls = try PostgresTLS(mode: query("sslmode"), rootCertificate: query("sslrootcert"))
        self.init(host: host, port: components.port ?? 5432, user: components.user?.removingPercentEncoding ?? "postgres",
                  password: components.password?.removingPercentEncoding, database: database.isEmpty ? nil : database,
                  tls: tls, registrySchema: schema, schema: applicationSchema)
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
        var parameters: [String] = []
        if tls.mode != .prefer { parameters.append("sslmode=\(tls.mode.rawValue)") }
        if let root = tls.rootCertificate { parameters.append("sslrootcert=\(root)") }
        if registrySchema != RegistryNames.defaultSchema { parameters.append("registry_schema=\(registrySchema)") }
        if let schema { parameters.append("schema=\(TerminalText.escape(schema, limit: 80))") }
        return "postgres://\(user)@\(host):\(port)/\(database ?? "")" + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&"))
    }
}

/// TLS for a PostgreSQL connection, with libpq's `sslmode` meanings.
public struct PostgresTLS: Equatable, Sendable {
    /// libpq's `sslmode` values.
    public enum Mode: String, CaseIterable, Sendable {
        /// Never TLS.
        case disable
        /// TLS when the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// TLS or no connection; the certificate is checked against `sslrootcert` when one is given.
        case require
        /// TLS, and the server's certificate must be signed by a trusted authority.
        case verifyCA = "verify-ca"
        /// TLS, a trusted certificate, and the certificate must name the host connected to.
        case verifyFull = "verify-full"
    }

    /// The mode.
    public var mode: Mode
    /// A PEM file of the authorities to trust (`sslrootcert`); nil trusts the system's.
    public var rootCertificate: String?

    /// `prefer`, libpq's default, when nothing is given.
    public init(mode: Mode = .prefer, rootCertificate: String? = nil) {
        self.mode = mode
        self.rootCertificate = rootCertificate
    }

    /// Reads the URL's `sslmode` and `sslrootcert` values.
    public init(mode text: String?, rootCertificate: String?) throws {
        var mode = Mode.prefer
        if let text {
            // libpq also has `allow`: plain first, TLS when the server insists. Plain is tried first
            // there, so it protects nothing `prefer` does not; it is read as `prefer`.
            guard let parsed = text == "allow" ? .prefer : Mode(rawValue: text) else {
                throw SchemaError(.usage, "sslmode '\(TerminalText.escape(text))' is not one of \(Mode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            mode = parsed
        }
        if let rootCertificate, rootCertificate != "system" {
            guard FileManager.default.isReadableFile(atPath: rootCertificate) else {
                throw SchemaError(.usage, "sslrootcert '\(TerminalText.escape(rootCertificate))' is not a readable file (a PEM file of the certificate authorities to trust)")
            }
        }
        self.init(mode: mode, rootCertificate: rootCertificate == "system" ? nil : rootCertificate)
    }

    /// Whether the server's certificate is checked against trusted authorities.
    public var verifiesAuthority: Bool { mode == .verifyCA || mode == .verifyFull || (mode == .require && rootCertificate != nil) }
}

extension DatabaseLocation {
    /// Refuses a PostgreSQL URL whose `schema=` is not where a multi-schema host's Prisma Client
    /// looks for package tables. With `schemas = [...]` in the host's datasource every model says
    /// its database schema (`@@schema`), the generated package models
    /// `@@schema("<packageSchema>")` (``PrismaSchema/packageSchema``, default `public`); package
    /// tables made in another schema would be where neither Prisma Client nor Prisma Migrate looks.
    /// Pure: checked before anything is opened.
    public func requireSchema(matching host: PrismaSchema?) throws {
        guard case .postgres(let server) = self, let schema = server.schema, let host, !host.schemas.isEmpty, schema != host.packageSchema else { return }
        throw SchemaError(.usage, "the database URL names schema=\(TerminalText.escape(schema, limit: 80)), but \(TerminalText.escape(host.file, limit: 200)) uses Prisma's "
                          + "multi-schema (schemas = [\(host.schemas.map { TerminalText.escape($0, limit: 80) }.joined(separator: ", "))]), where every model says its schema with @@schema "
                          + "and the package models say @@schema(\"\(TerminalText.escape(host.packageSchema, limit: 80))\"): package tables made in \(TerminalText.escape(schema, limit: 80)) would be where "
                          + "Prisma does not look. Remove schema= from the URL (with multi-schema, @@schema places every model; \"packageSchema\" in schema.config.json "
                          + "chooses the package tables' schema); nothing was done")
    }

    /// This location with its sessions searching `packageSchema` (schema.config.json's, under a
    /// multi-schema host) when the URL names no schema itself: package tables are made there, and
    /// drift, data checks and the review page look there. SQLite and a URL with `schema=` are
    /// returned as they are (``requireSchema(matching:)`` checks the latter).
    public func placingPackageTables(in packageSchema: String?) throws -> DatabaseLocation {
        guard case .postgres(var server) = self, server.schema == nil, let packageSchema, packageSchema != PrimaryKeys.connectionSchema else { return self }
        if packageSchema == server.registrySchema {
            throw SchemaError(.usage, "packageSchema in schema.config.json and registry_schema= name the same schema, '\(TerminalText.escape(packageSchema, limit: 80))': "
                              + "the registry keeps its tables apart from the application's")
        }
        server.schema = packageSchema
        return .postgres(server)
    }
}
