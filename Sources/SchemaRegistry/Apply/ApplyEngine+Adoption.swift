import SchemaCore

extension ApplyEngine {
    /// What a create finds where its table goes.
    enum ExistingTable: Equatable {
        /// No table: the create makes it.
        case absent
        /// A table of exactly the create's shape, with nothing of anyone else's on it: a model
        /// moved from the host's schema into a package. The start records it as applied, rows
        /// kept, and runs only the item's row-level security.
        case adoptable
        /// A table the create cannot take, and why.
        case differs(String)
    }

    /// Whether `item` (a create) finds its table there, and whether it may take it over.
    ///
    /// A create never replaces a table. It takes one over only when the live table is exactly
    /// what it would create (columns, keys, indexes, checks: drift against the new structure is
    /// empty) and nobody else's objects hang on it: it belongs to the role that migrates, and
    /// it has no triggers, rules or policies (the application role after an SQL injection could
    /// otherwise prepare a table whose trigger copies every row a package writes).
    static func existingTable(for item: QueueItem, primaryKeys: [String: String], tables: Set<String>,
                              _ connection: any RegistryConnection) throws -> ExistingTable {
        guard item.action == .create, item.renamedFrom == nil, let structure = item.structure, tables.contains(item.tableName),
              let live = try LiveSchema.shape(of: item.tableName, connection) else { return .absent }
        let expected = TableShape.expected(for: structure, dialect: connection.dialect, primaryKeys: primaryKeys)
        let differences = Drift.differences(expected: expected, live: live)
        guard differences.isEmpty else { return .differs(differences.map(\.description).joined(separator: "; ") + enumOrderHint(expected: expected, live: live, structure: structure)
                                                            + missingIndexHint(differences)) }
        if let foreign = try foreignObjects(on: item.tableName, connection) { return .differs(foreign) }
        return .adoptable
    }

    /// The way out when an enum type of the table lists the same values in another order: its
    /// migrations appended values Prisma's schema lists elsewhere (Prisma never reorders a type),
    /// and PostgreSQL sorts by that order, so the package must say it. Empty otherwise.
    static func enumOrderHint(expected table: TableShape, live: TableShape, structure: CanonicalEntity) -> String {
        var hints: [String] = []
        for column in table.columns {
            guard let expected = ShapeText.enumLabels(of: column.type), let live = ShapeText.enumLabels(of: live.column(named: column.name)?.type),
                  expected.type == live.type, expected.labels != live.labels, expected.labels.sorted() == live.labels.sorted() else { continue }
            // Named and listed as the package writes them: its enum's name, its values for the database's labels (`@map`).
            let field = structure.fields.first { ($0.column ?? $0.name) == column.name }
            let values = Dictionary((field?.enumValueMap ?? [:]).map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
            let hint = "the database's type \(field?.enumType ?? live.type) lists its values as \(live.labels.map { values[$0] ?? $0 }.joined(separator: ", ")): declare them in that order"
            if !hints.contains(hint) { hints.append(hint) }
        }
        guard !hints.isEmpty else { return "" }
        return ". " + hints.joined(separator: "; ") + " (PostgreSQL sorts by it; migrations that add a value append it, and Prisma never reorders a type)"
    }

    /// The way out when the table lacks only indexes the package declares (a schema whose host
    /// never migrated an `@@index` it added, as umami's `session_replay`): taken over without
    /// them, they are built afterwards like any added index (online, on PostgreSQL). Empty otherwise.
    static func missingIndexHint(_ differences: [DriftDifference]) -> String {
        guard !differences.isEmpty, differences.allSatisfy({ $0.kind == .indexRemoved }) else { return "" }
        return ". The table lacks only indexes the package declares: take it over without them (leave them out of the entity), "
            + "then add them back as a change of their own, which builds them"
    }

    /// What on `table` is not the table's own shape: another owner, triggers, rules, policies.
    static func foreignObjects(on table: String, _ connection: any RegistryConnection) throws -> String? {
        guard connection.dialect == .postgresql else {
            let triggers = try connection.query(#"SELECT "name" FROM sqlite_master WHERE "type" = 'trigger' AND "tbl_name" = ? ORDER BY 1"#, [.text(table)])
                .compactMap { $0["name"]?.text }
            return triggers.isEmpty ? nil : "it has triggers (\(triggers.joined(separator: ", ")))"
        }
        let rows = try connection.query(#"""
            SELECT pg_get_userbyid(c.relowner) AS "owner", CASE WHEN pg_has_role(current_user, c.relowner, 'USAGE') THEN 1 ELSE 0 END AS "ours",
                   (SELECT string_agg(t.tgname, ', ' ORDER BY t.tgname) FROM pg_trigger AS t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal) AS "triggers",
                   (SELECT string_agg(r.rulename, ', ' ORDER BY r.rulename) FROM pg_rewrite AS r WHERE r.ev_class = c.oid) AS "rules",
                   (SELECT string_agg(p.polname, ', ' ORDER BY p.polname) FROM pg_policy AS p WHERE p.polrelid = c.oid) AS "policies"
            FROM pg_class AS c WHERE c.relname = ? AND c.relnamespace = \#(CatalogSQL.currentNamespace) AND c.relkind IN ('r', 'p')
            """#, [.text(table)])
        guard let row = rows.first else { return nil }
        var problems: [String] = []
        if row["ours"]?.integer != 1 { problems.append("it belongs to role \(row["owner"]?.text ?? "?"), not to the role that migrates") }
        if let triggers = row["triggers"]?.text { problems.append("it has triggers (\(triggers))") }
        if let rules = row["rules"]?.text { problems.append("it has rules (\(rules))") }
        if let policies = row["policies"]?.text { problems.append("it has row-level security policies (\(policies))") }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// `item` taking over its existing table: of its statements only the row-level security
    /// ones run (idempotent: enabled again, policies dropped if there and created).
    static func adopting(_ item: QueueItem) -> QueueItem {
        var item = item
        item.adaptedStatements = (item.adaptedStatements ?? item.statements).filter { $0.phase == .rowLevelSecurity }
        return item
    }

    /// The refusal of a create whose table is there and cannot be taken over.
    static func existingTableRefusal(_ item: QueueItem, _ why: String) -> Refusal {
        Refusal(itemId: item.id, entity: item.entity, code: .drift, message: existingTableProblem(item, why)
            + ". Nothing ran; the change stays approved")
    }

    /// What a create whose table is there and cannot be taken over says before it runs.
    static func existingTableProblem(_ item: QueueItem, _ why: String) -> String {
        "the table \(item.tableName) exists and is not what this change creates: \(why). A create never replaces a table: make the package "
            + "declare what the table has (`schema import-prisma` of the host's model), or change the table by hand, then scan again"
    }
}
