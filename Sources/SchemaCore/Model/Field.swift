/// One column of an entity, as declared in `entities.yaml`, with its source positions.
public struct Field: Hashable, Sendable {
    /// The column name.
    public var name: String
    /// The type after alias folding (`String` → `.string`).
    public var type: FieldType
    /// `required:` as written, if written.
    public var required: Bool?
    /// `nullable:` (or `optional:`) as written, if written.
    public var nullable: Bool?
    /// `primary: true`.
    public var isPrimary: Bool = false
    /// `generated: true`: cuid()/uuid() for identifiers, autoincrement() for `int`.
    public var isGenerated: Bool = false
    /// `version:` of a generated `cuid` (1, Prisma's `cuid()`; 2, `cuid(2)`) or `uuid` (4, `uuid()`;
    /// 7, `uuid(7)`): how Prisma Client makes the value; the column is the same.
    public var idVersion: Int?
    /// `updatedAt: true` (datetime): Prisma Client sets it to the current time on every write
    /// (Prisma's `@updatedAt`); the database sees a plain column.
    public var isUpdatedAt: Bool = false
    /// `db:` a PostgreSQL native type instead of the type's default column (`db: Uuid`,
    /// `db: Timestamptz(6)`), Prisma's `@db.X`.
    public var nativeType: NativeType?
    /// `unique: true`: a single-column unique index.
    public var isUnique: Bool = false
    /// `index: true`: a single-column index.
    public var isIndexed: Bool = false
    /// `default:`. The string `now` on a datetime means the current time.
    public var defaultValue: ScalarValue?
    /// `maxLength:` for strings.
    public var maxLength: Int?
    /// `enum:` allowed values for strings (a CHECK), or the values of ``enumType`` in declared order.
    public var enumValues: [String]?
    /// The enum type the field's `type:` names (declared under the file's `enums:`): a PostgreSQL
    /// `CREATE TYPE … AS ENUM` and a Prisma `enum` block. ``type`` is then `.string`.
    public var enumType: String?
    /// The enum type's name in the database when it differs from ``enumType`` (`map:` under
    /// `enums:`, Prisma's `@@map` on the enum).
    public var enumTypeMap: String?
    /// The database schema of the enum type when it is not the connection's (`schema:` under
    /// `enums:`): a host enum declared with `@@schema("auth")`, which the host owns and packages use.
    public var enumSchema: String?
    /// Enum value → the label the database stores for it, for the values that have another one
    /// (Prisma's `@map` on a value). Prisma Client, defaults and every rule of the package file
    /// use the values; SQL and drift the labels.
    public var enumValueMap: [String: String]?
    /// `min:` lower bound for numbers.
    public var minimum: Double?
    /// `max:` upper bound for numbers.
    public var maximum: Double?
    /// `type: String[]`: a scalar list (Prisma's `String[]`, a PostgreSQL array column).
    public var isList: Bool = false
    /// `default: [a, b]` of a list (Prisma's `@default([a, b])`; `[]` is the empty list).
    public var listDefault: [ScalarValue]?
    /// `default: { dbgenerated: "gen_random_uuid()" }`: a default the database computes (Prisma's `dbgenerated`).
    public var databaseDefault: DatabaseDefault?
    /// `map:` the column's name in the database when it differs from the field's (Prisma's
    /// `@map("…")`): SQL and drift use it, Prisma Client and every rule of the package file the
    /// field's name.
    public var column: String?
    /// `renamedFrom:` a planning hint: this column used to have another name.
    public var renamedFrom: String?
    /// `description:` documentation only; not part of the structure.
    public var documentation: String?
    /// Where the field is declared.
    public var location: SourceLocation
    /// Where each key of the field is written, to point diagnostics at the exact value.
    public var keyLocations = KeyLocations()

    /// Creates a field; the optional properties default to "not written".
    public init(name: String, type: FieldType, location: SourceLocation) {
        self.name = name
        self.type = type
        self.location = location
    }

    /// Whether the column accepts NULL: `nullable: true` or `required: false`.
    /// A field that says neither is NOT NULL, as the host schema's own models are.
    public var isOptional: Bool {
        if isPrimary { return false }
        return nullable == true || required == false
    }

    /// The location of `key`'s value, or of the field when the key is absent.
    public func location(of key: String) -> SourceLocation {
        keyLocations[key] ?? location
    }
}
