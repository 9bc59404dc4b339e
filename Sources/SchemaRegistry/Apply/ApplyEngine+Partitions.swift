import SchemaCore

extension ApplyEngine {
    /// The partitioned tables of the package schema and their partitions, as the catalog has them
    /// now (``PartitionLayout``); empty on SQLite and when nothing is partitioned.
    static func partitionLayout(_ connection: any RegistryConnection) throws -> PartitionLayout {
        guard connection.dialect == .postgresql else { return PartitionLayout() }
        // Every partition in the database, in one plain query (a start's statement log shows
        // queries that begin with WITH as changes); those under the package schema's tables are kept.
        let rows = try connection.query(#"""
            SELECT CAST(p.oid AS bigint) AS "parentid", p.relname AS "parent", CAST(c.oid AS bigint) AS "id", c.relname AS "name",
                   CASE WHEN c.relkind = 'p' THEN 1 ELSE 0 END AS "partitioned",
                   CASE WHEN p.relnamespace = \#(CatalogSQL.currentNamespace) AND NOT p.relispartition THEN 1 ELSE 0 END AS "root",
                   CASE WHEN c.relnamespace = \#(CatalogSQL.currentNamespace) THEN NULL ELSE n.nspname END AS "schema"
            FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid JOIN pg_class AS p ON p.oid = i.inhparent
                 JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE p.relkind = 'p' ORDER BY c.relname
            """#, [])
        guard !rows.isEmpty else { return PartitionLayout() }
        let children = Dictionary(grouping: rows) { $0["parentid"]?.integer ?? -1 }
        var layout = PartitionLayout()
        var parents = rows.filter { $0["root"]?.integer == 1 }.compactMap { $0["parentid"]?.integer }
        var seen = Set<Int64>()
        while let parent = parents.popLast() {
            guard seen.insert(parent).inserted else { continue }
            for row in children[parent] ?? [] {
                guard let parentName = row["parent"]?.text, let name = row["name"]?.text, let id = row["id"]?.integer else { continue }
                let partitioned = row["partitioned"]?.integer == 1
                layout.partitions[parentName, default: []].append(PartitionLayout.Partition(name: name, schema: row["schema"]?.text, isPartitioned: partitioned))
                if partitioned { parents.append(id) }
            }
        }
        guard !layout.isEmpty else { return layout }
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
        // Every part: an index a rollout's contract builds must be possible too, or the start
        // would begin a change `schema complete` cannot end.
        guard let problem = partitionProblem(item.structure, statements: item.statements, layout: layout) else { return nil }
        return Refusal(itemId: item.id, entity: item.entity, code: .partitionKeyMissing, message: problem + "; nothing ran and the change stays approved")
    }

    /// What ``partitionRefusal(_:layout:)`` refuses, said before anything runs (`plan`, `list
    /// --verbose`, the review page), or nil.
    static func partitionProblem(_ structure: CanonicalEntity?, statements: [SQLStatement], layout: PartitionLayout) -> String? {
        guard !layout.isEmpty, let structure = structure?.inDatabase, layout.isPartitioned(structure.name) else { return nil }
        let built = Set(statements.compactMap(\.index))
        for index in structure.indexes where index.unique && built.contains(ConstraintName.index(structure.name, index, in: .postgresql)) {
            if let problem = layout.uniqueIndexProblem(table: structure.name, columns: index.fields) { return problem }
        }
        return nil
    }
}
