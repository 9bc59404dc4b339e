public import SchemaCore

extension Registry {
    /// The impact of each item on the database as it is now (``ChangeImpact``), by item id.
    ///
    /// The checks and statements are derived again from verified structures (``derive(_:_:liveCheck:_:)``);
    /// an item whose stored SQL is not that derivation gets a refusal and no query runs for it. On
    /// PostgreSQL the transaction is read-only and every check has a statement timeout; every
    /// check runs in a savepoint that is rolled back (``ask(_:tables:_:)``).
    ///
    /// - Parameter context: the workspace's host schema and identity setting, which the derivation needs.
    public func impact(of items: [QueueItem], context: RenderContext = RenderContext(), countTimeout: Duration = .seconds(30)) throws -> [String: ChangeImpact] {
        guard !items.isEmpty else { return [:] }
        return try transaction { connection in
            let dialect = connection.dialect
            if dialect == .postgresql {
                try connection.execute("SET TRANSACTION READ ONLY")
                try connection.execute("SET LOCAL statement_timeout = '\(LockPolicy.milliseconds(countTimeout))ms'")
            }
            let inputs = try DerivationInputs.read(context: context, others: items.compactMap(\.structure), connection)
            let tables = try ApplyEngine.existingTables(connection)
            let extensionObjects = try ApplyEngine.extensionObjects(connection)
            let partitions = try ApplyEngine.partitionLayout(connection)
            let keys = PrimaryKeys.of(host: context.host, entities: inputs.applied.values.map(\.structure))
            let createdHere = Set(items.filter { $0.action == .create }.map(\.entity))
            let renamed = ApplyEngine.columnsRenamed(by: items, applied: inputs.applied)
            var impacts: [String: ChangeImpact] = [:]
            for item in items {
                var impact = ChangeImpact(itemId: item.id)
                let derived: DerivedChange
                switch try Self.derive(item, inputs, connection) {
                case .refused(let refusal):
                    impact.refusal = refusal.message
                    impacts[item.id] = impact
                    continue
                case .runs(let change):
                    derived = change
                }
                impact.rollout = derived.incompatibilities.map(\.description)
                // What apply refuses before anything runs, said now: on PostgreSQL a foreign key to
                // a host table that is not there, or a type of an extension the host has not
                // installed, would fail the start (SQLite creates the first anyway, has no second).
                if dialect == .postgresql,
                   let missing = ApplyEngine.missingTargetProblem(item, primaryKeys: keys, tables: tables, createdHere: createdHere,
                                                                   extensionObjects: extensionObjects) {
                    impact.blockers.append(missing)
                }
                if let partitioned = ApplyEngine.partitionProblem(item.structure, statements: derived.statements, layout: partitions) {
                    impact.blockers.append(partitioned)
                }
                for check in derived.checks where check.part == .expand {
                    impact.checks.append(try Self.ask(check, tables: tables, renamed: renamed, connection))
                }
                // The statements as a start runs them: partitioned tables' in their own form, only
                // the row-level security of a create that takes over its existing table.
                var started = partitions.adapting(derived.statements.filter { $0.part == .expand })
                if item.action == .create && tables.contains(item.tableName) {
                    switch try ApplyEngine.existingTable(for: item, primaryKeys: inputs.primaryKeys, tables: tables, connection) {
                    case .absent: break
                    case .adoptable:
                        started = started.filter { $0.phase == .rowLevelSecurity }
                        let rows = try Self.size(of: item.tableName, copies: [], connection)?.rows
                            ?? (try? Self.rolledBack(connection) { try connection.query(#"SELECT COUNT(*) AS "count" FROM \#(dialect.quote(item.tableName))"#, []).first?["count"]?.integer.map(Int.init) } ?? nil)
                        impact.adopts = "the table \(item.tableName) exists with exactly this shape (\(rows.map { "about \($0) rows" } ?? "rows unknown"), kept): "
                            + "the start takes it over and runs no CREATE, only the table's row-level security"
                        // `apply --rls` closes a table without an ACL (RLS forced, no policy): for a
                        // table the application already reads, that is an outage the review must name.
                        if dialect == .postgresql && item.structure?.acl == nil {
                            impact.adopts? += "; it has no ACL, so a start with `--rls` forces row-level security on it with no policy "
                                + "and the application reads no rows from it: give the entity an ACL first, or start without `--rls`"
                        }
                    case .differs(let why):
                        impact.blockers.append(ApplyEngine.existingTableProblem(item, why))
                    }
                }
                let approved = derived.statements.filter { $0.part == .expand }.ordered()
                if started.ordered() != approved { impact.runsInstead = started.ordered().map(\.sql) }
                let locked = Array(Set(started.compactMap { $0.lock?.work == .catalog ? nil : $0.lock?.table })).sorted()
                var sizes: [String: ChangeImpact.TableSize] = [:]
                for table in locked where tables.contains(table) {
                    sizes[table] = try Self.size(of: table, copies: impact.checks, connection)
                }
                if dialect == .sqlite, let copies = impact.checks.first(where: { $0.kind == .copies }) {
                    sizes[copies.table] = ChangeImpact.TableSize(table: copies.table, rows: copies.count, bytes: nil)
                }
                impact.tables = sizes.keys.sorted().compactMap { sizes[$0] }
                // Row-level security statements are not the change's locks; `plan` lists them apart.
                impact.locks = started.ordered().compactMap { statement in
                    guard let lock = statement.lock, statement.phase != .rowLevelSecurity else { return nil }
                    let first = statement.sql.split(separator: "\n").first.map(String.init) ?? statement.sql
                    return ChangeImpact.StatementLock(
                        statement: TerminalText.escape(first, limit: 140), stage: statement.stage, mode: lock.mode, table: lock.table, work: lock.work,
                        blocksReads: lock.blocksReads, blocksWrites: lock.blocksWrites,
                        estimatedSeconds: sizes[lock.table]?.bytes.flatMap { LockEstimate.seconds(lock.work, bytes: $0) })
                }
                impacts[item.id] = impact
            }
            return impacts
        }
    }

    /// The planner's estimate of a table's rows and its size with indexes (PostgreSQL).
    static func size(of table: String, copies: [ChangeImpact.CheckResult], _ connection: any RegistryConnection) throws -> ChangeImpact.TableSize? {
        guard connection.dialect == .postgresql else { return nil }
        let rows = try connection.query(
            // A partitioned table's rows and bytes are its partitions' (pg_partition_tree has no row for a plain table).
            #"""
            SELECT CAST(CASE WHEN bool_or(l.reltuples < 0) THEN -1 ELSE SUM(l.reltuples) END AS bigint) AS "rows",
                   CAST(SUM(pg_total_relation_size(l.oid)) AS bigint) AS "bytes"
            FROM pg_class AS c JOIN pg_class AS l ON l.oid = c.oid AND c.relkind = 'r'
                 OR l.oid IN (SELECT t.relid FROM pg_partition_tree(c.oid) AS t WHERE t.isleaf)
            WHERE c.relname = ? AND c.relnamespace = \#(CatalogSQL.currentNamespace) AND c.relkind IN ('r', 'p')
            GROUP BY c.oid
            """#,
            [.text(table)])
        guard let row = rows.first else { return nil }
        // reltuples is -1 until the table was first analyzed: then it is counted (under the
        // statement timeout). A counted copy is exact.
        var estimate = row["rows"]?.integer.flatMap { $0 >= 0 ? Int($0) : nil }
        if estimate == nil {
            estimate = try? rolledBack(connection) {
                try connection.query(#"SELECT COUNT(*) AS "count" FROM \#(connection.dialect.quote(table))"#, []).first?["count"]?.integer.map(Int.init)
            } ?? nil
        }
        let counted = copies.first { $0.kind == .copies && $0.table == table }?.count
        return ChangeImpact.TableSize(table: table, rows: counted ?? estimate, bytes: row["bytes"]?.integer.map(Int.init))
    }
}
