/// JSON Schema (draft 2020-12) for `entities.yaml`, built from the tables the parser reads with
/// (its key sets, field types and their spellings, relation kinds, referential actions, ACL
/// operations and roles), so editor completion and the validator cannot disagree about shape.
///
/// The schema checks shape only: names, references between entities and everything else the
/// validator's rules check stay the validator's job.
public enum EntitiesJSONSchema {
    /// A JSON value, encoded with sorted keys.
    public indirect enum Value: Encodable, Equatable, Sendable {
        case string(String)
        case number(Int)
        case bool(Bool)
        case array([Value])
        case object([String: Value])

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let value): try container.encode(value)
            case .number(let value): try container.encode(value)
            case .bool(let value): try container.encode(value)
            case .array(let value): try container.encode(value)
            case .object(let value): try container.encode(value)
            }
        }
    }

    /// What each key means, shown as hover documentation in editors. Every key the parser knows
    /// must have one (a test checks), so a new key cannot reach the schema undocumented.
    public static let descriptions: [String: String] = [
        // entity
        "entity.name": "The entity's name: the Prisma model and the table (letters, digits and '_', starting with a letter).",
        "entity.version": "The package's own version of this entity; documentation only.",
        "entity.primaryKey": "A primary key of several fields, in order (Prisma's @@id([a, b])), instead of 'primary: true' on one field: a join table's [postId, tagId]; or { fields: [a, b], name: …, map: … } with the key's Prisma Client name (@@id(name:), a key of several fields) and its constraint's name (@id(map:)/@@id(map:), PostgreSQL), fields left out when a field says 'primary: true'.",
        "entity.map": "The table's name in the database when it is not the entity's (Prisma's @@map(\"...\")), e.g. users for User. Relations and Prisma Client keep the entity's name.",
        "entity.renamedFrom": "The entity's previous name: its applied table is renamed, keeping every row (and its foreign keys, indexes and constraints follow the new name), instead of dropped while a new one is created. Changing `map:` renames the table too.",
        "entity.description": "What the entity holds; rendered as a /// comment on the Prisma model.",
        "entity.checksum": "The structural checksum written by the author; a stale value is reported. `schema checksum PACKAGE` prints the current one.",
        "entity.fields": "The columns: a mapping of field name to field, or a list of fields with `name`.",
        "entity.indexes": "Extra indexes (a field's `index: true` or `unique: true` makes a single-column one).",
        "entity.relations": "Relations to other entities or host models: belongsTo (this entity holds the foreign key) or hasMany.",
        "entity.acl": "Who may create, read, update and delete rows, and which rows (rowLevel, readableWhen).",
        // field
        "field.name": "The field's name (list form only).",
        "field.type": "The column type. Seed spellings (string, int, bigint, float, boolean, cuid, uuid, json, datetime, decimal, bytes), Prisma's (String, Int, …, Decimal, Bytes), or an enum declared under 'enums:' (an editor flags one whose name starts lower-case, as Prisma allows and schema validate accepts: it cannot tell it from a misspelt type).",
        "field.required": "The column is NOT NULL (the default unless nullable is set).",
        "field.nullable": "The column may be NULL (Prisma `?`).",
        "field.optional": "Alias of nullable.",
        "field.primary": "The primary key. Exactly one field per entity.",
        "field.generated": "The key is generated on insert (cuid() or uuid(), autoincrement for int).",
        "field.version": "The version of a generated cuid (1, cuid(); 2, cuid(2)) or uuid (4, uuid(); 7, uuid(7), time-ordered): how Prisma Client makes the id; the column is the same.",
        "field.updatedAt": "datetime only: Prisma Client sets it to the current time on every write (Prisma's @updatedAt).",
        "field.db": "A PostgreSQL native type instead of the type's default column, as Prisma's @db. attribute without '@db.': Uuid, Timestamptz(6), Char(2), Decimal(10, 2), ...",
        "field.unique": "A unique index on this field alone.",
        "field.index": "A non-unique index on this field alone.",
        "field.default": "The default value: a literal of the field's type, or now / cuid / uuid where Prisma has that function; a list's default is a list; { dbgenerated: \"gen_random_uuid()\" } is a default the database computes (Prisma's dbgenerated), one of a fixed few.",
        "field.maxLength": "The longest string accepted (VARCHAR(n) on PostgreSQL, a CHECK on SQLite).",
        "field.enum": "The only values accepted (a CHECK constraint; listed in a /// comment in Prisma).",
        "field.min": "The smallest number accepted (a CHECK constraint).",
        "field.max": "The largest number accepted (a CHECK constraint).",
        "field.description": "What the field holds; rendered as a /// comment in Prisma.",
        "field.map": "The column's name in the database when it is not the field's (Prisma's @map(\"...\")), e.g. created_at for createdAt. Changing it renames the column.",
        "field.renamedFrom": "The field's previous name: the change becomes a rename that keeps the data, not a drop and an add.",
        // index
        "index.fields": "The indexed fields, in order.",
        "index.unique": "A unique index.",
        "index.name": "The index's name (default: Prisma's, Entity_field_idx or _key).",
        "index.clientName": "A unique key's name in Prisma Client (@@unique([a, b], name: \"...\")), which queries use; nothing in the database.",
        "index.type": "PostgreSQL's access method, as Prisma's type: argument (BTree by default; Gin, Gist, Hash, Brin, SpGist). SQLite ignores it.",
        "index.sort": "Columns kept in descending order: { createdAt: Desc } (Prisma's sort: Desc).",
        "index.ops": "A column's operator class on PostgreSQL: { email: gin_trgm_ops } (Prisma's ops: raw(\"gin_trgm_ops\")). The extension that provides it must be installed.",
        // relation
        "relation.name": "The relation field's name in the Prisma model.",
        "relation.type": "belongsTo: this entity holds the foreign key; hasMany: the other entity does; manyToMany: a join table holds both (Prisma's implicit many-to-many, _AToB).",
        "relation.entity": "The related entity or host model.",
        "relation.target": "Alias of entity.",
        "relation.field": "belongsTo: the local foreign-key field. hasMany: the foreign-key field of the other entity.",
        "relation.foreignKey": "Alias of field.",
        "relation.fields": "belongsTo: a foreign key of several fields, in the order of references (Prisma's @relation(fields: [a, b], references: [x, y])).",
        "relation.references": "belongsTo: the fields of the other entity the key points at, in order: a unique index of it (or @@unique). Without it, its primary key.",
        "relation.onDelete": "What deleting the referenced row does to this one.",
        "relation.onUpdate": "What changing the referenced key does to this one.",
        "relation.optional": "The relation may be absent (the foreign key is nullable).",
        "relation.description": "What the relation means; documentation only.",
        "relation.relationName": "Prisma's @relation name, needed when two relations join the same two models.",
        "relation.renamedFrom": "A many-to-many's previous relation name (PostToTag for an unnamed one): its join table's pairs move to the new name instead of being dropped.",
        "relation.map": "A belongsTo's foreign key constraint name when it is not Prisma's <table>_<columns>_fkey (Prisma's @relation(map: \"…\"); PostgreSQL).",
        // acl
        "acl.create": "Roles that may insert rows.",
        "acl.read": "Roles that may read rows.",
        "acl.update": "Roles that may update rows.",
        "acl.delete": "Roles that may delete rows.",
        "acl.rowLevel": "Who owns a row, for the self and owner roles: a condition comparing a field with $user.id, e.g. \"authorId = $user.id\".",
        "acl.readableWhen": "Rows everyone allowed to read may read, whoever owns them, e.g. \"isPublic = true\".",
        // metadata.json
        "metadata.schema": "The package's database schema: which entities it exports and where the file is.",
        "metadata.schema.entities": "The entity names entities.yaml defines; the validator compares them with the file.",
        "metadata.schema.path": "The schema file, relative to seed/ (usually schema/entities.yaml).",
    ]

    /// An enum's values in order: each a Prisma identifier, or `{ VALUE: label }` for a value
    /// the database stores under another label (Prisma's `@map`).
    static var enumValues: Value {
        .object(["type": .string("array"), "minItems": .number(1), "uniqueItems": .bool(true),
                 "items": .object(["oneOf": .array([
                    .object(["type": .string("string"), "pattern": .string(prismaIdentifier)]),
                    .object(["type": .string("object"), "minProperties": .number(1), "maxProperties": .number(1),
                             "propertyNames": .object(["pattern": .string(prismaIdentifier)]),
                             "additionalProperties": .object(["type": .string("string"), "minLength": .number(1)])]),
                 ])])])
    }

    /// The schema for `entities.yaml`.
    public static var entitiesFile: Value {
        .object([
            "$schema": .string("https://json-schema.org/draft/2020-12/schema"),
            "title": .string("entities.yaml of a package (packages/<name>/seed/schema/entities.yaml)"),
            "type": .string("object"),
            "required": .array([.string("entities")]),
            "additionalProperties": .bool(false),
            "properties": .object([
                "entities": .object(["type": .string("array"), "description": .string("The package's entities."),
                                     "items": .object(["$ref": .string("#/$defs/entity")])]),
                "enums": .object([
                    "type": .string("object"),
                    "description": .string("Enum types (a PostgreSQL enum type, a Prisma enum): name → its values in order, or { map, values } when the database names the type otherwise (Prisma's @@map). A value written { VALUE: label } is stored as label (Prisma's @map). A field names the enum as its type."),
                    "propertyNames": .object(["pattern": .string(prismaIdentifier)]),
                    "additionalProperties": .object(["oneOf": .array([
                        enumValues,
                        .object(["type": .string("object"), "additionalProperties": .bool(false), "required": .array([.string("values")]),
                                 "properties": .object([
                                    "map": .object(["type": .string("string"), "minLength": .number(1),
                                                    "description": .string("The type's name in the database (Prisma's @@map).")]),
                                    "schema": .object(["type": .string("string"), "minLength": .number(1),
                                                       "description": .string("The database schema of a host enum the package uses, when the host keeps it outside public (Prisma's @@schema).")]),
                                    "values": enumValues,
                                 ])]),
                    ])]),
                ]),
            ]),
            "$defs": .object([
                "entity": object("entity", keys: EntitiesFileParser.entityKeys, required: ["name", "fields"], properties: [
                    "name": identifier, "version": .object(["type": .array([.string("string"), .string("number")])]),
                    // Real files carry `checksum: null` until one is computed; the parser ignores it.
                    "description": string, "checksum": .object(["type": .array([.string("string"), .string("null")])]),
                    "fields": .object(["oneOf": .array([
                        .object(["type": .string("object"), "minProperties": .number(1), "additionalProperties": .object(["$ref": .string("#/$defs/field")])]),
                        .object(["type": .string("array"), "minItems": .number(1), "items": .object(["$ref": .string("#/$defs/listField")])]),
                    ])]),
                    "indexes": .object(["type": .string("array"), "items": .object(["$ref": .string("#/$defs/index")])]),
                    "relations": .object(["type": .string("array"), "items": .object(["$ref": .string("#/$defs/relation")])]),
                    "acl": .object(["$ref": .string("#/$defs/acl")]), "map": identifier, "renamedFrom": identifier,
                    "primaryKey": .object(["oneOf": .array([
                        .object(["type": .string("array"), "minItems": .number(1), "items": identifier]),
                        .object(["type": .string("object"), "additionalProperties": .bool(false), "minProperties": .number(1), "properties": .object([
                            "fields": .object(["type": .string("array"), "minItems": .number(1), "items": identifier]),
                            "name": identifier, "map": identifier,
                        ])]),
                    ])]),
                ]),
                "field": object("field", keys: EntitiesFileParser.fieldKeys, required: ["type"], properties: fieldProperties),
                "listField": object("field", keys: EntitiesFileParser.fieldKeys.union(["name"]), required: ["name", "type"],
                                    properties: fieldProperties.merging(["name": identifier]) { $1 }),
                "index": object("index", keys: EntitiesFileParser.indexKeys, required: ["fields"], properties: [
                    "fields": .object(["type": .string("array"), "minItems": .number(1), "items": string]),
                    "unique": boolean, "name": identifier,
                    "type": enumeration(IndexMethod.allCases.map(\.rawValue)), "clientName": identifier,
                    "sort": .object(["type": .string("object"), "additionalProperties": enumeration(["Asc", "Desc"])]),
                    "ops": .object(["type": .string("object"), "additionalProperties": .object(["type": .string("string"), "pattern": .string("^[a-z_][a-z0-9_]*$")])]),
                ]),
                "relation": object("relation", keys: EntitiesFileParser.relationKeys, required: ["name", "type"], properties: [
                    "name": identifier, "type": enumeration(Relation.Kind.allCases.map(\.rawValue)),
                    "entity": identifier, "target": identifier, "field": identifier, "foreignKey": identifier,
                    "fields": .object(["type": .string("array"), "minItems": .number(1), "items": identifier]),
                    "references": .object(["type": .string("array"), "minItems": .number(1), "items": identifier]),
                    "onDelete": enumeration(ReferentialAction.allCases.map(\.rawValue)), "onUpdate": enumeration(ReferentialAction.allCases.map(\.rawValue)),
                    "optional": boolean, "description": string, "relationName": string, "renamedFrom": identifier, "map": identifier,
                ], extra: ["anyOf": .array([.object(["required": .array([.string("entity")])]), .object(["required": .array([.string("target")])])])]),
                "acl": object("acl", keys: EntitiesFileParser.aclKeys, required: [], properties: Dictionary(uniqueKeysWithValues:
                    ACLOperation.allCases.map { ($0.rawValue, roles) } + [("rowLevel", string), ("readableWhen", string)])),
            ]),
        ])
    }

    /// The schema for `seed/metadata.json`: its `schema` block is checked, other keys are the host's.
    public static var metadataFile: Value {
        .object([
            "$schema": .string("https://json-schema.org/draft/2020-12/schema"),
            "title": .string("seed/metadata.json of a package (the part schema reads)"),
            "type": .string("object"),
            "properties": .object([
                "packageId": .object(["type": .string("string"), "description": .string("The package id (its folder name under packages/).")]),
                "schema": .object([
                    "type": .string("object"), "description": .string(descriptions["metadata.schema"] ?? ""),
                    "required": .array([.string("entities")]),
                    "properties": .object([
                        "entities": .object(["type": .string("array"), "items": string, "description": .string(descriptions["metadata.schema.entities"] ?? "")]),
                        "path": .object(["type": .string("string"), "description": .string(descriptions["metadata.schema.path"] ?? "")]),
                    ]),
                ]),
            ]),
        ])
    }

    static let string = Value.object(["type": .string("string")])
    static let boolean = Value.object(["type": .string("boolean")])
    static let identifier = Value.object(["type": .string("string"), "minLength": .number(1)])
    /// Prisma's identifier rule, which enum names and values follow.
    static let prismaIdentifier = "^[A-Za-z][A-Za-z0-9_]*$"
    /// An enum type in a field's `type:`: PascalCase, Prisma's convention. `schema validate` takes
    /// any declared enum (a lower-case one too), but a JSON Schema cannot see which names are
    /// declared: this keeps a misspelt field type (`strnig`) flagged in editors, at the price of
    /// flagging a field of a lower-case enum type there too.
    static let enumName = "^[A-Z][A-Za-z0-9_]*$"
    static let roles = Value.object([
        "type": .string("array"),
        // Unknown roles are a warning (W041), not a shape error: offered, not enforced.
        "items": .object(["anyOf": .array([enumeration(AccessControl.knownRoles), .object(["type": .string("string")])])]),
    ])

    static var fieldProperties: [String: Value] {
        [
            "type": .object(["anyOf": .array([enumeration(FieldType.acceptedSpellings), .object(["type": .string("string"), "pattern": .string(enumName)])])]),
            "required": boolean, "nullable": boolean, "optional": boolean, "primary": boolean, "generated": boolean, "updatedAt": boolean, "db": .object(["type": .string("string")]),
            "unique": boolean, "index": boolean,
            "default": .object(["anyOf": .array([
                .object(["type": .array([.string("string"), .string("number"), .string("boolean"), .string("array")])]),
                .object(["type": .string("object"), "required": .array([.string("dbgenerated")]), "additionalProperties": .bool(false),
                         "properties": .object(["dbgenerated": enumeration(DatabaseDefault.allCases.map(\.rawValue))])]),
            ])]),
            "maxLength": .object(["type": .string("integer"), "minimum": .number(0)]),
            "version": .object(["enum": .array([1, 2, 4, 7].map { .number($0) })]),
            "enum": .object(["type": .array([.string("array")]), "items": .object(["type": .array([.string("string"), .string("number")])])]),
            "min": .object(["type": .string("number")]), "max": .object(["type": .string("number")]),
            "description": string, "renamedFrom": identifier, "map": identifier,
        ]
    }

    static func enumeration(_ values: [String]) -> Value {
        .object(["enum": .array(values.map(Value.string))])
    }

    /// An object with exactly `keys`, each property documented from ``descriptions``.
    static func object(_ kind: String, keys: Set<String>, required: [String], properties: [String: Value], extra: [String: Value] = [:]) -> Value {
        var documented: [String: Value] = [:]
        for key in keys {
            guard case .object(var property) = properties[key] ?? .object([:]) else { continue }
            if let text = descriptions["\(kind).\(key)"] { property["description"] = .string(text) }
            documented[key] = .object(property)
        }
        var schema: [String: Value] = [
            "type": .string("object"),
            "additionalProperties": .bool(false),
            "properties": .object(documented),
        ]
        if !required.isEmpty { schema["required"] = .array(required.map(Value.string)) }
        return .object(schema.merging(extra) { $1 })
    }
}
