/// The structure of an entity with everything that does not affect the database or its permissions
/// removed and everything order-insensitive sorted. Checksums, cross-package comparison, the
/// registry's snapshots and migration planning all work on this value.
public struct CanonicalEntity: Hashable, Sendable, Codable {
    /// The entity name.
    public var name: String
    /// Fields sorted by name.
    public var fields: [CanonicalField]
    /// Indexes (explicit ones and those from `index:`/`unique:` on fields), de-duplicated and sorted.
    public var indexes: [CanonicalIndex]
    /// Relations sorted by name.
    public var relations: [CanonicalRelation]
    /// The ACL, when declared.
    public var acl: CanonicalACL?
    /// The table's name when the package maps the entity to another one (`map:`, Prisma's `@@map`).
    public var table: String?
    /// The key's fields in order when it has several (`primaryKey:`, Prisma's `@@id`); each is
    /// also `primary`. Nil for a key of one field.
    public var compoundKey: [String]?
    /// A compound key's name in Prisma Client (`primaryKey: { name: … }`, Prisma's `@@id(name:)`):
    /// what queries call it; nothing in the database.
    public var keyName: String?
    /// The key constraint's name when it is not Prisma's `<table>_pkey` (`primaryKey: { map: … }`,
    /// Prisma's `@id(map:)`/`@@id(map:)`); PostgreSQL names the constraint so, SQLite names none.
    public var keyMap: String?
    /// The join table of an implicit many-to-many (Prisma's `_AToB`, columns `A` and `B`), which
    /// the planner makes from the relations; Prisma declares no model for it. Nil otherwise (an
    /// optional, so that snapshots stored before it existed decode).
    public var joinTable: Bool?

    /// Whether this is the join table of an implicit many-to-many.
    public var isJoinTable: Bool { joinTable == true }
    /// How the entity was written (field order, descriptions, relation names): what the Prisma
    /// output shows. Field order and descriptions take no part in checksums or comparisons, so
    /// reordering fields or editing a description queues nothing; relation names do (they decide
    /// which Prisma relation fields pair up), see ``relationNames``.
    public var presentation: EntityPresentation?

    /// Creates a canonical entity; callers normally use ``init(_:)``.
    public init(name: String, fields: [CanonicalField], indexes: [CanonicalIndex], relations: [CanonicalRelation], acl: CanonicalACL?,
                presentation: EntityPresentation? = nil, table: String? = nil) {
        self.name = name
        self.table = table
        self.fields = fields
        self.indexes = indexes
        self.relations = relations
        self.acl = acl
        self.presentation = presentation
    }

    /// Equal structures: of the ``presentation`` only the relation names count, as in the checksum.
    public static func == (lhs: CanonicalEntity, rhs: CanonicalEntity) -> Bool {
        lhs.name == rhs.name && lhs.fields == rhs.fields && lhs.indexes == rhs.indexes && lhs.relations == rhs.relations && lhs.acl == rhs.acl
            && lhs.relationNames == rhs.relationNames && lhs.table == rhs.table
            && lhs.compoundKey == rhs.compoundKey && lhs.joinTable == rhs.joinTable && lhs.keyName == rhs.keyName && lhs.keyMap == rhs.keyMap
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(fields)
        hasher.combine(indexes)
        hasher.combine(relations)
        hasher.combine(acl)
        hasher.combine(relationNames)
        hasher.combine(table)
        hasher.combine(compoundKey)
        hasher.combine(joinTable)
        hasher.combine(keyName)
        hasher.combine(keyMap)
    }

    /// Relation name → its `relationName:`, the part of the presentation that is structure.
    public var relationNames: [String: String] { presentation?.relationNames ?? [:] }

    /// The fields in the order the package declared them (the primary key first when unknown).
    public var fieldsInDeclaredOrder: [CanonicalField] {
        guard let order = presentation?.fieldOrder, !order.isEmpty else { return fields.filter(\.primary) + fields.filter { !$0.primary } }
        let position = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return fields.enumerated().sorted { (position[$0.element.name] ?? order.count + $0.offset, $0.offset) < (position[$1.element.name] ?? order.count + $1.offset, $1.offset) }
            .map(\.element)
    }

    /// The field called `name`.
    public func field(named name: String) -> CanonicalField? {
        fields.first { $0.name == name }
    }

    /// The primary-key field when the key is one field (validation guarantees a key); nil for a
    /// compound key, which ``keyColumns`` lists.
    public var primaryKey: CanonicalField? { compoundKey == nil ? fields.first(where: \.primary) : nil }

    /// The key's fields in order: one, or those of a compound key.
    public var keyColumns: [String] { compoundKey ?? primaryKey.map { [$0.name] } ?? [] }
}

/// How an entity was written, beside its structure: kept with snapshots so that the Prisma
/// output follows the package file.
public struct EntityPresentation: Hashable, Sendable, Codable {
    /// Field names in declared order.
    public var fieldOrder: [String]
    /// The entity's `description:`.
    public var documentation: String?
    /// Field name → its `description:`.
    public var fieldDocumentation: [String: String]
    /// Relation name → its `relationName:`.
    public var relationNames: [String: String]

    /// Creates a presentation.
    public init(fieldOrder: [String] = [], documentation: String? = nil, fieldDocumentation: [String: String] = [:], relationNames: [String: String] = [:]) {
        self.fieldOrder = fieldOrder
        self.documentation = documentation
        self.fieldDocumentation = fieldDocumentation
        self.relationNames = relationNames
    }
}

/// A field's structure.
public struct CanonicalField: Hashable, Sendable, Codable {
    public var name: String
    public var type: FieldType
    public var optional: Bool
    public var primary: Bool
    public var generated: Bool
    public var defaultValue: ScalarValue?
    public var maxLength: Int?
    /// Allowed values, sorted and de-duplicated (a set, as a CHECK constraint sees it); for an
    /// ``enumType`` the type's values in declared order (PostgreSQL sorts by it).
    public var enumValues: [String]?
    /// The name of the enum type (PostgreSQL `CREATE TYPE … AS ENUM`, a Prisma `enum`), when the
    /// field's type is one.
    public var enumType: String?
    /// The enum type's name in the database, when it is not ``enumType`` (Prisma's `@@map`).
    public var enumTypeMap: String?
    /// The enum type's database schema when it is not the connection's: a host enum kept in
    /// another schema (Prisma's `@@schema`), which packages use and never create or change.
    public var enumSchema: String?
    /// Value → database label, for the values of ``enumType`` stored under another label
    /// (Prisma's `@map`); only values that differ, never empty.
    public var enumValueMap: [String: String]?
    public var minimum: Double?
    public var maximum: Double?
    /// Prisma's `@updatedAt`: the client writes the time; nothing in the database says so, but
    /// the generated client differs, so it counts.
    public var updatedAt: Bool
    /// A PostgreSQL native column type (``NativeType``), when the field asks for one.
    public var nativeType: NativeType?
    /// The column's name when the package maps the field to another one (`map:`, Prisma's `@map`).
    public var column: String?
    /// A scalar list (Prisma's `String[]`): a PostgreSQL array of ``type``, nullable as Prisma makes it.
    public var list: Bool
    /// A list's default (``defaultValue`` is nil for a list).
    public var listDefault: [ScalarValue]?
    /// A default the database computes (``DatabaseDefault``; ``defaultValue`` is nil then).
    public var databaseDefault: DatabaseDefault?
    /// The version of a generated `cuid` (2) or `uuid` (7) when it is not Prisma's default
    /// (`cuid()` is 1, `uuid()` 4): Prisma Client makes the value; the column is the same.
    public var idVersion: Int?

    /// The field without what only Prisma Client sees (`updatedAt`, an id's version): two fields
    /// that differ only there are the same column, and a change between them runs nothing.
    public var inDatabase: CanonicalField {
        var field = self
        field.updatedAt = false
        field.idVersion = nil
        return field
    }

    /// Whether a row inserted without the column gets a value: a default value or a computed one.
    public var hasDefault: Bool { defaultValue != nil || databaseDefault != nil }

    /// Creates a canonical field.
    public init(name: String, type: FieldType, optional: Bool, primary: Bool = false, generated: Bool = false,
                defaultValue: ScalarValue? = nil, maxLength: Int? = nil, enumValues: [String]? = nil,
                minimum: Double? = nil, maximum: Double? = nil, updatedAt: Bool = false, nativeType: NativeType? = nil, enumType: String? = nil,
                column: String? = nil, list: Bool = false, listDefault: [ScalarValue]? = nil,
                enumTypeMap: String? = nil, enumValueMap: [String: String]? = nil, databaseDefault: DatabaseDefault? = nil, enumSchema: String? = nil) {
        self.databaseDefault = databaseDefault
        self.enumSchema = enumSchema
        self.enumTypeMap = enumTypeMap
        self.enumValueMap = enumValueMap
        self.list = list
        self.listDefault = listDefault
        self.updatedAt = updatedAt
        self.column = column
        self.enumType = enumType
        self.nativeType = nativeType
        self.name = name
        self.type = type
        self.optional = optional
        self.primary = primary
        self.generated = generated
        self.defaultValue = defaultValue
        self.maxLength = maxLength
        self.enumValues = enumValues
        self.minimum = minimum
        self.maximum = maximum
    }
}

extension CanonicalField {
    enum CodingKeys: String, CodingKey {
        case name, type, optional, primary, generated, defaultValue, maxLength, enumValues, minimum, maximum, updatedAt, nativeType, enumType, column, list, listDefault
        case enumTypeMap, enumValueMap, databaseDefault, enumSchema, idVersion
    }

    /// Structures stored before `updatedAt` existed have no such key: it reads as false.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try container.decode(String.self, forKey: .name), type: try container.decode(FieldType.self, forKey: .type),
                  optional: try container.decode(Bool.self, forKey: .optional), primary: try container.decode(Bool.self, forKey: .primary),
                  generated: try container.decode(Bool.self, forKey: .generated),
                  defaultValue: try container.decodeIfPresent(ScalarValue.self, forKey: .defaultValue),
                  maxLength: try container.decodeIfPresent(Int.self, forKey: .maxLength),
                  enumValues: try container.decodeIfPresent([String].self, forKey: .enumValues),
                  minimum: try container.decodeIfPresent(Double.self, forKey: .minimum),
                  maximum: try container.decodeIfPresent(Double.self, forKey: .maximum),
                  updatedAt: try container.decodeIfPresent(Bool.self, forKey: .updatedAt) ?? false,
                  nativeType: try container.decodeIfPresent(NativeType.self, forKey: .nativeType),
                  enumType: try container.decodeIfPresent(String.self, forKey: .enumType),
                  column: try container.decodeIfPresent(String.self, forKey: .column),
                  list: try container.decodeIfPresent(Bool.self, forKey: .list) ?? false,
                  listDefault: try container.decodeIfPresent([ScalarValue].self, forKey: .listDefault),
                  enumTypeMap: try container.decodeIfPresent(String.self, forKey: .enumTypeMap),
                  enumValueMap: try container.decodeIfPresent([String: String].self, forKey: .enumValueMap),
                  databaseDefault: try container.decodeIfPresent(DatabaseDefault.self, forKey: .databaseDefault),
                  enumSchema: try container.decodeIfPresent(String.self, forKey: .enumSchema))
        idVersion = try container.decodeIfPresent(Int.self, forKey: .idVersion)
    }

    /// `updatedAt` is written only when true, so every other stored structure reads as it always did.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try container.encode(optional, forKey: .optional)
        try container.encode(primary, forKey: .primary)
        try container.encode(generated, forKey: .generated)
        try container.encodeIfPresent(defaultValue, forKey: .defaultValue)
        try container.encodeIfPresent(maxLength, forKey: .maxLength)
        try container.encodeIfPresent(enumValues, forKey: .enumValues)
        try container.encodeIfPresent(minimum, forKey: .minimum)
        try container.encodeIfPresent(maximum, forKey: .maximum)
        if updatedAt { try container.encode(true, forKey: .updatedAt) }
        try container.encodeIfPresent(nativeType, forKey: .nativeType)
        try container.encodeIfPresent(enumType, forKey: .enumType)
        try container.encodeIfPresent(column, forKey: .column)
        if list { try container.encode(true, forKey: .list) }
        try container.encodeIfPresent(listDefault, forKey: .listDefault)
        try container.encodeIfPresent(enumTypeMap, forKey: .enumTypeMap)
        try container.encodeIfPresent(enumValueMap, forKey: .enumValueMap)
        try container.encodeIfPresent(databaseDefault, forKey: .databaseDefault)
        try container.encodeIfPresent(enumSchema, forKey: .enumSchema)
        try container.encodeIfPresent(idVersion, forKey: .idVersion)
    }
}

/// An index's structure. Column order matters; the order of indexes does not.
public struct CanonicalIndex: Hashable, Sendable, Codable, Comparable {
    public var fields: [String]
    public var unique: Bool
    public var name: String?
    /// The access method when it is not a B-tree (nil: B-tree, stored structures before it existed).
    public var method: IndexMethod?
    /// The columns in descending order, sorted; nil when none is.
    public var descending: [String]?
    /// Column → operator class, for the columns that name one; nil when none does.
    public var operatorClasses: [String: String]?
    /// The unique key's name in Prisma Client (`@@unique(…, name:)`): part of the structure, as
    /// the generated client differs, but not of the database's index (``inDatabase``).
    public var clientName: String?

    /// Creates a canonical index.
    public init(fields: [String], unique: Bool, name: String? = nil, method: IndexMethod? = nil, descending: [String]? = nil,
                operatorClasses: [String: String]? = nil) {
        self.fields = fields
        self.unique = unique
        self.name = name
        self.method = method == .BTree ? nil : method
        self.descending = descending.flatMap { $0.isEmpty ? nil : Array(Set($0)).sorted() }
        self.operatorClasses = operatorClasses.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The index as the database has it: without the name only Prisma Client sees.
    public var inDatabase: CanonicalIndex {
        var index = self
        index.clientName = nil
        return index
    }

    /// The index with every field it names (columns, their order, their operator classes) renamed by `rename`.
    func renamingFields(_ rename: (String) -> String) -> CanonicalIndex {
        var renamed = CanonicalIndex(fields: fields.map(rename), unique: unique, name: name, method: method, descending: descending?.map(rename),
                                     operatorClasses: operatorClasses.map { Dictionary($0.map { (rename($0.key), $0.value) }, uniquingKeysWith: { first, _ in first }) })
        renamed.clientName = clientName
        return renamed
    }

    /// The same columns stored the same way: what decides whether two declarations are one index.
    public var layout: String {
        [fields.joined(separator: ","), method?.rawValue ?? "", (descending ?? []).joined(separator: ","),
         (operatorClasses ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")].joined(separator: ";")
    }

    public static func < (lhs: CanonicalIndex, rhs: CanonicalIndex) -> Bool {
        (lhs.fields.joined(separator: ","), lhs.unique ? 1 : 0, lhs.name ?? "", lhs.layout) < (rhs.fields.joined(separator: ","), rhs.unique ? 1 : 0, rhs.name ?? "", rhs.layout)
    }
}

/// A relation's structure, with Prisma's default referential action filled in.
public struct CanonicalRelation: Hashable, Sendable, Codable {
    public var name: String
    public var kind: Relation.Kind
    public var target: String
    /// The foreign-key column (local for belongsTo, on the target for hasMany); the first of
    /// ``fields`` for a key of several columns.
    public var field: String?
    /// A foreign key of several columns, in order (nil for one column: ``field``).
    public var fields: [String]?
    /// The target's fields the key points at, in order; nil for the target's primary key.
    public var references: [String]?
    /// Every column of the foreign key, in order.
    public var foreignKeyFields: [String] { fields ?? field.map { [$0] } ?? [] }
    /// The key's fields as people read them: `ownerId`, or `(ruleId, accountId)`; `?` for none.
    public var keyLabel: String { fields.map { "(" + $0.joined(separator: ", ") + ")" } ?? field ?? "?" }
    /// For belongsTo: the action after defaults (SetNull for an optional key, Restrict otherwise).
    public var onDelete: ReferentialAction?
    /// For belongsTo: the action after defaults (Cascade).
    public var onUpdate: ReferentialAction?
    /// For belongsTo: the foreign key constraint's name when it is not Prisma's (`map:`); PostgreSQL names it so.
    public var map: String?

    /// Creates a canonical relation.
    public init(name: String, kind: Relation.Kind, target: String, field: String?, onDelete: ReferentialAction?, onUpdate: ReferentialAction?,
                fields: [String]? = nil, references: [String]? = nil) {
        self.name = name
        self.kind = kind
        self.target = target
        self.field = fields?.first ?? field
        self.fields = (fields?.count ?? 0) > 1 ? fields : nil
        self.references = references
        self.onDelete = onDelete
        self.onUpdate = onUpdate
    }

    /// This relation with its key's fields renamed by `rename` (``foreignKeyFields`` in order).
    func renamingKeyFields(_ rename: (String) -> String) -> CanonicalRelation {
        var relation = self
        relation.field = field.map(rename)
        relation.fields = fields?.map(rename)
        return relation
    }
}

/// An ACL's structure: role sets per operation and the normalized row-level rule.
public struct CanonicalACL: Hashable, Sendable, Codable {
    /// Sorted, de-duplicated roles per operation; operations not written are absent.
    public var rules: [ACLOperation: [String]]
    /// The ownership rule (stored as its canonical text).
    public var rowLevel: RowLevelRule?
    /// The rule for rows everyone may read.
    public var readableWhen: RowLevelRule?

    /// Creates a canonical ACL.
    public init(rules: [ACLOperation: [String]], rowLevel: RowLevelRule?, readableWhen: RowLevelRule? = nil) {
        self.rules = rules
        self.rowLevel = rowLevel
        self.readableWhen = readableWhen
    }
}
