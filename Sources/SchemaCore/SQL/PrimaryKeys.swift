/// The primary-key column of every table a foreign key or a row-level rule may reference.
public enum PrimaryKeys {
    /// Table → primary-key column, for the host's models and `entities` (later entries win, so
    /// pass the newest structures last).
    public static func of(host: PrismaSchema?, entities: [CanonicalEntity]) -> [String: String] {
        var keys: [String: String] = [:]
        for model in host?.models ?? [] {
            if let key = model.primaryKey.first { keys[model.name] = model.field(named: key)?.columnName ?? key }
            if model.primaryKey.count > 1 { keys[compoundKeyKey(model.name)] = model.primaryKey.map { model.field(named: $0)?.columnName ?? $0 }.joined(separator: "\u{0}") }
            if model.tableName != model.name { keys[tableKey(model.name)] = model.tableName }
            if let schema = model.databaseSchema, schema != host?.packageSchema { keys[schemaKey(model.name)] = schema }
            for field in model.fields where field.columnName != field.name { keys[columnKey(model.name, field.name)] = field.columnName }
        }
        if host?.emulatesRelations == true { keys[emulatedRelationsKey] = "prisma" }
        for entity in entities {
            if let key = entity.primaryKey { keys[entity.name] = key.column ?? key.name }
            keys[compoundKeyKey(entity.name)] = entity.compoundKey.map { $0.map(entity.columnName).joined(separator: "\u{0}") }
            keys[tableKey(entity.name)] = entity.table
            for field in entity.fields { keys[columnKey(entity.name, field.name)] = field.column }
        }
        return keys
    }

    /// The table a relation to `target` references: a host model renamed with `@@map` or an
    /// entity with `map:` has its mapped name (and ``of(host:entities:)`` gives its key column's
    /// mapped name), any other target its own. The map carries these under keys no table can have (they begin with NUL).
    public static func table(_ target: String, in keys: [String: String]) -> String {
        keys[tableKey(target)] ?? target
    }

    /// The table of `target` as PostgreSQL names it from the connection's schema: `auth.users` for
    /// a host model in another database schema (`@@schema("auth")`), else ``table(_:in:)``. What
    /// drift compares foreign keys' targets by, and the names a data check reads.
    public static func qualifiedTable(_ target: String, in keys: [String: String]) -> String {
        keys[schemaKey(target)].map { $0 + "." + table(target, in: keys) } ?? table(target, in: keys)
    }

    /// ``qualifiedTable(_:in:)`` quoted for SQL with `quote`: `"auth"."users"`.
    public static func reference(_ target: String, in keys: [String: String], quote: (String) -> String) -> String {
        (keys[schemaKey(target)].map { quote($0) + "." } ?? "") + quote(table(target, in: keys))
    }

    /// The database schema package tables are made in by default: the connection's, which hosts
    /// call `public` (a multi-schema host may choose another, ``PrismaSchema/packageSchema``).
    public static let connectionSchema = "public"

    /// The column a relation's target keeps `field` in: its `@map`/`map:` name, else `field`.
    public static func column(_ target: String, _ field: String, in keys: [String: String]) -> String {
        keys[columnKey(target, field)] ?? field
    }

    /// The columns a foreign key of `relation` references in its target, in order: its
    /// `references:` by their columns, else the target's primary key (all of its columns).
    public static func referencedColumns(_ relation: CanonicalRelation, in keys: [String: String]) -> [String] {
        if let references = relation.references { return references.map { column(relation.target, $0, in: keys) } }
        if let compound = keys[compoundKeyKey(relation.target)] { return compound.split(separator: "\u{0}").map(String.init) }
        return [keys[relation.target] ?? "id"]
    }

    static func tableKey(_ model: String) -> String { "\u{0}table:" + model }

    static func compoundKeyKey(_ model: String) -> String { "\u{0}key:" + model }

    static func schemaKey(_ model: String) -> String { "\u{0}schema:" + model }

    static func columnKey(_ model: String, _ field: String) -> String { "\u{0}column:" + model + "." + field }

    /// Whether the host's relations are emulated by Prisma Client (`relationMode = "prisma"`):
    /// relations then get no foreign key, in the SQL and in what drift expects.
    public static func emulatesRelations(_ keys: [String: String]) -> Bool { keys[emulatedRelationsKey] != nil }

    static let emulatedRelationsKey = "\u{0}relationMode"
}
