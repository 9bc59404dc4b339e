/// What happens to an enum type between two versions of the columns that use it.
enum EnumTypeChange: Equatable {
    /// The same values in the same order.
    case unchanged
    /// Only new values, the old ones keeping their order: `ALTER TYPE … ADD VALUE`, catalog only.
    /// A value added so cannot be used in the transaction that adds it (PostgreSQL refuses it
    /// until commit), so a default naming it is set in the item's last transaction.
    case added([String])
    /// Values removed or reordered: PostgreSQL cannot, so the type is made again and every column
    /// using it converted (a table rewrite), as Prisma Migrate does.
    case recreated

    init(from old: [String], to new: [String]) {
        if old == new {
            self = .unchanged
            return
        }
        let kept = Set(new)
        let stillThere = old.filter(kept.contains)
        let newOrderOfOld = new.filter(Set(old).contains)
        self = stillThere == old && newOrderOfOld == old ? .added(new.filter { !Set(old).contains($0) }) : .recreated
    }
}

extension MigrationSQLRenderer {
    /// Enum type name → values, for the fields of `entity` that have one in the connection's
    /// schema. A type in another schema is a host enum (validation allows `schema:` on no other):
    /// the host's migrations make and change it, a package only uses it.
    static func enumTypes(of entity: CanonicalEntity?) -> [String: [String]] {
        var types: [String: [String]] = [:]
        for field in entity?.fields ?? [] where field.enumSchema == nil {
            if let name = field.enumType { types[name] = field.enumValues ?? [] }
        }
        return types
    }

    /// The enum types a PostgreSQL step creates, extends or makes again before its tables change,
    /// and the drops of those its table no longer uses after them. An enum type is shared by every
    /// table that names it (packages that declare it agree on its values, validation sees to
    /// that), so each statement works whatever another step already did: a type is created only
    /// when missing (else given the values it lacks), and dropped only when no column uses it.
    func postgresEnumTypeStatements(_ step: MigrationStep) -> [SQLStatement] {
        let before = Self.enumTypes(of: step.from)
        let after = Self.enumTypes(of: step.to)
        var statements: [SQLStatement] = []
        let catalog = LockImpact("ACCESS EXCLUSIVE", on: step.table, work: .catalog)
        for name in after.keys.sorted() {
            guard let values = after[name] else { continue }
            let type = q(name)
            guard let old = before[name] else {
                statements.append(SQLStatement(.types, ensureEnumType(name, values), lock: catalog))
                continue
            }
            switch EnumTypeChange(from: old, to: values) {
            case .unchanged:
                break
            case .added(let added):
                for value in added {
                    statements.append(SQLStatement(.types, "ALTER TYPE \(type) ADD VALUE IF NOT EXISTS \(dialect.literal(value))\(position(of: value, in: values, existing: Set(old)))",
                                                   lock: catalog))
                }
            case .recreated:
                statements.append(SQLStatement(.types, recreateEnumType(name, values), lock: LockImpact("ACCESS EXCLUSIVE", on: step.table, work: .rewrite)))
            }
        }
        for name in before.keys.sorted() where after[name] == nil && !hostEnums.contains(name) {
            // The last column of the type may be this one; another table's column keeps it, and a
            // type another role owns (the host's) is its owner's to drop.
            statements.append(SQLStatement(.dropTypes, "DO $schema$ BEGIN DROP TYPE IF EXISTS \(q(name)); EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN NULL; END $schema$",
                                           lock: catalog))
        }
        return statements
    }

    /// Where an added value goes: after the value before it in the new list (which exists by
    /// then: values are added in their order), or before the first old value when it comes first.
    /// Always written out, so the type's order is the declared one whatever PostgreSQL's default.
    func position(of value: String, in values: [String], existing: Set<String>) -> String {
        guard let index = values.firstIndex(of: value) else { return "" }
        if index > 0 { return " AFTER \(dialect.literal(values[index - 1]))" }
        return values.dropFirst().first(where: existing.contains).map { " BEFORE \(dialect.literal($0))" } ?? ""
    }

    /// Creates the type with every value, or, when another table's change (or the host) made it,
    /// adds the values it lacks in their order.
    func ensureEnumType(_ name: String, _ values: [String]) -> String {
        let type = q(name)
        let list = values.map(dialect.literal).joined(separator: ", ")
        // Only the values it lacks: a type another role owns (the host's `enum`, which validation
        // holds to the same values) needs no ALTER, which only its owner may run.
        var additions: [String] = []
        for (index, value) in values.enumerated() {
            additions.append("IF NOT EXISTS (SELECT 1 FROM pg_enum WHERE enumtypid = to_regtype(\(dialect.literal(type))) AND enumlabel = \(dialect.literal(value))) THEN "
                + "ALTER TYPE \(type) ADD VALUE \(dialect.literal(value))" + (index > 0 ? " AFTER \(dialect.literal(values[index - 1]))" : "") + "; END IF;")
        }
        return "DO $schema$ BEGIN IF to_regtype(\(dialect.literal(type))) IS NULL THEN CREATE TYPE \(type) AS ENUM (\(list)); "
            + "ELSE \(additions.joined(separator: " ")) END IF; END $schema$"
    }

    /// The type made again with `values`: the old one renamed away, the new one created, every
    /// table column of the old type converted through its text (a value the new type lacks fails
    /// the statement, and with it the apply: the data check counts them first in this table),
    /// defaults kept where the new type still has their value, the old type dropped. The default's
    /// cast is found as PostgreSQL prints it (`::user_role_old`, `::"Role_old"`: quoted only when needed).
    func recreateEnumType(_ name: String, _ values: [String]) -> String {
        let type = q(name)
        let old = q(name + "_old")
        let list = values.map(dialect.literal).joined(separator: ", ")
        return "DO $schema$ DECLARE c record; BEGIN "
            + "ALTER TYPE \(type) RENAME TO \(old); "
            + "CREATE TYPE \(type) AS ENUM (\(list)); "
            + "FOR c IN SELECT a.attrelid::regclass AS tab, quote_ident(a.attname) AS col, pg_get_expr(d.adbin, d.adrelid) AS def "
            + "FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid AND r.relkind IN ('r', 'p') "
            + "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            + "WHERE a.atttypid = to_regtype(\(dialect.literal(old))) AND a.attnum > 0 AND NOT a.attisdropped LOOP "
            + "IF c.def IS NOT NULL THEN EXECUTE format('ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT', c.tab, c.col); END IF; "
            + "EXECUTE format('ALTER TABLE %s ALTER COLUMN %s SET DATA TYPE \(type.replacingOccurrences(of: "%", with: "%%")) USING %s::text::\(type.replacingOccurrences(of: "%", with: "%%"))', c.tab, c.col, c.col); "
            + "IF c.def IS NOT NULL THEN BEGIN EXECUTE format('ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s', c.tab, c.col, replace(c.def, '::' || \(dialect.literal(old))::regtype::text, '::' || \(dialect.literal(type))::regtype::text)); "
            + "EXCEPTION WHEN invalid_text_representation THEN NULL; END; END IF; "
            + "END LOOP; "
            + "DROP TYPE \(old); END $schema$"
    }
}
