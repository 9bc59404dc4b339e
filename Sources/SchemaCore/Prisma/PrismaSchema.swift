/// The parts of a Prisma schema the tool needs: provider, models, their fields and attributes, enums.
public struct PrismaSchema: Hashable, Sendable {
    /// The datasource provider (`sqlite`, `postgresql`, ...), when declared.
    public var provider: String?
    /// The datasource's `relationMode` (or its older name `referentialIntegrity`), when declared:
    /// `"prisma"` means Prisma Client emulates relations and the database has no foreign keys.
    public var relationMode: String?

    /// Whether relations are emulated by Prisma Client (`relationMode = "prisma"`): no foreign key
    /// is created for them, as Prisma Migrate creates none.
    public var emulatesRelations: Bool { relationMode == "prisma" }
    /// Models in file order.
    public var models: [PrismaModel]
    /// Enum names.
    public var enums: [String]
    /// Each enum's values in declared order (`@map`'d values by their Prisma name).
    public var enumValues: [String: [String]] = [:]
    /// The datasource's `schemas = ["public", "auth"]` (Prisma's multi-schema): when set, every
    /// model and enum says its database schema with `@@schema`, the package's ones too.
    public var schemas: [String] = []
    /// The database schema package tables and enum types are made in, which their generated
    /// models and enums name with `@@schema` under multi-schema: `public`, or `packageSchema`
    /// of `schema.config.json` (one of ``schemas``). Host models of another schema are
    /// referenced with theirs (`"public"."users"` from a package in `app`).
    public var packageSchema: String = PrimaryKeys.connectionSchema
    /// Enum → its type's name in the database, for enums with `@@map`.
    public var enumTypeMaps: [String: String] = [:]
    /// Enum → its database schema, for enums whose `@@schema` is not the connection's (`public`).
    public var enumSchemas: [String: String] = [:]
    /// Enum → value → database label, for the values with `@map`.
    public var enumValueMaps: [String: [String: String]] = [:]
    /// The database schema of the host's enum `type` as a package names it (`schema:`): its
    /// `@@schema` when that is not `public`, and `public` itself when package tables and types are
    /// made in another schema (``packageSchema``), whose sessions reach it only by that name.
    public func databaseSchema(ofEnum type: String) -> String? {
        enumSchemas[type] ?? (packageSchema == PrimaryKeys.connectionSchema ? nil : PrimaryKeys.connectionSchema)
    }
    /// The database names of the enum types: what PostgreSQL calls them.
    public var enumTypesInDatabase: Set<String> { Set(enums.map { enumTypeMaps[$0] ?? $0 }) }
    /// The file the schema was read from.
    public var file: String

    /// Creates a schema value.
    public init(provider: String? = nil, models: [PrismaModel] = [], enums: [String] = [], file: String = "schema.prisma") {
        self.provider = provider
        self.models = models
        self.enums = enums
        self.file = file
    }

    /// The model called `name`.
    /// A warning when the datasource's provider is not the database `schema` works on: the
    /// columns are created with that database's types (`VARCHAR(n)`, `TIMESTAMP(3)`), which a
    /// schema for another provider does not declare, so Prisma sees drift and its client mistypes.
    public func providerMismatch(with dialect: SQLDialect) -> String? {
        guard let provider else { return nil }
        let expected = dialect == .postgresql ? ["postgresql", "postgres"] : ["sqlite"]
        guard !expected.contains(provider) else { return nil }
        return "the base schema's datasource says provider = \"\(provider)\", but the database is \(dialect == .postgresql ? "PostgreSQL" : "SQLite"): "
            + "columns are created as \(dialect == .postgresql ? "PostgreSQL" : "SQLite") types that the generated Prisma schema does not declare; "
            + "set provider = \"\(expected[0])\" in \(file)"
    }

    public func model(named name: String) -> PrismaModel? {
        models.first { $0.name == name }
    }
}

/// A `model` block.
public struct PrismaModel: Hashable, Sendable {
    public var name: String
    public var fields: [PrismaField]
    /// `@@index`, `@@unique`, `@@id`, `@@map`, ...
    public var blockAttributes: [PrismaAttribute]
    /// Where `model Name` is written.
    public var location: SourceLocation
    /// The line of the closing brace, where back-relation fields are inserted when merging.
    public var closingLine: Int

    /// The field called `name`.
    public func field(named name: String) -> PrismaField? {
        fields.first { $0.name == name }
    }

    /// The table Prisma creates for the model: `@@map("name")`, else the model's name.
    public var tableName: String {
        blockAttributes.first { $0.name == "map" }.flatMap { $0.named["name"] ?? $0.positional.first }.map(PrismaAttribute.literal) ?? name
    }

    /// The database schema of the model's table (`@@schema("auth")`), when it says one.
    public var databaseSchema: String? {
        blockAttributes.first { $0.name == "schema" }.flatMap { $0.positional.first ?? $0.named["name"] }.map(PrismaAttribute.literal)
    }

    /// The sets of fields whose values are unique together, which a foreign key may reference:
    /// the primary key, `@unique` fields and `@@unique([...])`.
    public var uniqueFieldSets: [[String]] {
        [primaryKey] + fields.filter { $0.attribute("unique") != nil }.map { [$0.name] }
            + blockAttributes.filter { $0.name == "unique" }.compactMap(\.fieldList)
    }

    /// The key constraint's name when the model gives one (`@id(map: "…")`, `@@id([…], map: "…")`).
    public var primaryKeyMap: String? {
        let attribute = fields.lazy.compactMap { $0.attribute("id") }.first ?? blockAttributes.first { $0.name == "id" }
        return attribute?.named["map"].map(PrismaAttribute.literal)
    }

    /// The primary-key columns: `@id` fields, or `@@id([...])`.
    public var primaryKey: [String] {
        let single = fields.filter { $0.attribute("id") != nil }.map(\.name)
        if !single.isEmpty { return single }
        return blockAttributes.first { $0.name == "id" }?.fieldList ?? []
    }
}

/// One field line of a model.
public struct PrismaField: Hashable, Sendable {
    public var name: String
    /// The type name without `?` or `[]`.
    public var type: String
    public var isOptional: Bool
    public var isList: Bool
    public var attributes: [PrismaAttribute]
    public var location: SourceLocation

    /// The attribute called `name` (`id`, `default`, `relation`, `db.VarChar`, ...).
    /// The native type of `@db.X` (`@db.VarChar(n)` is a length, not one), when it is one `db:` knows.
    public var nativeType: NativeType? {
        attributes.first { $0.name.hasPrefix("db.") && $0.name != "db.VarChar" }.flatMap { attribute in
            NativeType(parsing: attribute.name + (attribute.positional.isEmpty ? "" : "(" + attribute.positional.joined(separator: ",") + ")"))
        }
    }

    public func attribute(_ name: String) -> PrismaAttribute? {
        attributes.first { $0.name == name }
    }

    /// The name of the relation the field belongs to: `@relation("name", …)` or
    /// `@relation(name: "name", …)`, which Prisma reads alike.
    public var relationName: String? {
        attribute("relation").flatMap { $0.positional.first ?? $0.named["name"] }.map(PrismaAttribute.literal)
    }

    /// The column Prisma creates for the field: `@map("name")`, else the field's name.
    public var columnName: String {
        attribute("map").flatMap { $0.named["name"] ?? $0.positional.first }.map(PrismaAttribute.literal) ?? name
    }

    /// Whether this is a scalar column rather than a relation field.
    public var isScalar: Bool { PrismaField.scalarTypes.contains(type) }

    /// Prisma's scalar types.
    public static let scalarTypes: Set<String> = ["String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes"]
}

/// An attribute such as `@default(cuid())` or `@@index([a, b], map: "x")`.
public struct PrismaAttribute: Hashable, Sendable {
    /// The name without `@`/`@@`.
    public var name: String
    /// Positional arguments, as written (trimmed).
    public var positional: [String]
    /// Named arguments, as written (trimmed).
    public var named: [String: String]

    /// The first positional argument or the `fields:` argument, read as a list of names.
    public var fieldList: [String]? {
        (named["fields"] ?? positional.first).flatMap(PrismaAttribute.nameList)
    }

    /// `"users"` → `users`: a string argument without its quotes (Prisma's escapes are not needed
    /// in table and column names).
    static func literal(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") else { return trimmed }
        return String(trimmed.dropFirst().dropLast())
    }

    /// `[a, b(sort: Desc)]` → `["a", "b"]`; a single name without brackets, which Prisma reads as
    /// a list of one (`@@index(orgId)`, as langfuse writes it), → `["orgId"]`.
    static func nameList(_ text: String) -> [String]? {
        listItems(text)?.map { item in
            String(item.prefix { $0 != "(" }).trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
    }

    /// The items of a list argument as written (`b(sort: Desc)` keeps its arguments): those of
    /// `[a, b]`, or the one item of a bare `a`; nil for anything else (a string, a call).
    static func listItems(_ text: String) -> [String]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("["), trimmed.hasSuffix("]") {
            return PrismaArgumentSplitter.split(String(trimmed.dropFirst().dropLast())).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let name = trimmed.prefix { $0 != "(" }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), name.first?.isNumber == false,
              trimmed.count == name.count || trimmed.hasSuffix(")") else { return nil }
        return [trimmed]
    }
}
