/// One change to the database, as plain data. SQLite and PostgreSQL render the same operations.
public enum SchemaOperation: Hashable, Sendable, Codable {
    case createTable(CanonicalEntity)
    case dropTable(String)
    /// A package's table the host's Prisma schema declares again (a model moved back from a
    /// package into the host): the table and its rows stay, the registry forgets it. No SQL.
    case handBackTable(String)
    /// The table of a renamed entity (`renamedFrom:`) or of a changed `map:`, keeping its rows.
    case renameTable(from: String, to: String)
    /// A many-to-many's join table under its renamed sides' name, its pairs copied (`A` and `B`
    /// exchanged when the sides swap).
    case moveJoinTable(from: String, to: String, swapped: Bool)
    case addColumn(table: String, field: CanonicalField)
    case dropColumn(table: String, field: CanonicalField)
    case renameColumn(table: String, from: String, to: String)
    /// A constraint's name changes (the `map:` of a primary key or a foreign key added, changed
    /// or removed): PostgreSQL renames it; SQLite keeps Prisma's names.
    case renameConstraint(table: String, from: String, to: String)
    case alterColumn(table: String, from: CanonicalField, to: CanonicalField)
    case createIndex(table: String, index: CanonicalIndex)
    case dropIndex(table: String, index: CanonicalIndex)
    case addForeignKey(table: String, relation: CanonicalRelation)
    case dropForeignKey(table: String, relation: CanonicalRelation)

    /// Whether it hands a table back to the host (``handBackTable(_:)``).
    public var handsBackTable: Bool {
        if case .handBackTable = self { return true }
        return false
    }

    /// A one-line description for people.
    public var summary: String {
        switch self {
        case .createTable(let entity): "create table \(entity.name)"
        case .dropTable(let name): "drop table \(name)"
        case .handBackTable(let name): "hand table \(name) back to the host's schema, which declares it: nothing is dropped, the rows stay"
        case .renameTable(let from, let to): "rename table \(from) to \(to)"
        case .moveJoinTable(let from, let to, let swapped): "move join table \(from) to \(to), copying its pairs" + (swapped ? " with A and B exchanged" : "")
        case .addColumn(let table, let field): "add column \(table).\(field.name) \(field.type.rawValue)\(field.optional ? "?" : "")"
        case .dropColumn(let table, let field): "drop column \(table).\(field.name)"
        case .renameColumn(let table, let from, let to): "rename column \(table).\(from) to \(to)"
        case .renameConstraint(let table, let from, let to): "rename constraint \(from) of \(table) to \(to)"
        case .alterColumn(let table, let from, let to): "alter column \(table).\(to.name): \(ColumnChange(from: from, to: to).description)"
        case .createIndex(let table, let index): "create \(index.unique ? "unique " : "")index on \(table) (\(index.fields.joined(separator: ", ")))"
        case .dropIndex(let table, let index): "drop \(index.unique ? "unique " : "")index on \(table) (\(index.fields.joined(separator: ", ")))"
        case .addForeignKey(let table, let relation): "add foreign key \(table).\(relation.keyLabel) → \(relation.target)"
        case .dropForeignKey(let table, let relation): "drop foreign key \(table).\(relation.keyLabel) → \(relation.target)"
        }
    }
}

/// What differs between two versions of a column.
public struct ColumnChange: Hashable, Sendable, CustomStringConvertible {
    public var from: CanonicalField
    public var to: CanonicalField

    /// Creates a change description.
    public init(from: CanonicalField, to: CanonicalField) {
        self.from = from
        self.to = to
    }

    public var nullabilityChanged: Bool { from.optional != to.optional }
    public var defaultChanged: Bool {
        from.defaultValue != to.defaultValue || from.listDefault != to.listDefault || from.generated != to.generated || from.databaseDefault != to.databaseDefault
    }
    public var checkChanged: Bool {
        from.maxLength != to.maxLength || from.enumValues != to.enumValues || from.minimum != to.minimum || from.maximum != to.maximum
    }
    public var primaryChanged: Bool { from.primary != to.primary }

    /// What a type change does to stored values.
    public enum TypeConversion: Hashable, Sendable {
        /// Every value survives unchanged (same type, int → bigint, int → float, text ↔ text).
        case keepsValues
        /// Values survive unless they do not fit, and then the apply fails on them (counted
        /// first): bigint → float beyond 2^53, float → int of fractions, bigint → int out of range.
        case guarded
        /// Values are read again as another type (text → number, number → text, JSON, times,
        /// booleans): destructive.
        case reinterprets
    }

    /// A field's default as the change's description shows it: a value, a list's values, or none.
    static func defaultText(_ field: CanonicalField) -> String {
        if let values = field.listDefault { return "[" + values.map { "\($0)" }.joined(separator: ", ") + "]" }
        if let computed = field.databaseDefault { return "dbgenerated(\(computed.rawValue))" }
        return field.defaultValue.map { "\($0)" } ?? "none"
    }

    /// Whether a list's elements become a numeric type that cannot hold every old value exactly
    /// (`float` or `decimal` to `int` or `bigint`, `bigint` to `int` or `float`): the rows with an
    /// element that would be rounded or overflow are counted before, and a guard checks every
    /// element again under the rewrite's lock.
    public var narrowsListElements: Bool {
        guard from.list, to.list, from.enumType == nil, to.enumType == nil, from.nativeType == nil, to.nativeType == nil else { return false }
        switch (from.type, to.type) {
        case (.bigint, .float), (.float, .int), (.float, .bigint), (.bigint, .int), (.decimal, .int), (.decimal, .bigint): return true
        default: return false
        }
    }

    /// What the change of type does to stored values.
    public var typeConversion: TypeConversion {
        switch (from.type, to.type) {
        case (let a, let b) where a == b: .keepsValues
        case (.int, .bigint), (.int, .float): .keepsValues
        case (let a, let b) where a.isText && b.isText: .keepsValues
        case (.bigint, .float), (.float, .int), (.float, .bigint), (.bigint, .int): .guarded
        default: .reinterprets
        }
    }

    /// Whether every value allowed before is still allowed by the new constraints.
    public var loosensOrKeepsChecks: Bool {
        // A new constraint is looser when the old one existed and was at least as strict.
        let lengthOK = to.maxLength.map { limit in from.maxLength.map { $0 <= limit } ?? false } ?? true
        let enumOK = to.enumValues.map { allowed in from.enumValues.map { Set($0).isSubset(of: Set(allowed)) } ?? false } ?? true
        let minOK = to.minimum.map { bound in from.minimum.map { $0 >= bound } ?? false } ?? true
        let maxOK = to.maximum.map { bound in from.maximum.map { $0 <= bound } ?? false } ?? true
        return lengthOK && enumOK && minOK && maxOK
    }

    public var description: String {
        var parts: [String] = []
        if from.type != to.type { parts.append("type \(from.type.rawValue) → \(to.type.rawValue)") }
        if nullabilityChanged { parts.append(to.optional ? "nullable" : "NOT NULL") }
        if defaultChanged { parts.append("default \(Self.defaultText(from)) → \(Self.defaultText(to))") }
        if checkChanged { parts.append("constraints changed") }
        if primaryChanged { parts.append(to.primary ? "becomes the primary key" : "no longer the primary key") }
        return parts.joined(separator: ", ")
    }
}
