/// A table as the database describes it, in the terms drift detection compares: what `schema`
/// expects from an applied snapshot (``expected(for:dialect:primaryKeys:)``) and what
/// introspection reads from the live database are both written as this value, with types and
/// defaults normalized (``ShapeText``) so that the two can be compared field by field.
public struct TableShape: Hashable, Sendable, Codable {
    public struct Column: Hashable, Sendable, Codable {
        public var name: String
        /// The normalized type: PostgreSQL's `format_type` spelling, SQLite's declared type upper-cased.
        public var type: String
        public var notNull: Bool
        /// The normalized default expression; `autoincrement` for a serial column.
        public var defaultValue: String?

        public init(name: String, type: String, notNull: Bool, defaultValue: String?) {
            self.name = name
            self.type = type
            self.notNull = notNull
            self.defaultValue = defaultValue
        }
    }

    public struct Index: Hashable, Sendable, Codable {
        public var name: String
        public var columns: [String]
        public var unique: Bool
        /// False for an index a killed concurrent build left behind.
        public var valid: Bool
        /// PostgreSQL's access method (`btree`, `gin`, …); nil on SQLite.
        public var method: String?
        /// Per column, comma-separated: its operator class when not the type's default, then
        /// `desc` when descending (`gin_trgm_ops,desc` for two columns); nil on SQLite.
        public var options: String?
        /// True for a unique index whose check waits for the commit (a `DEFERRABLE` unique
        /// constraint, which hand-written SQL makes and neither Prisma nor a package can say);
        /// nil otherwise.
        public var deferred: Bool?

        public init(name: String, columns: [String], unique: Bool, valid: Bool = true, method: String? = nil, options: String? = nil) {
            self.name = name
            self.columns = columns
            self.unique = unique
            self.valid = valid
            self.method = method
            self.options = options
        }

        /// ``options`` per column, in column order (empty strings for plain columns).
        public var columnOptions: [String] {
            options?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) ?? []
        }

        /// What `schema` creates for `index` on PostgreSQL, in the terms the catalog is read in.
        static func expected(_ index: CanonicalIndex, table: String) -> Index {
            let options = index.fields.map { field in
                [index.operatorClasses?[field], index.descending?.contains(field) == true ? "desc" : nil].compactMap { $0 }.joined(separator: " ")
            }
            return Index(name: ConstraintName.index(table, index, in: .postgresql), columns: index.fields, unique: index.unique,
                         method: (index.method ?? .BTree).sql, options: options.joined(separator: ","))
        }
    }

    public struct ForeignKey: Hashable, Sendable, Codable {
        /// The constraint name (nil on SQLite, whose catalog does not keep it).
        public var name: String?
        public var columns: [String]
        public var target: String
        public var targetColumns: [String]
        /// `CASCADE`, `SET NULL`, `RESTRICT`, `NO ACTION` or `SET DEFAULT`.
        public var onDelete: String
        public var onUpdate: String
        /// False for a key added `NOT VALID` and never validated.
        public var valid: Bool

        public init(name: String?, columns: [String], target: String, targetColumns: [String], onDelete: String, onUpdate: String, valid: Bool = true) {
            self.name = name
            self.columns = columns
            self.target = target
            self.targetColumns = targetColumns
            self.onDelete = onDelete
            self.onUpdate = onUpdate
            self.valid = valid
        }
    }

    public struct Check: Hashable, Sendable, Codable {
        public var name: String
        public var valid: Bool

        public init(name: String, valid: Bool = true) {
            self.name = name
            self.valid = valid
        }
    }

    public var name: String
    public var columns: [Column]
    public var primaryKey: [String]
    /// The primary-key constraint's name (PostgreSQL; nil on SQLite, whose catalog does not keep it).
    public var primaryKeyName: String?
    public var indexes: [Index]
    public var foreignKeys: [ForeignKey]
    public var checks: [Check]

    public init(name: String, columns: [Column], primaryKey: [String], indexes: [Index], foreignKeys: [ForeignKey], checks: [Check]) {
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
        self.indexes = indexes
        self.foreignKeys = foreignKeys
        self.checks = checks
    }

    /// The column called `name`.
    public func column(named name: String) -> Column? {
        columns.first { $0.name == name }
    }
}

extension TableShape {
    /// The table `schema` created for `entity`: Prisma's column types, defaults, names and actions,
    /// and the CHECKs for enums, lengths (SQLite) and ranges. `primaryKeys` names the referenced
    /// tables' key columns (``PrimaryKeys/of(host:entities:)``).
    public static func expected(for entity: CanonicalEntity, dialect: SQLDialect, primaryKeys: [String: String]) -> TableShape {
        let entity = entity.inDatabase(for: dialect)
        let columns = entity.fields.map { field -> Column in
            let serial = field.generated && (field.type == .int || field.type == .bigint)
            let defaultValue = serial ? (dialect == .postgresql ? ShapeText.autoincrement : nil) : dialect.defaultExpression(field).map(ShapeText.defaultValue)
            let labels = dialect == .postgresql && field.enumType != nil ? ShapeText.enumLabels(field.enumValues) : ""
            return Column(name: field.name, type: ShapeText.type(dialect.columnType(field), dialect) + labels, notNull: !field.optional || field.primary,
                          defaultValue: defaultValue)
        }
        let indexes = entity.indexes.map { index in
            dialect == .postgresql ? Index.expected(index, table: entity.name)
                : Index(name: ConstraintName.index(entity.name, index, in: dialect), columns: index.fields, unique: index.unique)
        }
        let keys = entity.relations.filter { $0.kind == .belongsTo }.compactMap { relation -> ForeignKey? in
            guard relation.field != nil, !PrimaryKeys.emulatesRelations(primaryKeys) else { return nil }
            return ForeignKey(name: dialect == .postgresql ? ConstraintName.foreignKey(entity.name, relation, in: dialect) : nil, columns: relation.foreignKeyFields,
                              target: PrimaryKeys.qualifiedTable(relation.target, in: primaryKeys), targetColumns: PrimaryKeys.referencedColumns(relation, in: primaryKeys),
                              onDelete: (relation.onDelete ?? .Restrict).sql, onUpdate: (relation.onUpdate ?? .Cascade).sql)
        }
        let checks = entity.fields.filter { dialect.checkExpression($0) != nil }.map { Check(name: ConstraintName.check(entity.name, $0.name, in: dialect)) }
        var shape = TableShape(name: entity.name, columns: columns, primaryKey: entity.keyColumns, indexes: indexes,
                               foreignKeys: keys, checks: checks)
        if dialect == .postgresql, !entity.keyColumns.isEmpty { shape.primaryKeyName = ConstraintName.primaryKey(of: entity, in: dialect) }
        return shape
    }
}

/// The one normalization of type and default spellings, applied to both sides of a comparison.
public enum ShapeText {
    /// What a serial column's `nextval(…)` default is compared as.
    public static let autoincrement = "autoincrement"

    /// A serial column's default whose sequence counts in a narrower type than the column: a
    /// `bigint` key whose sequence is still `AS integer` (widened by `ALTER COLUMN … TYPE` alone,
    /// by hand or by a version before 2026-12-06) stops at 2,147,483,647 although the column does not.
    public static func narrowSequence(_ type: String) -> String { narrowSequencePrefix + type + ")" }
    static let narrowSequencePrefix = "\(autoincrement) (its sequence AS "

    /// Whether a live default is ``narrowSequence(_:)``.
    public static func isNarrowSequence(_ value: String?) -> Bool {
        value?.hasPrefix(narrowSequencePrefix) == true
    }

    /// ``defaultValue(_:)`` of a live column, with its serial sequence's type (`format_type`): a
    /// `bigint` column's sequence `AS integer` (or `smallint`) reads as ``narrowSequence(_:)``.
    public static func defaultValue(_ text: String, sequence: String?, column: String) -> String {
        let value = defaultValue(text)
        guard value == autoincrement, column == "bigint", let sequence, sequence == "integer" || sequence == "smallint" else { return value }
        return narrowSequence(sequence)
    }

    /// A type as PostgreSQL's `format_type` spells it, or SQLite's declared type upper-cased.
    public static func type(_ text: String, _ dialect: SQLDialect) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard dialect == .postgresql else { return trimmed.uppercased() }
        let lower = unquoted(trimmed).lowercased()
        // An array is its element's type and `[]` (`timestamp(3) without time zone[]`).
        return lower.hasSuffix("[]") ? postgresType(String(lower.dropLast(2))) + "[]" : postgresType(lower)
    }

    /// ``type(_:_:)`` of one PostgreSQL type, unquoted and lower-cased.
    static func postgresType(_ lower: String) -> String {
        if lower.hasPrefix("varchar(") { return "character varying" + lower.dropFirst("varchar".count) }
        if lower.hasPrefix("decimal(") { return "numeric" + lower.dropFirst("decimal".count) }
        if lower.hasPrefix("timestamp(") && !lower.contains("with") { return lower + " without time zone" }
        // Native types (`db:`) as PostgreSQL's format_type spells them.
        if lower.hasPrefix("timestamptz") { return "timestamp" + lower.dropFirst("timestamptz".count) + " with time zone" }
        if lower.hasPrefix("timetz") { return "time" + lower.dropFirst("timetz".count) + " with time zone" }
        if (lower == "time" || lower.hasPrefix("time(")) { return lower + " without time zone" }
        if lower == "timestamp" { return "timestamp without time zone" }
        if lower.hasPrefix("char(") { return "character" + lower.dropFirst("char".count) }
        if lower.hasPrefix("varbit") { return "bit varying" + lower.dropFirst("varbit".count) }
        switch lower {
        case "int", "int4", "serial": return "integer"
        case "int8", "bigserial": return "bigint"
        case "float8": return "double precision"
        case "bool": return "boolean"
        default: return lower
        }
    }

    /// `"user_role"` (or `"user_role"[]`) as `format_type` spells it, without the quotes a name
    /// of lower-case letters, digits and `_` does not need; other names keep theirs. A name
    /// qualified by its schema (`"auth"."Role"`, a type outside the search path) has each part so.
    static func unquoted(_ text: String) -> String {
        let list = text.hasSuffix("[]")
        let body = list ? text.dropLast(2) : Substring(text)
        if let dot = qualifyingDot(body) {
            return unquoted(String(body[..<dot])) + "." + unquoted(String(body[body.index(after: dot)...])) + (list ? "[]" : "")
        }
        guard body.count > 2, body.hasPrefix("\""), body.hasSuffix("\"") else { return text }
        let name = body.dropFirst().dropLast()
        guard let first = name.unicodeScalars.first, first == "_" || ("a"..."z").contains(first),
              name.unicodeScalars.allSatisfy({ $0 == "_" || $0 == "$" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }) else { return text }
        return String(name) + (list ? "[]" : "")
    }

    /// The `.` between a schema and a name (`"auth"."Role"`, `auth."Role"`): the first outside
    /// double quotes; nil for a name that has none.
    static func qualifyingDot(_ text: Substring) -> Substring.Index? {
        var quoted = false
        for index in text.indices {
            if text[index] == "\"" { quoted.toggle() } else if text[index] == ".", !quoted { return index }
        }
        return nil
    }

    /// What an enum-typed column adds to its type: the type's values in order (` enum(A,B)`), so
    /// a value added, removed or reordered by hand is drift; empty for other columns.
    public static func enumLabels(_ values: [String]?) -> String {
        values.map { " enum(" + $0.joined(separator: ",") + ")" } ?? ""
    }

    /// The inverse of ``enumLabels(_:)`` for a column's whole type: `"role" enum(USER,ADMIN)` →
    /// (`"role"`, [USER, ADMIN]); nil for a column of another type.
    public static func enumLabels(of type: String?) -> (type: String, labels: [String])? {
        guard let type, let open = type.range(of: " enum("), type.hasSuffix(")") else { return nil }
        return (String(type[..<open.lowerBound]), type[open.upperBound...].dropLast().split(separator: ",").map(String.init))
    }

    /// A default expression without casts, outer parentheses or escape syntax: `'lead'::text` and
    /// `'lead'` compare equal, as do `E'a\\b'` and `'a\b'`, `'-1'::integer` and `-1`.
    public static func defaultValue(_ text: String) -> String {
        var value = text.trimmingCharacters(in: .whitespaces)
        if value.lowercased().hasPrefix("nextval(") { return autoincrement }
        var changed = true
        while changed {
            changed = false
            if value.hasPrefix("("), value.hasSuffix(")"), balanced(value.dropFirst().dropLast()) {
                value = String(value.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                changed = true
            }
            if let cast = castStart(value) {
                value = String(value[..<cast]).trimmingCharacters(in: .whitespaces)
                changed = true
            }
        }
        // A list's default: each element as a default of its own (PostgreSQL casts each value).
        if value.hasPrefix("ARRAY["), value.hasSuffix("]") {
            return "ARRAY[" + elements(value.dropFirst("ARRAY[".count).dropLast()).map(defaultValue).joined(separator: ", ") + "]"
        }
        if let literal = stringLiteral(value) {
            // A number written as a string (PostgreSQL shows a negative default as '-1'::integer).
            if Double(literal) != nil, literal.allSatisfy({ $0.isNumber || $0 == "-" || $0 == "." }) { return literal }
            return "'" + literal.replacingOccurrences(of: "'", with: "''") + "'"
        }
        switch value.lowercased() {
        case "true", "false": return value.lowercased()
        case "current_timestamp", "now()", "current_timestamp(3)": return "CURRENT_TIMESTAMP"
        default: return value
        }
    }

    /// The comma-separated items of `text`, split outside string literals and brackets.
    static func elements(_ text: Substring) -> [String] {
        var items: [String] = [], current = "", inString = false, depth = 0
        for character in text {
            if character == "'" { inString.toggle() }
            if !inString && (character == "[" || character == "(") { depth += 1 }
            if !inString && (character == "]" || character == ")") { depth -= 1 }
            if !inString && depth == 0 && character == "," {
                items.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { items.append(current) }
        return items
    }

    /// Where a trailing `::type` cast starts, outside any string literal and any brackets.
    static func castStart(_ value: String) -> String.Index? {
        var inString = false
        var depth = 0
        var last: String.Index?
        var index = value.startIndex
        while index < value.endIndex {
            let character = value[index]
            if character == "'" { inString.toggle() }
            if !inString && (character == "[" || character == "(") { depth += 1 }
            if !inString && (character == "]" || character == ")") { depth -= 1 }
            if !inString, depth == 0, character == ":", value.index(after: index) < value.endIndex, value[value.index(after: index)] == ":" {
                last = index
            }
            index = value.index(after: index)
        }
        guard let last else { return nil }
        // Only a cast at the end: a type name, maybe qualified by its schema (`auth."Role"`), with a
        // modifier or array brackets.
        let rest = value[value.index(last, offsetBy: 2)...]
        return rest.allSatisfy { $0.isLetter || $0.isNumber || " _()[],.\"".contains($0) } ? last : nil
    }

    /// The text of a whole `'…'` or `E'…'` literal, unescaped; nil when `value` is not one.
    static func stringLiteral(_ value: String) -> String? {
        var body = Substring(value)
        var escapes = false
        if body.hasPrefix("E'") || body.hasPrefix("e'") {
            escapes = true
            body = body.dropFirst()
        }
        guard body.count >= 2, body.hasPrefix("'"), body.hasSuffix("'") else { return nil }
        let inner = body.dropFirst().dropLast()
        var text = ""
        var index = inner.startIndex
        while index < inner.endIndex {
            let character = inner[index]
            let next = inner.index(after: index)
            if character == "'" {
                // Only a doubled quote may appear inside the literal.
                guard next < inner.endIndex, inner[next] == "'" else { return nil }
                text.append("'")
                index = inner.index(after: next)
            } else if escapes && character == "\\" && next < inner.endIndex {
                text.append(inner[next])
                index = inner.index(after: next)
            } else {
                text.append(character)
                index = next
            }
        }
        return text
    }

    static func balanced(_ text: Substring) -> Bool {
        var depth = 0
        var inString = false
        for character in text {
            if character == "'" { inString.toggle() }
            if inString { continue }
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1; if depth < 0 { return false } }
        }
        return depth == 0
    }
}
