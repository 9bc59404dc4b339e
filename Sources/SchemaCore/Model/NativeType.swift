/// A PostgreSQL column type a field asks for instead of Prisma's default mapping for its scalar
/// type: `db: Uuid` in entities.yaml, `@db.Uuid` in Prisma. SQLite has none (Prisma's SQLite
/// connector neither), so there the column keeps the scalar type's.
public struct NativeType: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Prisma's name for it (`Uuid`, `Timestamptz`, `Decimal`).
    public var name: String
    /// Its arguments (`6` in `Timestamptz(6)`, `10, 2` in `Decimal(10, 2)`).
    public var arguments: [Int]

    /// One native type Prisma knows for PostgreSQL: the scalar types it applies to, its SQL
    /// name, and how many arguments it takes.
    struct Entry {
        var types: Set<FieldType>
        var sql: String
        var arguments: Set<Int>
        /// The extension that defines the type, which the host installs (`CREATE EXTENSION`).
        var fromExtension: String? = nil
    }

    /// The native types this tool creates: every `@db.` attribute Prisma has for PostgreSQL but
    /// `VarChar`, which is written `maxLength:`.
    static let catalog: [String: Entry] = [
        "Citext": Entry(types: [.string], sql: "CITEXT", arguments: [0], fromExtension: "citext"),
        "Text": Entry(types: [.string, .cuid, .uuid], sql: "TEXT", arguments: [0]),
        "Uuid": Entry(types: [.string, .uuid], sql: "UUID", arguments: [0]),
        "Char": Entry(types: [.string], sql: "CHAR", arguments: [1]),
        "Inet": Entry(types: [.string], sql: "INET", arguments: [0]),
        "Xml": Entry(types: [.string], sql: "XML", arguments: [0]),
        "Bit": Entry(types: [.string], sql: "BIT", arguments: [1]),
        "VarBit": Entry(types: [.string], sql: "VARBIT", arguments: [0, 1]),
        "Timestamp": Entry(types: [.datetime], sql: "TIMESTAMP", arguments: [0, 1]),
        "Timestamptz": Entry(types: [.datetime], sql: "TIMESTAMPTZ", arguments: [0, 1]),
        "Date": Entry(types: [.datetime], sql: "DATE", arguments: [0]),
        "Time": Entry(types: [.datetime], sql: "TIME", arguments: [0, 1]),
        "Timetz": Entry(types: [.datetime], sql: "TIMETZ", arguments: [0, 1]),
        "Integer": Entry(types: [.int], sql: "INTEGER", arguments: [0]),
        "SmallInt": Entry(types: [.int], sql: "SMALLINT", arguments: [0]),
        "Oid": Entry(types: [.int], sql: "OID", arguments: [0]),
        "BigInt": Entry(types: [.bigint], sql: "BIGINT", arguments: [0]),
        "DoublePrecision": Entry(types: [.float], sql: "DOUBLE PRECISION", arguments: [0]),
        "Real": Entry(types: [.float], sql: "REAL", arguments: [0]),
        "Decimal": Entry(types: [.decimal], sql: "DECIMAL", arguments: [0, 2]),
        "Money": Entry(types: [.decimal], sql: "MONEY", arguments: [0]),
        "Json": Entry(types: [.json], sql: "JSON", arguments: [0]),
        "JsonB": Entry(types: [.json], sql: "JSONB", arguments: [0]),
        "ByteA": Entry(types: [.bytes], sql: "BYTEA", arguments: [0]),
        "Boolean": Entry(types: [.boolean], sql: "BOOLEAN", arguments: [0]),
    ]

    /// Every name this tool knows, for diagnostics.
    public static var knownNames: [String] { catalog.keys.sorted() }

    /// A native type.
    public init(name: String, arguments: [Int] = []) {
        self.name = name
        self.arguments = arguments
    }

    /// Reads `Timestamptz(6)`, `Uuid` or `Decimal(10, 2)` (an optional `@db.` prefix is allowed);
    /// nil when it is not written that way.
    public init?(parsing text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest.hasPrefix("@db.") { rest = rest.dropFirst(4) } else if rest.hasPrefix("db.") { rest = rest.dropFirst(3) }
        let name = rest.prefix { $0.isLetter }
        guard !name.isEmpty else { return nil }
        rest = rest.dropFirst(name.count)
        var arguments: [Int] = []
        if !rest.isEmpty {
            guard rest.hasPrefix("("), rest.hasSuffix(")") else { return nil }
            for part in rest.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false) {
                guard let number = Int(part.trimmingCharacters(in: .whitespaces)), number >= 0 else { return nil }
                arguments.append(number)
            }
        }
        self.init(name: String(name), arguments: arguments)
    }

    /// As Prisma writes it after `@db.`: `Timestamptz(6)`, `Decimal(10, 2)`.
    public var description: String {
        arguments.isEmpty ? name : "\(name)(\(arguments.map(String.init).joined(separator: ", ")))"
    }

    /// The column type on PostgreSQL, as Prisma Migrate writes it (`TIMESTAMPTZ(6)`, `DECIMAL(10,2)`).
    public var postgresType: String? {
        guard let entry = Self.catalog[name] else { return nil }
        return arguments.isEmpty ? entry.sql : "\(entry.sql)(\(arguments.map(String.init).joined(separator: ",")))"
    }

    /// The PostgreSQL extension whose type this is (`citext` for `Citext`), or nil for a built-in
    /// type: a start refuses the change until the host's migrations installed it.
    public var requiredExtension: String? { Self.catalog[name]?.fromExtension }

    /// The extensions whose types some native type uses, by the type's name in `pg_type`.
    public static var extensionTypes: [String] { catalog.values.filter { $0.fromExtension != nil }.map { $0.sql.lowercased() }.sorted() }

    /// Why this native type cannot be used on a field of `type`, or nil when it can.
    public func problem(for type: FieldType) -> String? {
        guard let entry = Self.catalog[name] else {
            if name == "VarChar" { return "@db.VarChar(n) is written 'maxLength: n'" }
            return "unknown native type '\(name)'; known: \(Self.knownNames.joined(separator: ", "))"
        }
        guard entry.types.contains(type) else {
            return "@db.\(name) applies to \(entry.types.map(\.prismaType).sorted().joined(separator: " or ")) fields, not \(type.prismaType)"
        }
        guard entry.arguments.contains(arguments.count) else {
            return "@db.\(name) takes \(entry.arguments.sorted().map(String.init).joined(separator: " or ")) argument(s), not \(arguments.count)"
        }
        return nil
    }
}
