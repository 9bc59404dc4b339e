import SchemaCore

extension ApplyEngine {
    /// The partitioned tables of the package schema and their partitions, as the catalog has them
    /// now (``PartitionLayout``); empty on SQLite and when nothing is partitioned.
    static func partitionLayout(_ connection: any RegistryConnection) throws -> PartitionLayout {
        guard connection.dialect == .postgresql else { return PartitionLayout() }
        // Partitions of the package schema's tables, and of those partitions, wherever they live.
        let rows = try connection.query(#"""
            WITH RECURSIVE "tree" AS (
                SELECT i.inhrelid AS "child", i.inhparent AS "parent" FROM pg_inherits AS i JOIN pg_class AS p ON p.oid = i.inhparent
                WHERE p.relkind = 'p' AND p.relnamespace = \#(CatalogSQL.currentNamespace) AND NOT p.relispartition
                UNION SELECT i.inhrelid, i.inhparent FROM pg_inherits AS i JOIN "tree" AS t ON i.inhparent = t."child")
            SELECT p.relname AS "parent", c.relname AS "name", CASE WHEN c.relkind = 'p' THEN 1 ELSE 0 END AS "partitioned",
                   CASE WHEN c.relnamespace = \#(CatalogSQL.currentNamespace) THEN NULL ELSE n.nspname END AS "schema"
            FROM "tree" AS t JOIN pg_class AS c ON c.oid = t."child" JOIN pg_class AS p ON p.oid = t."parent"
                 JOIN pg_namespace AS n ON n.oid = c.relnamespace
            ORDER BY c.relname
            """#, [])
        guard !rows.isEmpty else { return PartitionLayout() }
        var layout = PartitionLayout()
        for row in rows {
            guard let parent = row["parent"]?.text, let name = row["name"]?.text else { continue }
            layout.partitions[parent, default: []].append(
                PartitionLayout.Partition(name: name, schema: row["schema"]?.text, isPartitioned: row["partitioned"]?.integer == 1))
        }
        let keys = try connection.query(#"""
            SELECT c.relname AS "table", CASE WHEN 0 = ANY(CAST(k.partattrs AS int2[])) THEN NULL ELSE
                (SELECT string_agg(a.attname, ',' ORDER BY o.n) FROM unnest(CAST(k.partattrs AS int2[])) WITH ORDINALITY AS o(attnum, n)
                 JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum = o.attnum) END AS "columns"
            FROM pg_partitioned_table AS k JOIN pg_class AS c ON c.oid = k.partrelid
            """#, [])
        for row in keys {
            guard let table = row["table"]?.text, layout.partitions[table] != nil else { continue }
            layout.keyColumns[table] = row["columns"]?.text.map { $0.split(separator: ",").map(String.init) }
        }
        return layout
    }

    /// `item` with the statements it runs on partitioned tables in their partition-by-partition form.
    static func adapted(_ item: QueueItem, to layout: PartitionLayout) -> QueueItem {
        guard !layout.isEmpty else { return item }
        var item = item
        let adapted = layout.adapting(item.statements)
        item.adaptedStatements = adapted == item.statements ? nil : adapted
        return item
    }

    /// Refuses an item that builds a unique index PostgreSQL cannot have on a table the database
    /// has partitioned (the index lacks a partition column), before anything of it runs.
    static func partitionRefusal(_ item: QueueItem, layout: PartitionLayout) -> Refusal? {
        guard let problem = partitionProblem(item.structure, statements: item.startStatements, layout: layout) else { return nil }
        return Refusal(itemId: item.id, entity: item.entity, code: .partitionKeyMissing, message: problem + "; nothing ran and the change stays approved")
    }

    /// What ``partitionRefusal(_:layout:)`` refuses, said before anything runs (`plan`, `list
    /// --verbose`, the review page), or nil.
    static func partitionProblem(_ structure: CanonicalEntity?, statements: [SQLStatement], layout: PartitionLayout) -> String? {
        guard !layout.isEmpty, let structure = structure?.inDatabase, layout.isPartitioned(structure.name) else { return nil }
        let built = Set(statements.filter { $0.part == .expand }.compactMap(\.index))
        for index in structure.indexes where index.unique && built.contains(ConstraintName.index(structure.name, index, in: .postgresql)) {
            if let problem = layout.uniqueIndexProblem(table: structure.name, columns: index.fields) { return problem }
        }
        return nil
    }
}
