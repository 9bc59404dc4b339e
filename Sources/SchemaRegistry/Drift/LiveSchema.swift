public import SchemaCore

/// Reads a table's shape from the live database's catalog: SQLite's `PRAGMA`s and `sqlite_master`,
/// PostgreSQL's `pg_catalog` (in the connection's current schema). Types and defaults are
/// normalized as ``ShapeText`` normalizes the expected ones.
public enum LiveSchema {
    /// The table's shape, or nil when there is no such table.
    public static func shape(of table: String, _ connection: any RegistryConnection) throws -> TableShape? {
        switch connection.dialect {
        case .sqlite: try sqlite(table, connection)
        case .postgresql: try postgres(table, connection)
        }
    }

    // MARK: - SQLite

    static func sqlite(_ table: String, _ connection: any RegistryConnection) throws -> TableShape? {
        guard let sql = try connection.query(#"SELECT "sql" FROM "sqlite_master" WHERE "type" = 'table' AND "name" = ?"#, [.text(table)]).first?["sql"]?.text
        else { return nil }
        let name = SQLDialect.sqlite.literal(table)
        var columns: [TableShape.Column] = []
        var primaryKey: [(Int64, String)] = []
        for row in try connection.query("SELECT * FROM pragma_table_info(\(name))", []) {
            guard let column = row["name"]?.text else { continue }
            let position = row["pk"]?.integer ?? 0
            if position > 0 { primaryKey.append((position, column)) }
            columns.append(TableShape.Column(name: column, type: ShapeText.type(row["type"]?.text ?? "", .sqlite),
                                             notNull: row["notnull"]?.integer == 1 || position > 0,
                                             defaultValue: row["dflt_value"]?.text.map(ShapeText.defaultValue)))
        }
        var indexes: [TableShape.Index] = []
        for row in try connection.query("SELECT * FROM pragma_index_list(\(name))", []) {
            guard let index = row["name"]?.text, row["origin"]?.text != "pk" else { continue }
            let indexColumns = try connection.query("SELECT \"name\" FROM pragma_index_info(\(SQLDialect.sqlite.literal(index))) ORDER BY \"seqno\"", [])
                .compactMap { $0["name"]?.text }
            indexes.append(TableShape.Index(name: index, columns: indexColumns, unique: row["unique"]?.integer == 1))
        }
        var keys: [Int64: TableShape.ForeignKey] = [:]
        for row in try connection.query("SELECT * FROM pragma_foreign_key_list(\(name)) ORDER BY \"id\", \"seq\"", []) {
            let id = row["id"]?.integer ?? 0
            var key = keys[id] ?? TableShape.ForeignKey(name: nil, columns: [], target: row["table"]?.text ?? "", targetColumns: [],
                                                      onDelete: row["on_delete"]?.text ?? "NO ACTION", onUpdate: row["on_update"]?.text ?? "NO ACTION")
            key.columns.append(row["from"]?.text ?? "")
            key.targetColumns.append(row["to"]?.text ?? "")
            keys[id] = key
        }
        return TableShape(name: table, columns: columns, primaryKey: primaryKey.sorted { $0.0 < $1.0 }.map(\.1), indexes: indexes,
                          foreignKeys: keys.keys.sorted().compactMap { keys[$0] }, checks: sqliteCheckNames(sql).map { TableShape.Check(name: $0) })
    }

    /// The names of the `CONSTRAINT "name" CHECK (…)` clauses of a `CREATE TABLE` statement.
    static func sqliteCheckNames(_ sql: String) -> [String] {
        var names: [String] = []
        var rest = Substring(sql)
        while let range = rest.range(of: "CONSTRAINT \"") {
            let after = rest[range.upperBound...]
            // The quoted name, with doubled quotes inside it.
            var name = ""
            var index = after.startIndex
            while index < after.endIndex {
                let next = after.index(after: index)
                if after[index] == "\"" {
                    if next < after.endIndex, after[next] == "\"" { name.append("\""); index = after.index(after: next); continue }
                    index = next
                    break
                }
                name.append(after[index])
                index = next
            }
            let tail = after[index...].drop { $0 == " " }
            if tail.hasPrefix("CHECK") { names.append(name) }
            rest = after[index...]
        }
        return names
    }

    // MARK: - PostgreSQL

    static func postgres(_ table: String, _ connection: any RegistryConnection) throws -> TableShape? {
        guard let oid = try connection.query(
            #"SELECT c.oid::bigint AS "oid" FROM pg_class AS c WHERE c.relname = ? AND c.relnamespace = \#(CatalogSQL.currentNamespace) AND c.relkind IN ('r', 'p')"#,
            [.text(table)]).first?["oid"]?.integer
        else { return nil }
        let columns = try connection.query("""
            SELECT a.attname AS "name", format_type(a.atttypid, a.atttypmod) AS "type", a.attnotnull AS "notnull",
                   pg_get_expr(d.adbin, d.adrelid) AS "default",
                   (SELECT format_type(s.seqtypid, NULL) FROM pg_sequence AS s
                    WHERE s.seqrelid = pg_get_serial_sequence(a.attrelid::regclass::text, a.attname)::regclass) AS "sequence",
                   (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum AS e
                    WHERE e.enumtypid IN (a.atttypid, (SELECT t.typelem FROM pg_type AS t WHERE t.oid = a.atttypid AND t.typcategory = 'A'))) AS "labels"
            FROM pg_attribute AS a LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = ?::bigint::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """, [.integer(oid)]).map { row in
            TableShape.Column(name: row["name"]?.text ?? "",
                              type: ShapeText.type(row["type"]?.text ?? "", .postgresql) + ShapeText.enumLabels(row["labels"]?.text.map { $0.split(separator: ",").map(String.init) }),
                              notNull: row["notnull"]?.integer == 1,
                              defaultValue: row["default"]?.text.map { ShapeText.defaultValue($0, sequence: row["sequence"]?.text, column: row["type"]?.text ?? "") })
        }
        var primaryKey: [String] = []
        var primaryKeyName: String?
        var indexes: [TableShape.Index] = []
        for row in try connection.query("""
            SELECT ic.relname AS "name", i.indisunique AS "unique", i.indisprimary AS "primary", i.indisvalid AS "valid", am.amname AS "method", i.indimmediate AS "immediate",
                   (SELECT string_agg(concat_ws(' ', CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname END,
                                                CASE WHEN (i.indoption[k.ordinality - 1] & 1) = 1 THEN 'desc' END), ',' ORDER BY k.ordinality)
                    FROM unnest(i.indclass::oid[]) WITH ORDINALITY AS k(class, ordinality) JOIN pg_opclass AS oc ON oc.oid = k.class) AS "options",
                   (SELECT string_agg(a.attname, ',' ORDER BY k.ordinality) FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ordinality)
                    JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS "columns"
            FROM pg_index AS i JOIN pg_class AS ic ON ic.oid = i.indexrelid JOIN pg_am AS am ON am.oid = ic.relam
            WHERE i.indrelid = ?::bigint::oid ORDER BY ic.relname
            """, [.integer(oid)]) {
            let indexColumns = (row["columns"]?.text ?? "").split(separator: ",").map(String.init)
            if row["primary"]?.integer == 1 {
                primaryKey = indexColumns
                // A primary key's index has the constraint's name.
                primaryKeyName = row["name"]?.text
                continue
            }
            var index = TableShape.Index(name: row["name"]?.text ?? "", columns: indexColumns, unique: row["unique"]?.integer == 1,
                                         valid: row["valid"]?.integer == 1, method: row["method"]?.text, options: row["options"]?.text ?? "")
            if index.unique && row["immediate"]?.integer == 0 { index.deferred = true }
            indexes.append(index)
        }
        var keys: [TableShape.ForeignKey] = []
        var checks: [TableShape.Check] = []
        // A key to a partitioned table has a copy per partition (`conparentid` names the key):
        // PostgreSQL's bookkeeping, not keys of their own.
        for row in try connection.query("""
            SELECT c.conname AS "name", c.contype::text AS "type", c.convalidated AS "valid",
                   CASE WHEN t.relnamespace = \(CatalogSQL.currentNamespace) THEN t.relname ELSE (SELECT n.nspname FROM pg_namespace AS n WHERE n.oid = t.relnamespace) || '.' || t.relname END AS "target",
                   c.confdeltype::text AS "ondelete", c.confupdtype::text AS "onupdate",
                   (SELECT string_agg(a.attname, ',' ORDER BY k.ordinality) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ordinality)
                    JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS "columns",
                   (SELECT string_agg(a.attname, ',' ORDER BY k.ordinality) FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ordinality)
                    JOIN pg_attribute AS a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS "targetcolumns"
            FROM pg_constraint AS c LEFT JOIN pg_class AS t ON t.oid = c.confrelid
            WHERE c.conrelid = ?::bigint::oid AND c.contype IN ('f', 'c') AND c.conparentid = 0 ORDER BY c.conname
            """, [.integer(oid)]) {
            let name = row["name"]?.text ?? ""
            let valid = row["valid"]?.integer == 1
            if row["type"]?.text == "c" {
                checks.append(TableShape.Check(name: name, valid: valid))
                continue
            }
            keys.append(TableShape.ForeignKey(
                name: name, columns: (row["columns"]?.text ?? "").split(separator: ",").map(String.init), target: row["target"]?.text ?? "",
                targetColumns: (row["targetcolumns"]?.text ?? "").split(separator: ",").map(String.init),
                onDelete: action(row["ondelete"]?.text), onUpdate: action(row["onupdate"]?.text), valid: valid))
        }
        var shape = TableShape(name: table, columns: columns, primaryKey: primaryKey, indexes: indexes, foreignKeys: keys, checks: checks)
        shape.primaryKeyName = primaryKeyName
        return shape
    }

    /// `pg_constraint.confdeltype` and `confupdtype` as SQL spells the action.
    static func action(_ code: String?) -> String {
        switch code {
        case "c": "CASCADE"
        case "n": "SET NULL"
        case "r": "RESTRICT"
        case "d": "SET DEFAULT"
        default: "NO ACTION"
        }
    }
}
