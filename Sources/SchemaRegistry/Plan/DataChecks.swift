import SchemaCore

extension Registry {
    /// Asks one check of the database: the one place a ``DataCheck`` runs, for review (`plan`,
    /// `list --verbose`, the review page), approval and apply alike.
    ///
    /// The check runs in a savepoint that is always rolled back, so whatever it did is undone and a
    /// failure leaves the transaction usable; a check that cannot be asked (a table another change
    /// creates, a count over the statement timeout) is reported as not counted, and a query the
    /// database refused keeps its error (``ChangeImpact/CheckResult/failure``). Checks are derived
    /// from verified structures (``derive(_:_:liveCheck:_:)``), never read from a row.
    ///
    /// - Parameter renamed: columns other changes of the same start rename before the check's
    ///   change runs, by table: new name → name now. A check reading a new name the table does
    ///   not have yet reads the column by its name now (``DataCheck/readingBefore(_:in:)``).
    static func ask(_ check: DataCheck, tables: Set<String>, renamed: [String: [String: String]] = [:],
                    _ connection: any RegistryConnection) throws -> ChangeImpact.CheckResult {
        var check = check
        var result = ChangeImpact.CheckResult(kind: check.kind, table: check.table, description: check.description, count: nil, examples: [], note: nil)
        if let missing = ([check.table] + check.reads).first(where: { !tables.contains($0) }) {
            result.note = "\(missing) does not exist yet; the database checks it when the change runs"
            return result
        }
        for (table, columns) in check.readsColumns.sorted(by: { $0.key < $1.key }) {
            let live = try liveColumns(of: table, connection)
            let before = (renamed[table] ?? [:]).filter { columns.contains($0.key) && !live.contains($0.key) && live.contains($0.value) }
            check = check.readingBefore(before, in: table)
            if let missing = check.readsColumns[table]?.first(where: { !live.contains($0) }) {
                result.note = "\(table).\(missing) does not exist yet; the database checks it when the change runs"
                return result
            }
        }
        do {
            try rolledBack(connection) {
                result.count = Int(try connection.query(check.countSQL, []).first?["count"]?.integer ?? 0)
                if check.kind == .violations, (result.count ?? 0) > 0, let examples = check.examplesSQL {
                    result.examples = try connection.query(examples, []).compactMap { $0["key"]?.text }.map { TerminalText.escape($0, limit: 60) }
                }
            }
        } catch let error as SchemaError {
            result.count = nil
            result.examples = []
            if error.message.contains("statement timeout") {
                result.note = "counting took too long"
            } else {
                result.note = "the query failed: \(error.message)"
                result.failure = error.message
            }
        }
        return result
    }

    /// The columns `table` has now, named as ``ApplyEngine/existingTables(_:)`` names tables (a
    /// table of another schema as `auth.users`).
    static func liveColumns(of table: String, _ connection: any RegistryConnection) throws -> Set<String> {
        let sql = connection.dialect == .postgresql
            ? #"""
              SELECT a.attname AS "name" FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE (CASE WHEN n.nspname = current_schema() THEN c.relname ELSE n.nspname || '.' || c.relname END) = ? AND c.relkind IN ('r', 'p')
              AND a.attnum > 0 AND NOT a.attisdropped
              """#
            : #"SELECT "name" FROM pragma_table_info(?)"#
        return Set(try connection.query(sql, [.text(table)]).compactMap { $0["name"]?.text })
    }

    /// Every check of `checks` that blocks the change, asked now: it finds rows making the change
    /// fail, or its query failed (a change the start cannot check does not run on trust).
    static func violations(_ checks: [DataCheck], tables: Set<String>, renamed: [String: [String: String]] = [:],
                           _ connection: any RegistryConnection) throws -> [ChangeImpact.CheckResult] {
        try checks.filter { $0.kind == .violations }.map { try ask($0, tables: tables, renamed: renamed, connection) }.filter(\.blocks)
    }

    /// The refusal naming every blocking data problem of an item at once (each one otherwise costs
    /// a failed start), or nil when there is none. Rows that break the change make it
    /// `data-violation` (the item fails: the rows must change and the change be approved again);
    /// checks that could only not be asked make it `data-check-failed`, and the item stays approved
    /// for the next start (a check can read what the host's migrations have not created yet).
    static func dataRefusal(itemId: String, entity: String, _ found: [ChangeImpact.CheckResult],
                            then advice: String = "Fix those rows, then scan and approve again") -> Refusal? {
        guard !found.isEmpty else { return nil }
        let counted = found.filter { ($0.count ?? 0) > 0 }
        let problems = counted.map { result in
            DataCheck.counted(result.count ?? 0, result.description) + (result.examples.isEmpty ? "" : " (for example \(result.examples.joined(separator: "; ")))")
        } + found.compactMap { result in
            result.failure.map { "\(result.description) could not be asked (\($0)), so nobody can tell whether rows break the change" }
        }
        guard counted.isEmpty else {
            return Refusal(itemId: itemId, entity: entity, code: .dataViolation, message: problems.joined(separator: "; ") + "; nothing was changed. " + advice)
        }
        return Refusal(itemId: itemId, entity: entity, code: .dataCheckFailed,
                       message: problems.joined(separator: "; ") + "; nothing was changed and the change stays approved. "
                        + "Make what the check reads exist as the package and host schemas say (the host's own migrations, `schema drift`); the next start asks again")
    }

    /// Runs `body` in a savepoint that is rolled back afterwards, whether it throws or not.
    static func rolledBack<T>(_ connection: any RegistryConnection, _ body: () throws -> T) throws -> T {
        try connection.execute("SAVEPOINT \"data_check\"")
        do {
            let result = try body()
            try connection.execute("ROLLBACK TO SAVEPOINT \"data_check\"")
            return result
        } catch {
            try connection.execute("ROLLBACK TO SAVEPOINT \"data_check\"")
            throw error
        }
    }
}
