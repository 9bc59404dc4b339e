import SchemaCore

extension Registry {
    /// The impact of each item on the database as it is now (``ChangeImpact``), by item id.
    ///
    /// Every check runs in a savepoint with a statement timeout (PostgreSQL), so one that cannot
    /// be asked (a table another change creates, a table too large to count in time) is reported
    /// as not counted instead of failing the listing.
    public func impact(of items: [QueueItem], countTimeout: Duration = .seconds(30)) throws -> [String: ChangeImpact] {
        guard !items.isEmpty else { return [:] }
        return try transaction { connection in
            let dialect = connection.dialect
            if dialect == .postgresql {
                try connection.execute("SET LOCAL statement_timeout = '\(LockPolicy.milliseconds(countTimeout))ms'")
            }
            let tables = try ApplyEngine.existingTables(connection)
            var impacts: [String: ChangeImpact] = [:]
            for item in items {
                var impact = ChangeImpact(itemId: item.id)
                for check in item.checks {
                    impact.checks.append(try Self.ask(check, tables: tables, connection))
                }
                let locked = Array(Set(item.statements.compactMap { $0.lock?.work == .catalog ? nil : $0.lock?.table })).sorted()
                var sizes: [String: ChangeImpact.TableSize] = [:]
                for table in locked where tables.contains(table) {
                    sizes[table] = try Self.size(of: table, copies: impact.checks, connection)
                }
                if dialect == .sqlite, let copies = impact.checks.first(where: { $0.kind == .copies }) {
                    sizes[copies.table] = ChangeImpact.TableSize(table: copies.table, rows: copies.count, bytes: nil)
                }
                impact.tables = sizes.keys.sorted().compactMap { sizes[$0] }
                // Row-level security statements run only with `apply --rls`; `plan` lists them apart.
                impact.locks = item.statements.ordered().compactMap { statement in
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

    /// Asks one check, inside a savepoint so that a failure leaves the transaction usable.
    static func ask(_ check: DataCheck, tables: Set<String>, _ connection: any RegistryConnection) throws -> ChangeImpact.CheckResult {
        var result = ChangeImpact.CheckResult(kind: check.kind, table: check.table, description: check.description, count: nil, examples: [], note: nil)
        if let missing = ([check.table] + check.reads).first(where: { !tables.contains($0) }) {
            result.note = "\(missing) does not exist yet; the database checks it when the change runs"
            return result
        }
        do {
            try inSavepoint(connection) {
                result.count = Int(try connection.query(check.countSQL, []).first?["count"]?.integer ?? 0)
                if check.kind == .violations, (result.count ?? 0) > 0, let examples = check.examplesSQL {
                    result.examples = try connection.query(examples, []).compactMap { $0["key"]?.text }.map { TerminalText.escape($0, limit: 60) }
                }
            }
        } catch let error as SchemaError {
            result.count = nil
            result.note = error.message.contains("statement timeout") ? "counting took too long" : "the query failed: \(error.message)"
        }
        return result
    }

    /// Runs `body` in a savepoint, rolled back to when it throws: the transaction stays usable.
    static func inSavepoint<T>(_ connection: any RegistryConnection, _ body: () throws -> T) throws -> T {
        try connection.execute("SAVEPOINT \"impact_check\"")
        do {
            let result = try body()
            try connection.execute("RELEASE SAVEPOINT \"impact_check\"")
            return result
        } catch {
            try connection.execute("ROLLBACK TO SAVEPOINT \"impact_check\"")
            throw error
        }
    }

    /// The planner's estimate of a table's rows and its size with indexes (PostgreSQL).
    static func size(of table: String, copies: [ChangeImpact.CheckResult], _ connection: any RegistryConnection) throws -> ChangeImpact.TableSize? {
        guard connection.dialect == .postgresql else { return nil }
        let rows = try connection.query(
            #"SELECT c.reltuples::bigint AS "rows", pg_total_relation_size(c.oid) AS "bytes" FROM pg_class AS c WHERE c.relname = ? AND c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"#,
            [.text(table)])
        guard let row = rows.first else { return nil }
        // reltuples is -1 until the table was first analyzed: then it is counted (under the
        // statement timeout). A counted copy is exact.
        var estimate = row["rows"]?.integer.flatMap { $0 >= 0 ? Int($0) : nil }
        if estimate == nil {
            estimate = try? inSavepoint(connection) {
                try connection.query(#"SELECT COUNT(*) AS "count" FROM \#(connection.dialect.quote(table))"#, []).first?["count"]?.integer.map(Int.init)
            } ?? nil
        }
        let counted = copies.first { $0.kind == .copies && $0.table == table }?.count
        return ChangeImpact.TableSize(table: table, rows: counted ?? estimate, bytes: row["bytes"]?.integer.map(Int.init))
    }
}
